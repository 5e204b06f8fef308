"""Logs and metrics of a real process: who is speaking in an agent's log lines, and what a
service's Prometheus endpoint counts after real work over NATS."""

import asyncio
from pathlib import Path
from typing import Any

import structlog
from structlog.testing import capture_logs

from protocol.agent import Agent
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.kinds import AgentCard, ChatMessage
from tests.support.network import network


async def test_an_agents_log_lines_name_the_agent_and_conversation_while_it_handles_a_message(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path) as settings:
        agent = Agent(AgentCard(id="listener", name="Listener"), settings)
        heard = asyncio.Event()

        @agent.hook
        async def on_group_message(env: Envelope[Any]) -> None:
            structlog.get_logger("test").info("heard something", text=env.body.text)
            heard.set()

        with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
            async with agent, Connection(settings, "someone") as conn:
                env = Envelope.of(ChatMessage(text="hello"), sender="someone", conversation="c1")
                await conn.deliver(conn.subjects.inbox("listener"), env)
                await asyncio.wait_for(heard.wait(), 10)
    line = next(e for e in logs if e["event"] == "heard something")
    assert line["agent"] == "listener"
    assert line["conversation"] == "c1"
