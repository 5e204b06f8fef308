"""Registry fixtures: a registry served in-process, on SQLite and on PostgreSQL.

Every test that uses ``database_url`` (and so ``registry_settings`` and
``registry``) runs twice: on a fresh SQLite file and on a fresh database of a
real PostgreSQL server started once per session. ``IOA_TEST_POSTGRES=skip``
skips the PostgreSQL runs on a developer machine; anywhere else a server that
cannot start fails the run with what to do.
"""

import asyncio
import os
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from protocol.connection import Connection, flush
from protocol.envelope import decode
from protocol.kinds import AgentCard, AgentStatus, Skill
from protocol.settings import ServiceSettings
from registry.app import Registry, serve
from registry.settings import RegistrySettings
from tests.support.postgres import PostgresServer, PostgresUnavailable, postgres_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    if os.environ.get("IOA_TEST_POSTGRES") == "skip":
        pytest.skip("IOA_TEST_POSTGRES=skip: the PostgreSQL runs are skipped")
    # Not under pytest's temp folder: that one is private to root, and the server
    # runs as the postgres user.
    with tempfile.TemporaryDirectory(prefix="ioa-test-pg-") as folder:
        try:
            server = postgres_server(Path(folder) / "pg")
            started = server.__enter__()
        except PostgresUnavailable as exc:
            pytest.fail(f"cannot start PostgreSQL for the registry tests: {exc}", pytrace=False)
        try:
            yield started
        finally:
            server.__exit__(None, None, None)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/registry.db"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database()


@pytest.fixture
def registry_settings(settings: ServiceSettings, database_url: str) -> RegistrySettings:
    return RegistrySettings(**settings.model_dump(), database_url=database_url, sweep_seconds=0.1)


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
        await flush(conn.nc)
        yield found


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``check()`` holds, failing the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.02)
