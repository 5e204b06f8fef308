"""Registry fixtures: a registry served in-process on a per-test SQLite file."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from protocol.connection import Connection
from protocol.envelope import decode
from protocol.kinds import AgentCard, AgentStatus, Skill
from protocol.settings import ServiceSettings
from registry.app import Registry, serve
from registry.settings import RegistrySettings


@pytest.fixture
def registry_settings(settings: ServiceSettings, tmp_path: Path) -> RegistrySettings:
    return RegistrySettings(
        **settings.model_dump(),
        database_url=f"sqlite:///{tmp_path}/registry.db",
        sweep_seconds=0.1,
    )


@pytest.fixture
async def registry(registry_settings: RegistrySettings) -> AsyncIterator[Registry]:
    async with serve(registry_settings) as running:
        yield running


def make_card(agent: str, description: str = "", *skills: Skill, name: str = "") -> AgentCard:
    return AgentCard(
        id=agent, name=name or agent.capitalize(), description=description, skills=list(skills)
    )


class StatusWatcher:
    """Collects every AgentStatus event published under the test's subject root."""

    def __init__(self) -> None:
        self.seen: list[AgentStatus] = []

    def of(self, agent: str) -> list[bool]:
        return [status.online for status in self.seen if status.agent == agent]


@pytest.fixture
async def watcher(settings: ServiceSettings) -> AsyncIterator[StatusWatcher]:
    found = StatusWatcher()
    async with Connection(settings, "watcher") as conn:

        async def on_event(msg) -> None:  # type: ignore[no-untyped-def]
            found.seen.append(decode(msg.data).body)

        await conn.nc.subscribe(conn.subjects.event("agent", "*"), cb=on_event)
        await conn.nc.flush()
        yield found


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``check()`` holds, failing the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.02)
