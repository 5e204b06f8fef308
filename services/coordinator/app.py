"""The coordinator as an async context manager: ``async with serve(settings): ...``."""

import functools
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import structlog
from nats.js.api import KeyValueConfig, StorageType

from protocol.connection import Connection
from protocol.inbox import Inbox
from protocol.llm import Llm, LlmSettings
from protocol.service import Service
from protocol.streams import ensure_stream, event_stream
from protocol.subjects import COORDINATOR
from services.coordinator.flow import Flow
from services.coordinator.handlers import build_service, on_inbox
from services.coordinator.settings import CoordinatorSettings
from services.coordinator.state import ConversationStore
from services.coordinator.team import TeamFormer

log = structlog.get_logger("ioa.coordinator")


@asynccontextmanager
async def serve(
    settings: CoordinatorSettings, llm_settings: LlmSettings | None = None
) -> AsyncIterator[Service]:
    async with AsyncExitStack() as stack:
        conn = await stack.enter_async_context(Connection(settings, COORDINATOR))
        await ensure_stream(conn.js, event_stream(conn.subjects), replicas=settings.stream_replicas)
        kv = await conn.js.create_key_value(
            KeyValueConfig(
                bucket=conn.subjects.bucket("conversations"),
                storage=StorageType.FILE,
                replicas=settings.stream_replicas,
                history=1,
            )
        )
        store = ConversationStore(kv)
        llm = Llm(llm_settings or LlmSettings())
        stack.push_async_callback(llm.close)
        flow = Flow(
            conn,
            store,
            TeamFormer(conn, llm, per_query=settings.candidates_per_query),
            llm,
            invite_seconds=settings.invite_seconds,
        )
        stack.push_async_callback(flow.stop)
        await _end_orphans(flow, store)
        await stack.enter_async_context(Inbox(conn, COORDINATOR, functools.partial(on_inbox, flow)))
        service = await stack.enter_async_context(build_service(conn, store, flow))
        yield service


async def _end_orphans(flow: Flow, store: ConversationStore) -> None:
    """Conversations a previous coordinator left running get a terminal state and a reason.

    (Picking them up where they stood is the next step for this service.)
    """
    for conv in await store.unfinished():
        conv.state = "failed"
        conv.reason = (
            "the coordinator restarted while this conversation was running; start it again"
        )
        await flow.publish(conv)
        log.info("ended a conversation left by a previous coordinator", conversation=conv.id)


__all__ = ["serve"]
