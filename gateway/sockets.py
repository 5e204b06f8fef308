"""Accepting and refusing a WebSocket the same way on every endpoint."""

from starlette.websockets import WebSocket

from gateway.auth import SUBPROTOCOL


async def accept(websocket: WebSocket) -> None:
    """Accept, naming ``ioa.v1`` when the client offered it: a browser that offered
    subprotocols fails the handshake unless one comes back, and the key's never does."""
    offered = websocket.scope.get("subprotocols") or []
    await websocket.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)


async def refuse(websocket: WebSocket, code: int, reason: str) -> None:
    """Close with ``code`` and ``reason``, accepted first: a close before accept reaches
    the client as a bare HTTP 403, without the reason."""
    await accept(websocket)
    await websocket.close(code=code, reason=reason[:120])
