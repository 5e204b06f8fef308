"""A real network for the agents: the registry and the chat service, served in-process."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from protocol.connection import Connection
from protocol.envelope import Envelope, from_dict
from protocol.kinds import CreateGroup, GroupInfo, History, HistoryPage, TaskAssign
from protocol.settings import ServiceSettings
from protocol.subjects import CHAT
from registry.app import serve as serve_registry
from registry.settings import RegistrySettings
from services.chat.app import serve as serve_chat
from services.chat.settings import ChatSettings


@pytest.fixture
async def network(settings: ServiceSettings, tmp_path: Path) -> AsyncIterator[None]:
    """The registry and one chat replica on the test's subject root."""
    shared = {"nats_url": settings.nats_url, "subject_root": settings.subject_root}
    registry_settings = RegistrySettings(
        **shared, database_url=f"sqlite:///{tmp_path}/registry.db", log_format="json"
    )
    async with (
        serve_registry(registry_settings),
        serve_chat(ChatSettings(**shared, log_format="json")),
    ):
        yield


@pytest.fixture
async def coordinator(settings: ServiceSettings, network: None) -> AsyncIterator[Connection]:
    """Speaks as the coordinator would: creates groups and assigns tasks."""
    async with Connection(settings, "coordinator") as conn:
        yield conn


async def create_group(conn: Connection, members: list[str]) -> str:
    info = (await conn.request(CHAT, "create_group", CreateGroup(members=members))).body
    assert isinstance(info, GroupInfo)
    return info.group


async def assign(conn: Connection, group: str, task_id: str, assignee: str, text: str) -> None:
    task = TaskAssign(task_id=task_id, assignee=assignee, description=text)
    await conn.send(CHAT, "post", Envelope.of(task, sender=conn.identity, group=group))


async def outcome_of(
    conn: Connection, group: str, task_id: str, timeout: float = 15.0
) -> Envelope[Any]:
    """Read the group's history until a task result or failure for ``task_id`` appears."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        page = (await conn.request(CHAT, "history", History(group=group))).body
        assert isinstance(page, HistoryPage)
        for logged in page.messages:
            env = from_dict(logged.envelope)
            if env.type in ("task_result", "task_failed") and env.body.task_id == task_id:
                return env
        await asyncio.sleep(0.1)
    raise AssertionError(f"no outcome for task {task_id} in group {group} within {timeout}s")
