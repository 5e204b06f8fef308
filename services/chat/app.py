"""Run the chat service: :func:`serve` is what ``__main__`` and the tests both enter."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import structlog

from protocol.connection import Connection
from protocol.service import Service
from protocol.streams import ensure_stream, group_stream, inbox_stream
from protocol.subjects import CHAT
from services.chat.fanout import Fanout
from services.chat.grouplog import GroupLog
from services.chat.groups import GroupStore
from services.chat.handlers import chat_service
from services.chat.pending import PendingIndex
from services.chat.settings import ChatSettings

log = structlog.get_logger("ioa.chat")


@dataclass(slots=True, frozen=True)
class ChatServer:
    """The running parts of one chat replica (tests look at their counters)."""

    conn: Connection
    service: Service
    fanout: Fanout
    groups: GroupStore


@asynccontextmanager
async def serve(settings: ChatSettings) -> AsyncIterator[ChatServer]:
    """Connect, make sure the streams and the groups bucket exist, serve until exit.

    On exit the service stops taking requests first, then the fan-out finishes
    the message in hand, then the connection drains.
    """
    async with AsyncExitStack() as stack:
        conn = await stack.enter_async_context(Connection(settings, CHAT))
        for spec in (inbox_stream(conn.subjects), group_stream(conn.subjects)):
            await ensure_stream(conn.js, spec, replicas=settings.stream_replicas)
        groups = await GroupStore.open(
            conn.js, conn.subjects.bucket("groups"), replicas=settings.stream_replicas
        )
        await groups.watch()
        stack.push_async_callback(groups.close)
        pending = await PendingIndex.open(
            conn.js,
            conn.subjects.bucket("pending"),
            ttl=settings.pending_ttl,
            replicas=settings.stream_replicas,
        )
        fanout = await stack.enter_async_context(Fanout(conn, groups, pending, settings))
        service = await stack.enter_async_context(
            chat_service(conn, groups, GroupLog(conn), pending, settings)
        )
        yield ChatServer(conn=conn, service=service, fanout=fanout, groups=groups)
        log.info("chat stopping")
