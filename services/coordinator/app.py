"""The coordinator as an async context manager: ``async with serve(settings): ...``."""

import functools
import math
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from nats.js.api import KeyValueConfig, StorageType

from protocol.connection import Connection
from protocol.inbox import Inbox
from protocol.llm import Llm, LlmSettings
from protocol.service import Service
from protocol.streams import ensure_stream, event_stream
from protocol.subjects import COORDINATOR
from services.coordinator.driver import Driver
from services.coordinator.handlers import build_service, on_agent_offline, on_inbox
from services.coordinator.index import ConversationIndex
from services.coordinator.offline import OfflineEvents
from services.coordinator.scheduler import Scheduler
from services.coordinator.settings import CoordinatorSettings
from services.coordinator.state import ConversationStore
from services.coordinator.team import TeamFormer


@dataclass(slots=True)
class Coordinator:
    """The running parts of one coordinator replica (tests look at their counters)."""

    service: Service
    inbox: Inbox
    scheduler: Scheduler
    # What became of the agent-offline events it follows (see ``offline.py``).
    events: Counter[str]


@asynccontextmanager
async def serve(
    settings: CoordinatorSettings, llm_settings: LlmSettings | None = None
) -> AsyncIterator[Coordinator]:
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
        index = await stack.enter_async_context(ConversationIndex(kv))
        llm = Llm(llm_settings or LlmSettings()) if settings.use_llm else None
        if llm is not None:
            stack.push_async_callback(llm.close)
        driver = Driver(
            conn,
            store,
            TeamFormer(conn, llm, per_query=settings.candidates_per_query),
            llm,
            invite_seconds=settings.invite_seconds,
        )
        scheduler = await stack.enter_async_context(
            Scheduler(
                store,
                index,
                driver,
                lease_seconds=settings.lease_seconds,
                scan_seconds=settings.scan_seconds,
            )
        )
        inbox = await stack.enter_async_context(
            # Handling is a quick record update, so a message a dead replica had fetched
            # goes to another one after a few seconds rather than minutes.
            # It waits for the chat service's inbox stream however long that takes: the
            # parts of a network start in any order (its PING answers only after this).
            Inbox(
                conn,
                COORDINATOR,
                functools.partial(on_inbox, store, scheduler),
                ack_wait=5,
                stream_wait=math.inf,
            )
        )
        offline = await stack.enter_async_context(
            OfflineEvents(conn, functools.partial(on_agent_offline, store, index, scheduler))
        )
        service = await stack.enter_async_context(build_service(conn, store, index, scheduler))
        yield Coordinator(service, inbox, scheduler, offline.counts)
