"""Logs and metrics of a real process: who is speaking in an agent's log lines, and what a
service's Prometheus endpoint counts after real work over NATS."""

import asyncio
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

from ioa.nats_server import free_port
from ioa.processes import ManagedProcess, stop_all
from protocol.agent import Agent
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import InvalidMessage, Unavailable
from protocol.kinds import AgentCard, ChatMessage, Heartbeat, Register, Search
from protocol.settings import NatsSettings
from protocol.subjects import REGISTRY
from tests.support.network import network
from tests.support.prometheus import scrape, total


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


@contextmanager
def registry_process(settings: NatsSettings, tmp_path: Path, port: int) -> Iterator[str]:
    """``python -m registry`` with its metrics endpoint on ``port``; yields the scrape URL."""
    env = {
        **os.environ,
        "IOA_NATS_URL": settings.nats_url,
        "IOA_SUBJECT_ROOT": settings.subject_root,
        "IOA_DATABASE_URL": f"sqlite:///{tmp_path}/registry.db",
        "IOA_METRICS_PORT": str(port),
        "IOA_SWEEP_SECONDS": "0.2",
        "IOA_LOG_FORMAT": "json",
    }
    proc = ManagedProcess(
        "registry", [sys.executable, "-m", "registry"], tmp_path / "registry.log", env=env
    )
    proc.start()
    try:
        yield f"http://127.0.0.1:{port}/metrics"
    finally:
        stop_all([[proc]])


async def test_a_services_prometheus_endpoint_counts_the_requests_it_handled(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    settings = NatsSettings(nats_url=nats_url, subject_root=subject_root)
    with registry_process(settings, tmp_path, free_port()) as url:
        async with Connection(settings, "counted") as conn:
            card = AgentCard(id="counted", name="Counted", description="counts things")
            for _ in range(100):  # until the registry serves (its process is starting)
                try:
                    await conn.request(REGISTRY, "register", Register(card=card))
                    break
                except Unavailable:
                    await asyncio.sleep(0.1)
            await conn.request(REGISTRY, "search", Search(query="counts"))
            await conn.request(REGISTRY, "search", Search(query="counts"))
            with pytest.raises(InvalidMessage):
                await conn.request(REGISTRY, "search", Heartbeat())
            values: dict[str, float] = {}
            for _ in range(50):  # the sweeper reports the registry's size each 0.2 s
                values = await asyncio.to_thread(scrape, url)
                if total(values, "ioa_registry_agents", ioa_agent_online="true"):
                    break
                await asyncio.sleep(0.1)
    handled = "ioa_messages_handled_total"
    assert total(values, handled, ioa_subject_kind="registry.register") == 1
    assert total(values, handled, ioa_subject_kind="registry.search") == 2
    assert total(values, "ioa_messages_failed_total", ioa_subject_kind="registry.search") == 1
    assert (
        total(
            values,
            "ioa_message_handling_duration_seconds_count",
            ioa_subject_kind="registry.search",
        )
        == 3
    )
    assert total(values, "ioa_registry_agents", ioa_agent_online="true") == 1
    assert total(values, "ioa_registry_agents", ioa_agent_online="false") == 0
    # The registry announced the agent coming online: one event published.
    assert total(values, "ioa_messages_published_total", ioa_subject_kind="events.agent") >= 1
