"""The MCP bridge: an MCP server's tools as one agent; the LLM picks tool and arguments."""

import asyncio
import json
from typing import Any

from protocol.agent import Agent
from protocol.envelope import Envelope
from protocol.figures import unfounded
from protocol.kinds import (
    AgentCard,
    ChatMessage,
    DataPart,
    Part,
    TaskAssign,
    TaskFailed,
    TaskResult,
    TextPart,
)
from protocol.llm import Llm
from services.agents.mcp_bridge.choose import NoToolCall, choose
from services.agents.mcp_bridge.server import McpServer, Outcome


class CallFailed(RuntimeError):
    """The tool call failed; the message says why."""


class McpBridge(Agent):
    """The caller owns ``server`` and ``llm``."""

    def __init__(
        self,
        card: AgentCard,
        settings: Any,
        server: McpServer,
        llm: Llm | None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("lease_seconds", settings.agent_lease_seconds)
        super().__init__(card, settings, **kwargs)
        self.server = server
        self.llm = llm
        self.timeout = settings.mcp_timeout

    async def run(self, text: str, inputs: dict[str, Any]) -> tuple[str, Outcome, bool]:
        """Call the tool the LLM chose; also whether every figure among its arguments is in
        the ask (then the tool's output answers the question asked: ``grounded``)."""
        tool, arguments = await choose(self.server.tools, text, inputs, self.llm)
        self.log.info("calling tool", tool=tool.name)
        try:
            async with asyncio.timeout(self.timeout):
                outcome = await self.server.call(tool.name, arguments)
        except TimeoutError:
            raise CallFailed(f"{tool.name} did not answer within {self.timeout:g} s") from None
        except Exception as exc:  # the MCP session: transport and protocol errors
            raise CallFailed(f"{tool.name} failed: {type(exc).__name__}: {exc}") from exc
        if outcome.is_error:
            raise CallFailed(f"{tool.name} reported an error: {outcome.text[:2000]}")
        asked = [text, json.dumps(inputs)]
        return tool.name, outcome, not unfounded(json.dumps(arguments), asked)

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed:
        task = env.body
        try:
            name, outcome, grounded = await self.run(task.description, task.inputs)
        except (NoToolCall, CallFailed) as exc:
            return TaskFailed(task_id=task.task_id, reason=f"{self.id}: {exc}")
        data = {"tool": name, "result": outcome.data, "grounded": grounded}
        parts: list[Part] = [TextPart(text=outcome.text[:200_000]), DataPart(data=data)]
        return TaskResult(task_id=task.task_id, text=outcome.text, data=data, parts=parts)

    async def on_turn(self, env: Envelope[ChatMessage]) -> str | ChatMessage | None:
        try:
            name, outcome, grounded = await self.run(env.body.text, {})
        except (NoToolCall, CallFailed) as exc:
            return f"({self.id} could not help: {exc})"
        data = {"tool": name, "result": outcome.data, "grounded": grounded}
        return ChatMessage(text=outcome.text, parts=[DataPart(data=data)])
