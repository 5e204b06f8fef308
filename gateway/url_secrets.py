"""No secret travels in a URL: a request whose query holds one is refused.

A URL is written down all along its way (access logs, proxies, browser history, span
attributes, ``Referer``), so a key in one is a key handed out. What is a secret is what
:mod:`protocol.redaction` says: a parameter named for one (``api_key``, ``token``, …) or
a value shaped like one (an API key, a JWT, a seed). HTTP gets 401 ``secret_in_url``; a
WebSocket is closed with 4401; both say how to send the key instead.
"""

from urllib.parse import parse_qsl

import structlog
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from gateway.problems import GatewayProblem, problem_response
from gateway.sockets import refuse
from protocol.redaction import SECRET_NAME, scrub

log = structlog.get_logger("ioa.gateway")

INSTEAD = "send the key in a header, Authorization: Bearer <key>"
WEBSOCKET_INSTEAD = "offer the subprotocols ioa.v1, ioa-key.<key>"


class SecretInUrl(GatewayProblem):
    """A secret in the URL's query (HTTP 401): refused before the key is even read."""

    def __init__(self, parameter: str) -> None:
        super().__init__(
            401,
            "secret_in_url",
            f"{parameter!r} in the URL is refused, since URLs are logged: {INSTEAD} "
            f"(a browser's WebSocket: {WEBSOCKET_INSTEAD})",
            {"WWW-Authenticate": "Bearer"},
        )
        self.parameter = parameter


def secret_in(query: str) -> str | None:
    """The first query parameter that holds a secret, by its name or its value's shape."""
    for name, value in parse_qsl(query, keep_blank_values=True):
        if SECRET_NAME.search(name) or scrub(value) != value:
            return name
    return None


class NoSecretsInUrls:
    """ASGI middleware: refuse HTTP requests and WebSockets with a secret in the query."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"").decode("latin-1")
        parameter = secret_in(query) if scope["type"] in ("http", "websocket") else None
        if parameter is None:
            await self.app(scope, receive, send)
            return
        refused = SecretInUrl(parameter)
        log.info("request refused", path=scope["path"], code=refused.code, parameter=parameter)
        if scope["type"] == "websocket":
            reason = f"{parameter[:16]!r} in a URL is refused: {WEBSOCKET_INSTEAD} or a header"
            await refuse(WebSocket(scope, receive, send), 4401, reason)
            return
        response = problem_response(refused.problem(), headers=refused.headers)
        await response(scope, receive, send)
