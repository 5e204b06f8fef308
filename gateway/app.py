"""The gateway's FastAPI application: :func:`create_app` builds it, its lifespan connects.

Nothing connects at import time: the NATS connection (identity ``gateway``) and the
key database are opened when the ASGI server starts the app and closed when it stops.
"""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from gateway import __version__, problems
from gateway.auth import Keyring
from gateway.inboxes import PeopleInboxes
from gateway.keys import open_engine
from gateway.limits import BodyLimit
from gateway.readers import Readers
from gateway.routes import (
    a2a,
    admin,
    agents,
    conversations,
    health,
    live,
    me,
    openai_compat,
    traces,
)
from gateway.server_spans import ServerSpans
from gateway.settings import GatewaySettings
from gateway.statehub import StateHub
from gateway.url_secrets import NoSecretsInUrls
from protocol.connection import Connection

log = structlog.get_logger("ioa.gateway")

IDENTITY = "gateway"
STATIC = Path(__file__).parent / "static"


def create_app(settings: GatewaySettings) -> FastAPI:
    """The HTTP API for ``settings``; OpenAPI at ``/docs`` and ``/openapi.json``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            engine = open_engine(settings.database_url)
            stack.callback(engine.dispose)
            app.state.keyring = Keyring(engine, settings)
            conn = await stack.enter_async_context(Connection(settings, IDENTITY))
            app.state.conn = conn
            app.state.readers = Readers(conn, settings.reader_cache_seconds)
            app.state.hub = StateHub(conn)
            stack.push_async_callback(app.state.hub.close)
            app.state.people = await stack.enter_async_context(
                PeopleInboxes(
                    conn,
                    engine,
                    sync_seconds=settings.people_sync_seconds,
                    lease_seconds=settings.person_lease_seconds,
                )
            )
            app.state.settings = settings
            log.info("gateway ready", root=settings.subject_root)
            yield
            log.info("gateway stopping")

    app = FastAPI(
        title="Internet of Agents gateway",
        version=__version__,
        description="Start conversations between agents and follow them live. Every "
        "endpoint but /healthz, /readyz and the docs needs an API key "
        "(`Authorization: Bearer <key>` or `X-API-Key`; `ioa keys create --name NAME`), "
        "never in a URL: a browser's WebSocket offers the subprotocols `ioa.v1, "
        "ioa-key.<key>`.",
        lifespan=lifespan,
    )
    problems.install(app)
    for router in (
        conversations.router,
        me.router,
        agents.router,
        live.router,
        openai_compat.router,
        a2a.router,
        traces.router,
        admin.router,
        health.router,
    ):
        app.include_router(router)
    _mount_ui(app)
    # Inside CORS, so a browser reads the refusal; outside the routes, so no key is read.
    app.add_middleware(NoSecretsInUrls)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "Last-Event-ID"],
            expose_headers=["traceparent", "X-Trace-Id", "Retry-After"],
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    # Added last, so it is the outermost of ours: the span covers CORS and errors too.
    app.add_middleware(ServerSpans)
    return app


def _mount_ui(app: FastAPI) -> None:
    """The web UI: one static page, no build step."""

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
