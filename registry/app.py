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
from registry.events import StatusEvents
from registry.handlers import build_service
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


@asynccontextmanager
async def serve(settings: RegistrySettings) -> AsyncIterator[Registry]:
    """Open the database, connect to NATS, serve requests and sweep leases until exit.

    On exit the sweeper stops first, then the service stops taking requests and
    finishes those in hand, then the connection drains and the database closes.
    """
    async with AsyncExitStack() as stack:
        store = await stack.enter_async_context(Store(settings.database_url))
        conn = await stack.enter_async_context(Connection(settings, REGISTRY))
        await ensure_stream(conn.js, event_stream(conn.subjects))
        events = StatusEvents(conn)
        service = await stack.enter_async_context(build_service(conn, store, events))
        sweeper = await stack.enter_async_context(Sweeper(store, events, settings.sweep_seconds))
        log.info("registry ready", root=settings.subject_root)
        yield Registry(settings, store, conn, service, sweeper)
