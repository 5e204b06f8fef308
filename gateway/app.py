"""The gateway's FastAPI application: :func:`create_app` builds it, its lifespan connects.

Nothing connects at import time: the NATS connection (identity ``gateway``) is
opened when the ASGI server starts the app and drained when it stops.
"""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from gateway import __version__, problems
from gateway.routes import agents, conversations, health
from gateway.server_spans import ServerSpans
from gateway.settings import GatewaySettings
from protocol.connection import Connection

log = structlog.get_logger("ioa.gateway")

IDENTITY = "gateway"


def create_app(settings: GatewaySettings) -> FastAPI:
    """The HTTP API for ``settings``; OpenAPI at ``/docs`` and ``/openapi.json``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            conn = await stack.enter_async_context(Connection(settings, IDENTITY))
            app.state.conn = conn
            app.state.settings = settings
            log.info("gateway ready", root=settings.subject_root)
            yield
            log.info("gateway stopping")

    app = FastAPI(
        title="Internet of Agents gateway",
        version=__version__,
        description="Start conversations between agents and follow them live.",
        lifespan=lifespan,
    )
    problems.install(app)
    for router in (conversations.router, agents.router, health.router):
        app.include_router(router)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST"],
            allow_headers=["*"],
            expose_headers=["traceparent", "X-Trace-Id"],
        )
    # Added last, so it is the outermost of ours: the span covers CORS and errors too.
    app.add_middleware(ServerSpans)
    return app
