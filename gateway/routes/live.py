"""Live updates beyond one conversation's SSE: a user's whole feed (SSE and WebSocket)
and one conversation over WebSocket.

WebSocket frames are JSON objects ``{"event", "id", "data"}`` with the same events
and ids as the SSE feeds; reconnect with ``?after=<last id>`` to resume. Browsers
cannot set headers on a WebSocket, so they offer the key as a subprotocol
(``Sec-WebSocket-Protocol: ioa.v1, ioa-key.<key>``); the server answers ``ioa.v1``.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from gateway.auth import KEY_SUBPROTOCOL, SUBPROTOCOL, CallerDep, Keyring, key_from
from gateway.deps import ConnDep, HubDep, ReadersDep, SettingsDep
from gateway.feed import ConversationFeed, FeedEvent, sse
from gateway.keys import Caller
from gateway.problems import GatewayProblem, Problem, problem_for
from gateway.schemas import MAX_SEQ
from gateway.settings import GatewaySettings
from gateway.sockets import accept, refuse
from gateway.userfeed import UserFeed
from protocol.connection import Connection
from protocol.errors import IoaError, NotFound
from protocol.ids import is_valid_id

router = APIRouter(tags=["live"], responses={401: {"model": Problem}, 429: {"model": Problem}})


async def _as_sse(events: AsyncIterator[FeedEvent | None]) -> AsyncIterator[bytes]:
    async for item in events:
        yield b": keepalive\n\n" if item is None else sse(item.event, item.data, id=item.id)


@router.get(
    "/v1/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
)
async def follow_mine(
    caller: CallerDep,
    readers: ReadersDep,
    conn: ConnDep,
    hub: HubDep,
    settings: SettingsDep,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_SEQ, description="Resume after this event id.")
    ] = None,
    last_event_id: Annotated[int | None, Header(ge=0, le=MAX_SEQ)] = None,
) -> StreamingResponse:
    """Server-Sent Events: ``state`` whenever a conversation the caller may read (their
    own, those they are a member of) changes. Without ``after``/``Last-Event-ID`` only
    new changes come."""
    start = after if after is not None else last_event_id
    feed = UserFeed(
        conn, readers, hub, caller.user, after=start, keepalive=settings.sse_keepalive_seconds
    )
    await feed.open()
    return StreamingResponse(
        _as_sse(feed.events()),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        background=BackgroundTask(feed.close),
    )


async def _ws_caller(websocket: WebSocket) -> Caller | None:
    keyring: Keyring = websocket.app.state.keyring
    key = key_from(websocket.headers, websocket.scope.get("subprotocols") or [])
    if not key:
        reason = f"an API key is required: subprotocols {SUBPROTOCOL}, {KEY_SUBPROTOCOL}<key>"
        await refuse(websocket, 4401, f"{reason}, or Authorization: Bearer <key>")
        return None
    try:
        return await keyring.caller(key)
    except GatewayProblem as exc:
        await refuse(websocket, 4000 + exc.status, exc.detail)
        return None


def _after(websocket: WebSocket) -> int | None:
    raw = websocket.query_params.get("after") or ""
    digits = raw.isascii() and raw.isdigit()  # "²".isdigit() too, but int() refuses it
    return int(raw) if digits and int(raw) <= MAX_SEQ else None


async def _pump(websocket: WebSocket, events: AsyncIterator[FeedEvent | None]) -> None:
    try:
        async for item in events:
            if item is None:
                await websocket.send_json({"event": "keepalive"})
            else:
                await websocket.send_json(item.as_json())
        await websocket.close()
    except WebSocketDisconnect:
        pass


@router.websocket("/v1/ws")
async def ws_mine(websocket: WebSocket) -> None:
    """Every state change of the conversations the caller may read (``?after=`` resumes)."""
    caller = await _ws_caller(websocket)
    if caller is None:
        return
    conn: Connection = websocket.app.state.conn
    settings: GatewaySettings = websocket.app.state.settings
    feed = UserFeed(
        conn,
        websocket.app.state.readers,
        websocket.app.state.hub,
        caller.user,
        after=_after(websocket),
        keepalive=settings.sse_keepalive_seconds,
    )
    try:
        await feed.open()
    except IoaError as exc:
        await refuse(websocket, 1011, problem_for(exc).detail)
        return
    await accept(websocket)
    try:
        await _pump(websocket, feed.events())
    finally:
        await feed.close()


@router.websocket("/v1/conversations/{conversation}/ws")
async def ws_conversation(websocket: WebSocket, conversation: str) -> None:
    """One conversation: ``state``, ``message`` (ids are log seqs; ``?after=`` resumes), ``end``."""
    caller = await _ws_caller(websocket)
    if caller is None:
        return
    conn: Connection = websocket.app.state.conn
    settings: GatewaySettings = websocket.app.state.settings
    feed = ConversationFeed(
        conn,
        conversation,
        reader=caller.user,
        after=_after(websocket) or 0,
        keepalive=settings.sse_keepalive_seconds,
    )
    try:
        if not is_valid_id(conversation):
            raise NotFound(f"no conversation {conversation!r}")
        await feed.open()  # as the caller: another's conversation is not found, like none
    except NotFound:
        await refuse(websocket, 4404, "no such conversation")
        return
    except IoaError as exc:
        await refuse(websocket, 1011, problem_for(exc).detail)
        return
    await accept(websocket)
    try:
        await _pump(websocket, feed.events())
    finally:
        await feed.close()
