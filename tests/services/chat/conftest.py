"""Fixtures for the chat service: a running replica, agents' connections, inbox readers."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from protocol.connection import Connection
from protocol.envelope import Envelope, decode
from protocol.inbox import consumer_name
from protocol.settings import ServiceSettings
from protocol.streams import inbox_stream
from services.chat.app import ChatServer, serve
from services.chat.settings import ChatSettings


@pytest.fixture
def chat_settings(settings: ServiceSettings) -> ChatSettings:
    return ChatSettings(
        nats_url=settings.nats_url, subject_root=settings.subject_root, log_format="json"
    )


@pytest.fixture
async def chat(chat_settings: ChatSettings) -> AsyncIterator[ChatServer]:
    async with serve(chat_settings) as server:
        yield server


async def _connect(settings: ServiceSettings, identity: str) -> AsyncIterator[Connection]:
    async with Connection(settings, identity) as conn:
        yield conn


@pytest.fixture
async def alice(settings: ServiceSettings) -> AsyncIterator[Connection]:
    async for conn in _connect(settings, "alice"):
        yield conn


@pytest.fixture
async def bob(settings: ServiceSettings) -> AsyncIterator[Connection]:
    async for conn in _connect(settings, "bob"):
        yield conn


@pytest.fixture
async def carol(settings: ServiceSettings) -> AsyncIterator[Connection]:
    async for conn in _connect(settings, "carol"):
        yield conn


@pytest.fixture
async def gateway(settings: ServiceSettings) -> AsyncIterator[Connection]:
    async for conn in _connect(settings, "gateway"):
        yield conn


@pytest.fixture
async def mallory(settings: ServiceSettings) -> AsyncIterator[Connection]:
    async for conn in _connect(settings, "mallory"):
        yield conn


class InboxReader:
    """Reads one agent's inbox the way the agent runtime does: one durable pull consumer."""

    def __init__(self, conn: Connection, agent: str, psub: Any) -> None:
        self.conn = conn
        self.agent = agent
        self._psub = psub

    @classmethod
    async def open(cls, conn: Connection, agent: str) -> "InboxReader":
        stream = inbox_stream(conn.subjects).name
        durable = consumer_name(agent)
        await conn.js.add_consumer(
            stream,
            ConsumerConfig(
                durable_name=durable,
                filter_subjects=conn.subjects.inbox_filters(agent),
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
            ),
        )
        return cls(conn, agent, await conn.js.pull_subscribe_bind(durable=durable, stream=stream))

    async def close(self) -> None:
        # A connection drains only once no pull subscription is left waiting.
        await self._psub.unsubscribe()

    async def receive(self, count: int, *, settle: float = 0.5) -> list[Msg]:
        """``count`` messages (acked), then wait ``settle`` seconds for any extra ones."""
        got: list[Msg] = []
        deadline = asyncio.get_running_loop().time() + 10
        while len(got) < count and asyncio.get_running_loop().time() < deadline:
            got += await self._fetch(count - len(got), timeout=1.0)
        got += await self._fetch(16, timeout=settle)
        return got

    async def _fetch(self, batch: int, *, timeout: float) -> list[Msg]:
        try:
            msgs: list[Msg] = await self._psub.fetch(batch=batch, timeout=timeout)
        except TimeoutError:  # fetch raises nats' or asyncio's own
            return []
        for msg in msgs:
            await msg.ack()
        return msgs


@pytest.fixture
async def open_inbox() -> AsyncIterator[Callable[[Connection], Awaitable[InboxReader]]]:
    """Opens the inbox of a connection's identity; closes every one opened at the end."""
    opened: list[InboxReader] = []

    async def open_(conn: Connection) -> InboxReader:
        reader = await InboxReader.open(conn, conn.identity)
        opened.append(reader)
        return reader

    yield open_
    for reader in opened:
        await reader.close()


def envelopes(msgs: list[Msg]) -> list[Envelope[Any]]:
    return [decode(m.data) for m in msgs]
