"""Pick the tool and its arguments for a task, and check them against the tool's schema.

In order: arguments given explicitly (``inputs.tool`` and ``inputs.arguments``);
the LLM's structured answer; with a single tool whose schema is flat, the
task's inputs matched by property name. Every choice is validated with
``jsonschema`` before the call; an invalid one is never sent.
"""

import json
from typing import Any

import jsonschema
from pydantic import BaseModel, Field

from protocol.framing import DATA_RULE, as_data
from protocol.llm import Llm
from services.agents.mcp_bridge.server import Tool


class ToolCall(BaseModel):
    tool: str = Field(description="The name of the tool to call.")
    arguments: dict[str, Any] = Field(default_factory=dict)


class NoToolCall(ValueError):
    """No valid tool call could be made for the task; the message says why."""


SYSTEM = (
    "You choose one tool and its arguments to do a task. Answer with one JSON object "
    '{"tool": NAME, "arguments": {...}} whose arguments match the tool\'s JSON schema. '
    "Take values only from the task; if no tool fits, answer "
    '{"tool": "none", "arguments": {}}. ' + DATA_RULE
    # Tool descriptions come from the MCP server, inputs from other agents' results.
)


def check(tool: Tool, arguments: dict[str, Any]) -> None:
    """Raise :class:`NoToolCall` when ``arguments`` do not match the tool's schema."""
    try:
        jsonschema.validate(arguments, tool.schema)
    except jsonschema.ValidationError as exc:
        raise NoToolCall(f"arguments for {tool.name} are not valid: {exc.message}") from None
    except jsonschema.SchemaError as exc:
        raise NoToolCall(f"the tool {tool.name} has an invalid schema: {exc.message}") from None


def tools_block(tools: list[Tool]) -> str:
    return "\n".join(
        f"- {t.name}: {as_data(f'tool {t.name}', t.description)}\n"
        f"  schema: {json.dumps(t.schema, sort_keys=True)}"
        for t in tools
    )


def _json(value: Any) -> str:
    return json.dumps(value, default=str)


def simple(tool: Tool) -> bool:
    """A flat object schema: every property a scalar."""
    props = tool.schema.get("properties", {})
    return tool.schema.get("type") == "object" and all(
        isinstance(p, dict) and p.get("type") in ("string", "integer", "number", "boolean")
        for p in props.values()
    )


async def choose(
    tools: list[Tool], task: str, inputs: dict[str, Any], llm: Llm | None
) -> tuple[Tool, dict[str, Any]]:
    """The tool and validated arguments for ``task``, or :class:`NoToolCall`."""
    by_name = {t.name: t for t in tools}
    if isinstance(inputs.get("tool"), str):
        tool = by_name.get(inputs["tool"])
        if tool is None:
            raise NoToolCall(f"no tool named {inputs['tool']!r}; tools: {', '.join(by_name)}")
        arguments = inputs.get("arguments", {})
        if not isinstance(arguments, dict):
            raise NoToolCall("inputs.arguments must be an object")
        check(tool, arguments)
        return tool, arguments
    reason = "no language model to choose a tool"
    if llm is not None:
        messages = [
            {"role": "system", "content": SYSTEM},
            {
                "role": "user",
                "content": f"Tools:\n{tools_block(tools)}\n\nTask: {task}"
                + (f"\nInputs: {as_data('inputs', _json(inputs))}" if inputs else ""),
            },
        ]
        call = await llm.choose(messages, ToolCall, max_tokens=300)
        if call is None:
            reason = "the language model gave no usable tool call"
        elif call.tool == "none":
            raise NoToolCall("none of the tools fits this task")
        elif call.tool not in by_name:
            reason = f"the language model chose an unknown tool {call.tool!r}"
        else:
            check(by_name[call.tool], call.arguments)
            return by_name[call.tool], call.arguments
    if len(tools) == 1 and simple(tools[0]):
        tool = tools[0]
        props = tool.schema.get("properties", {})
        arguments = {k: v for k, v in inputs.items() if k in props}
        check(tool, arguments)
        return tool, arguments
    raise NoToolCall(reason)
