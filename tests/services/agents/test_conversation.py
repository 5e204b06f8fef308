"""The new agents in a whole conversation: real registry, chat, coordinator and agents in
this process against the session's nats-server; only the LLM is scripted."""

import sys
from pathlib import Path

from protocol.connection import Connection
from protocol.kinds import StartConversation
from protocol.llm import Llm, LlmSettings
from services.agents.a2a_bridge.agent import A2ABridge
from services.agents.a2a_bridge.card import ioa_card
from services.agents.a2a_bridge.relay import A2ARelay
from services.agents.a2a_bridge.settings import A2ABridgeSettings
from services.agents.docs.agent import DocsAgent
from services.agents.docs.card import docs_card
from services.agents.docs.retrieval import Library
from services.agents.docs.settings import PROJECT_DOCS, DocsSettings
from services.agents.mcp_bridge.agent import McpBridge
from services.agents.mcp_bridge.card import mcp_card
from services.agents.mcp_bridge.server import McpServer
from services.agents.mcp_bridge.settings import McpBridgeSettings
from services.agents.python.agent import PythonRunner
from services.agents.python.card import python_card
from services.agents.python.sandbox import pick_interpreter, probe_isolation
from services.agents.python.settings import PythonSettings
from tests.services.agents.a2a_server import a2a_server
from tests.services.coordinator.network import finish, group_messages, network
from tests.support.scripted_llm import Rule, Script

GOAL = (
    "Add up the numbers 1 to 100 with a Python program, and tell me what the "
    "unsupported_version error of the protocol means."
)
RULES = [
    Rule("CAPABILITY QUERIES", '{"queries": ["run python code", "protocol documentation"]}'),
    Rule(
        "TEAM CHOICE",
        '{"members": [{"agent": "python", "reason": "runs code", "task": '
        '"Run this:\\n```python\\nprint(sum(range(1, 101)))\\n```"}, {"agent": "docs", '
        '"reason": "knows the docs", "task": "What does the unsupported_version error mean?"}]}',
    ),
    Rule(
        "Question: What does the unsupported_version error mean?",
        "A message with another major protocol version is refused with it [1].",
    ),
    Rule("CONCLUSION", "The sum is 5050; unsupported_version refuses other major versions."),
]


async def test_the_python_and_docs_agents_do_their_part_of_a_conversation(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script(rules=list(RULES))
    async with network(nats_url, subject_root, tmp_path, script) as net:
        common = {"nats_url": nats_url, "subject_root": subject_root}
        interpreter = pick_interpreter()
        isolation = await probe_isolation(interpreter)
        python_settings = PythonSettings(**common)
        await net.add(
            PythonRunner(
                python_card(python_settings.limits, isolation),
                python_settings,
                isolation,
                interpreter,
            )
        )
        llm = Llm(LlmSettings(openai_base_url=net.llm_url, model="scripted"))
        net.stack.push_async_callback(llm.close)
        docs = DocsSettings(**common)
        await net.add(DocsAgent(docs_card("docs", PROJECT_DOCS), docs, Library(PROJECT_DOCS), llm))
        async with Connection(net.settings, "gateway") as conn:
            state = await finish(conn, StartConversation(goal=GOAL, observers=["gateway"]))
            messages = await group_messages(conn, state.group or "")

    assert state.state == "concluded", state.reason
    assert [m.agent for m in state.members] == ["python", "docs"]
    results = {m["sender"]: m["body"] for m in messages if m["type"] == "task_result"}
    assert results["python"]["data"]["stdout"] == "5050\n"
    assert results["docs"]["text"].startswith("A message with another major protocol version")
    cited = results["docs"]["data"]["citations"]
    assert cited and cited[0]["file"] == "protocol.md"


BRIDGE_GOAL = "Add 2 and 40, and shout hello twice."
BRIDGE_RULES = [
    Rule("CAPABILITY QUERIES", '{"queries": ["add numbers", "shout text"]}'),
    Rule(
        "TEAM CHOICE",
        '{"members": [{"agent": "remote-adder", "reason": "adds", "task": "add 2 and 40"}, '
        '{"agent": "mcp-garden-tools", "reason": "shouts", "task": "Shout hello twice"}]}',
    ),
    Rule("CONCLUSION", "The team added and shouted."),
    Rule(
        "Task: Shout hello twice", '{"tool": "shout", "arguments": {"text": "hello", "times": 2}}'
    ),
]


async def test_the_a2a_and_mcp_bridges_do_their_part_of_a_conversation(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script(rules=list(BRIDGE_RULES))
    common = {"nats_url": nats_url, "subject_root": subject_root}
    spec = f"{sys.executable} {Path(__file__).with_name('mcp_server.py')}"
    with a2a_server() as (url, adder):
        async with network(nats_url, subject_root, tmp_path, script) as net:
            relay = await net.stack.enter_async_context(A2ARelay(url, timeout=20))
            a2a_settings = A2ABridgeSettings(**common, a2a_url=url)
            await net.add(A2ABridge(ioa_card(relay.card), a2a_settings, relay))
            mcp = await net.stack.enter_async_context(McpServer(spec, timeout=20))
            llm = Llm(LlmSettings(openai_base_url=net.llm_url, model="scripted"))
            net.stack.push_async_callback(llm.close)
            mcp_settings = McpBridgeSettings(**common, mcp_server=spec)
            await net.add(McpBridge(mcp_card(None, mcp.name, mcp.tools), mcp_settings, mcp, llm))
            async with Connection(net.settings, "gateway") as conn:
                state = await finish(
                    conn, StartConversation(goal=BRIDGE_GOAL, observers=["gateway"])
                )
                messages = await group_messages(conn, state.group or "")

    assert state.state == "concluded", state.reason
    assert [m.agent for m in state.members] == ["remote-adder", "mcp-garden-tools"]
    results = {m["sender"]: m["body"]["text"] for m in messages if m["type"] == "task_result"}
    assert results == {"remote-adder": "The sum is 42.", "mcp-garden-tools": "HELLO HELLO"}
    assert adder.seen == ["add 2 and 40"]  # the remote A2A agent did the work
    assert state.conclusion is not None
    # A remote agent's figure in prose is a claim nobody checked: it is left out of the
    # conclusion (a tool that has an answer says so in its data); the MCP tool's output is
    # kept, its arguments being the task's own words.
    assert "- mcp-garden-tools: HELLO HELLO" in state.conclusion
    assert "42" not in state.conclusion
