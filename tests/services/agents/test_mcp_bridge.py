"""The MCP bridge against a real MCP server (the ``mcp`` package's MCPServer, a subprocess
over stdio, and a process of its own on streamable HTTP): tools become skills, a scripted
LLM picks tool and arguments, and every call is checked against the tool's JSON schema
first."""

import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.kinds import AgentInfo, GetAgent, TaskAssign, TaskFailed, TaskResult
from protocol.llm import Llm, LlmSettings
from protocol.settings import ServiceSettings
from protocol.subjects import CHAT, REGISTRY
from services.agents.mcp_bridge.agent import McpBridge
from services.agents.mcp_bridge.card import mcp_card
from services.agents.mcp_bridge.choose import NoToolCall, choose
from services.agents.mcp_bridge.server import McpServer, Tool
from services.agents.mcp_bridge.settings import McpBridgeSettings
from tests.services.agents.conftest import create_group, outcome_of
from tests.services.agents.mcp_server import served_over_http
from tests.support.scripted_llm import Rule, Script, scripted_llm

SERVER = Path(__file__).with_name("mcp_server.py")
SCRIPT = [
    Rule(when="Task: Add 2 and 40", reply='{"tool": "add", "arguments": {"a": 2, "b": 40}}'),
    Rule(when="Task: Shout", reply='{"tool": "shout", "arguments": {"times": "many"}}'),
    Rule(when="Task: Water the plants", reply='{"tool": "none", "arguments": {}}'),
]


@contextmanager
def mcp_server(transport: str) -> Iterator[str]:
    """The test server's spec for the bridge: a command (stdio) or a URL (HTTP)."""
    if transport == "http":
        with served_over_http() as url:
            yield url
    else:
        yield f"{sys.executable} {SERVER}"


@pytest.fixture
async def bridge(
    settings: ServiceSettings, coordinator: Connection, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[McpBridge, Script]]:
    script = Script(rules=list(SCRIPT), default="no idea")
    with mcp_server(getattr(request, "param", "stdio")) as spec, scripted_llm(script) as url:
        bridge_settings = McpBridgeSettings(
            nats_url=settings.nats_url, subject_root=settings.subject_root, mcp_server=spec
        )
        llm = Llm(LlmSettings(openai_base_url=url, model="scripted"))
        try:
            async with McpServer(spec, timeout=20) as server:
                card = mcp_card(None, server.name, server.tools)
                async with McpBridge(card, bridge_settings, server, llm) as agent:
                    yield agent, script
        finally:
            await llm.close()


BOTH_TRANSPORTS = pytest.mark.parametrize("bridge", ["stdio", "http"], indirect=True)


async def assign(conn: Connection, group: str, text: str, **inputs: Any) -> Envelope[Any]:
    task = TaskAssign(task_id="t1", assignee="mcp-garden-tools", description=text, inputs=inputs)
    await conn.send(CHAT, "post", Envelope.of(task, sender=conn.identity, group=group))
    return await outcome_of(conn, group, "t1", timeout=20)


@BOTH_TRANSPORTS
async def test_the_servers_tools_are_the_agents_skills(
    coordinator: Connection, bridge: tuple[McpBridge, Script]
) -> None:
    reply = await coordinator.request(REGISTRY, "get_agent", GetAgent(agent="mcp-garden-tools"))
    info = reply.body

    assert isinstance(info, AgentInfo) and info.online
    assert [(s.id, s.description) for s in info.card.skills] == [
        ("add", "Add two whole numbers."),
        ("shout", "Repeat a text in capitals."),
    ]


@BOTH_TRANSPORTS
async def test_the_llm_picks_the_tool_and_arguments_and_the_result_comes_back(
    coordinator: Connection, bridge: tuple[McpBridge, Script]
) -> None:
    group = await create_group(coordinator, ["mcp-garden-tools"])
    outcome = await assign(coordinator, group, "Add 2 and 40")

    assert isinstance(outcome.body, TaskResult)
    assert outcome.body.text == "42"
    # The arguments the model chose are the task's own figures: the output answers it.
    assert outcome.body.data == {"tool": "add", "result": {"result": 42}, "grounded": True}
    prompt = bridge[1].requests[-1]["messages"][1]["content"]
    assert '"required": ["a", "b"]' in prompt  # the tools' schemas were shown to the LLM


async def test_arguments_that_break_the_tools_schema_are_never_sent(
    coordinator: Connection, bridge: tuple[McpBridge, Script]
) -> None:
    group = await create_group(coordinator, ["mcp-garden-tools"])
    outcome = await assign(coordinator, group, "Shout hello")

    assert isinstance(outcome.body, TaskFailed)
    assert "arguments for shout are not valid" in outcome.body.reason


async def test_a_task_no_tool_fits_is_a_clear_failure(
    coordinator: Connection, bridge: tuple[McpBridge, Script]
) -> None:
    group = await create_group(coordinator, ["mcp-garden-tools"])
    outcome = await assign(coordinator, group, "Water the plants")

    assert isinstance(outcome.body, TaskFailed)
    assert "none of the tools fits this task" in outcome.body.reason


async def test_an_explicit_tool_call_in_the_inputs_needs_no_llm(
    coordinator: Connection, bridge: tuple[McpBridge, Script]
) -> None:
    group = await create_group(coordinator, ["mcp-garden-tools"])
    outcome = await assign(
        coordinator, group, "go", tool="shout", arguments={"text": "hi", "times": 2}
    )

    assert isinstance(outcome.body, TaskResult) and outcome.body.text == "HI HI"
    assert bridge[1].requests == []


async def test_one_simple_tool_is_filled_from_the_inputs_without_an_llm() -> None:
    tool = Tool(
        "area",
        "Area of a rectangle",
        {
            "type": "object",
            "properties": {"w": {"type": "number"}, "h": {"type": "number"}},
            "required": ["w", "h"],
        },
    )

    assert await choose([tool], "area please", {"w": 2, "h": 3, "x": 1}, None) == (
        tool,
        {"w": 2, "h": 3},
    )
    with pytest.raises(NoToolCall, match="not valid"):
        await choose([tool], "area please", {"w": 2}, None)
