"""An ASGI middleware that gives every HTTP request an OpenTelemetry SERVER span.

The span continues an incoming ``traceparent`` (a caller that traces already)
or starts a new trace: for a new conversation, this span is the root of the
whole conversation's trace. Its name and attributes follow the HTTP semantic
conventions (``"{METHOD} {route}"``, ``http.request.method``, ``http.route``,
``url.path``, ``http.response.status_code``). The response carries the trace
context back in ``traceparent`` and ``X-Trace-Id`` so a user can look the trace up.
Each request is also logged once, as the access log.
"""

import time
from typing import Any

import structlog
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from protocol.tracing import extract, inject, record_error

log = structlog.get_logger("ioa.gateway.http")
tracer = trace.get_tracer("ioa.gateway")


def _route_of(scope: Scope) -> str | None:
    """The matched route template (``/v1/conversations/{id}``), known once routing ran."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else None


class ServerSpans:
    """Wrap each HTTP request in a SERVER span and add trace headers to its response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        method: str = scope["method"]
        path: str = scope["path"]
        started = time.perf_counter()
        status: dict[str, Any] = {"code": None}
        with tracer.start_as_current_span(
            method,
            context=extract(headers),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": path},
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            ctx = span.get_span_context()
            trace_headers: list[tuple[bytes, bytes]] = []
            if ctx.is_valid:
                carrier = inject()
                trace_headers = [(k.encode(), v.encode()) for k, v in carrier.items()]
                trace_headers.append((b"x-trace-id", format(ctx.trace_id, "032x").encode()))

            async def send_with_trace(message: Message) -> None:
                if message["type"] == "http.response.start":
                    code: int = message["status"]
                    status["code"] = code
                    route = _route_of(scope)
                    if route:
                        span.update_name(f"{method} {route}")
                        span.set_attribute("http.route", route)
                    span.set_attribute("http.response.status_code", code)
                    if code >= 500:
                        span.set_status(Status(StatusCode.ERROR, f"HTTP {code}"))
                    message = {**message, "headers": [*message.get("headers", []), *trace_headers]}
                await send(message)

            try:
                await self.app(scope, receive, send_with_trace)
            except Exception as exc:
                record_error(span, exc)
                if status["code"] is None:
                    status["code"] = 500
                    span.set_attribute("http.response.status_code", 500)
                raise
            finally:
                log.info(
                    "http request",
                    method=method,
                    route=_route_of(scope),
                    path=path,
                    status=status["code"],
                    ms=round((time.perf_counter() - started) * 1000, 1),
                )
