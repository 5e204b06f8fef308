"""The raw example agent (plain nats-py and json) as a real process in a real conversation:
registry, chat and coordinator run in this process with a scripted LLM.
"""

import ast
import asyncio
import importlib.util
from pathlib import Path

import pytest

from protocol.connection import Connection
from protocol.errors import NotFound
from protocol.kinds import (
    ConversationState,
    GetAgent,
    GetConversation,
    History,
    StartConversation,
)
from protocol.settings import NatsSettings
from protocol.subjects import GATEWAY, REGISTRY
from tests.security.network import secured_network
from tests.support.network import RAW_AGENT, network, raw_agent, wait_registered
from tests.support.scripted_llm import Rule, Script, scripted_llm
from tests.support.secured import secured_nats

GOAL = "How many words are in 'the quick brown fox jumps over the lazy dog'?"
RULES = [
    Rule("CAPABILITY QUERIES", '{"queries": ["count words in a text"]}'),
    Rule(
        "TEAM CHOICE",
        '{"members": [{"agent": "wordcount", "reason": "counts words", '
        '"task": "Count the words in \'the quick brown fox jumps over the lazy dog\'"}]}',
    ),
    Rule("CONCLUSION", "The sentence has nine words."),
]


async def finish(conn: Connection, goal: str, seconds: float = 40) -> ConversationState:
    started = await conn.request("coordinator", "start", StartConversation(goal=goal, max_team=1))
    conversation = started.body.conversation
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        reply = await conn.request("coordinator", "get", GetConversation(conversation=conversation))
        state: ConversationState = reply.body
        if state.state in ("concluded", "failed", "cancelled"):
            return state
        await asyncio.sleep(0.1)
    raise AssertionError(f"conversation {conversation} did not end in {seconds} s")


async def test_the_raw_agent_does_its_task_in_a_real_conversation(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    with scripted_llm(Script(rules=RULES)) as llm_url:
        async with network(nats_url, subject_root, tmp_path, llm_url=llm_url) as settings:
            with raw_agent(settings, "wordcount", tmp_path / "raw.log") as proc:
                await wait_registered(settings, "wordcount")
                async with Connection(settings, "gateway") as conn:
                    state = await finish(conn, GOAL)
                    page = await conn.request("chat", "history", History(group=state.group or ""))
                assert proc.poll() is None
    assert state.state == "concluded", state.reason
    assert [m.agent for m in state.members] == ["wordcount"]
    assert state.conclusion is not None
    assert state.conclusion.startswith("Answer: 9 words")
    results = [m.envelope for m in page.body.messages if m.envelope["type"] == "task_result"]
    assert [(r["sender"], r["body"]["text"]) for r in results] == [("wordcount", "9 words")]


@pytest.mark.timeout(90)
async def test_the_raw_agent_works_on_a_secured_network_with_the_credentials_it_was_given(
    subject_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NATS in operator mode: the agent connects with the .creds an administrator got
    for it (IOA_NATS_CREDS), takes replies under _INBOX.wordcount and uses the inbox
    that admission made; a conversation with it concludes."""
    with secured_nats(tmp_path / "nats") as server:
        async with secured_network(server, subject_root, tmp_path, Script(rules=RULES)) as net:
            monkeypatch.setenv("IOA_NATS_CREDS", str(await net.admit("wordcount")))
            settings = NatsSettings(nats_url=server.url, subject_root=subject_root)
            with raw_agent(settings, "wordcount", tmp_path / "raw.log") as proc:
                async with net.connection(GATEWAY) as conn:
                    for _ in range(200):
                        try:
                            await conn.request(REGISTRY, "get_agent", GetAgent(agent="wordcount"))
                            break
                        except NotFound:
                            await asyncio.sleep(0.1)
                    state = await finish(conn, GOAL)
                assert proc.poll() is None, (tmp_path / "raw.log").read_text()
    assert state.state == "concluded", state.reason
    assert [m.agent for m in state.members] == ["wordcount"]
    assert state.conclusion is not None and state.conclusion.startswith("Answer: 9 words")


def test_the_raw_agent_imports_nothing_from_this_project() -> None:
    tree = ast.parse(RAW_AGENT.read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {"asyncio", "json", "os", "signal", "uuid", "datetime", "nats"}, imported
    assert len(RAW_AGENT.read_text().splitlines()) < 160


def test_the_raw_agent_reads_the_major_version_not_a_prefix() -> None:
    spec = importlib.util.spec_from_file_location("raw_agent", RAW_AGENT)
    assert spec is not None and spec.loader is not None
    agent = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(agent)
    speaks = {
        v: agent.speaks_ours({"protocol": v}) for v in ("ioa/1", "ioa/1.4", "ioa/12", "ioa/2")
    }
    assert speaks == {"ioa/1": True, "ioa/1.4": True, "ioa/12": False, "ioa/2": False}
    assert not agent.speaks_ours({})
