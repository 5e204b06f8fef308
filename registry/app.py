"""The registry as one async context manager: ``async with serve(settings) as registry``.

Both ``python -m registry`` and the tests run the registry through :func:`serve`.
"""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import structlog

from protocol.connection import Connection
from protocol.service import Service
from protocol.streams import ensure_stream, event_stream
from protocol.subjects import REGISTRY
from registry.embeddings import Embedder, make_embedder
from registry.events import StatusEvents
from registry.handlers import build_service
from registry.semantic import SemanticIndex
from registry.settings import RegistrySettings
from registry.store import Store
from registry.sweeper import Sweeper

log = structlog.get_logger("ioa.registry")


@dataclass(slots=True)
class Registry:
    """A running registry's parts, for callers that want to look inside (tests, tools)."""

    settings: RegistrySettings
    store: Store
    conn: Connection
    service: Service
    sweeper: Sweeper
    semantic: SemanticIndex | None


@asynccontextmanager
async def serve(
    settings: RegistrySettings, *, embedder: Embedder | None = None
) -> AsyncIterator[Registry]:
    """Open the database, connect to NATS, serve requests and sweep leases until exit.

    ``embedder`` overrides the one the settings name (tests and benchmarks share
    one loaded model). On exit the sweeper and the embedder stop first, then the
    service stops taking requests and finishes those in hand, then the
    connection drains and the database closes.
    """
    async with AsyncExitStack() as stack:
        store = await stack.enter_async_context(Store(settings.database_url))
        conn = await stack.enter_async_context(Connection(settings, REGISTRY))
        await ensure_stream(conn.js, event_stream(conn.subjects), replicas=settings.stream_replicas)
        events = StatusEvents(conn)
        chosen = embedder or make_embedder(settings)
        semantic = None
        if chosen is not None:
            semantic = SemanticIndex(store, chosen, owns_embedder=embedder is None)
        service = await stack.enter_async_context(
            build_service(conn, store, events, settings, semantic)
        )
        if semantic is not None:
            await stack.enter_async_context(semantic)
        sweeper = await stack.enter_async_context(Sweeper(store, events, settings.sweep_seconds))
        log.info(
            "registry ready",
            root=settings.subject_root,
            backend=store.dialect,
            semantic=semantic.model if semantic else None,
        )
        yield Registry(settings, store, conn, service, sweeper, semantic)
