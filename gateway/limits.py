"""An ASGI middleware that refuses request bodies over the size limit with 413.

A declared ``Content-Length`` over the limit is refused before the body is read; a
chunked body is counted as it arrives and cut off at the limit.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.problems import GatewayProblem, problem_response


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = GatewayProblem(
            413, "too_large", f"the request body is larger than {self.max_bytes} bytes"
        )
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    response = problem_response(too_large.problem(), {"Connection": "close"})
                    await response(scope, receive, send)
                    return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise too_large
            return message

        await self.app(scope, counted, send)
