"""Every door of the gateway tried by mallory, a user with a key of her own, on alice's
resources (the rogue scene, ``rogues.py``): another user's conversation or pending item
is what an unknown id is, on every door; what she may ask holds nothing of alice's; the
admin doors are closed to her; the public ones hold nothing of anyone's.
docs/security.md's audit table names these tests row by row."""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import websockets
from _pytest.mark import ParameterSet

from tests.security.rogues import ALICES_CARD, UNKNOWN_ITEM, Scene, as_unknown, leaks
from tests.support.strangers import UNKNOWN


@dataclass(frozen=True, slots=True)
class Ids:
    conversation: str
    item: str

    def fill(self, text: str) -> str:
        return text.replace("{conversation}", self.conversation).replace("{item}", self.item)


Door = Callable[[Scene, httpx.AsyncClient, Ids], Awaitable[dict[str, Any]]]
"""One call through a door, as a client, on the resources ``Ids`` name: what it got."""


def params(table: dict[str, Door]) -> list[ParameterSet]:
    return [pytest.param(key, id=key) for key in table]


def http(method: str, path: str, body: Any = None, **headers: str) -> Door:
    """An HTTP request (``{conversation}`` and ``{item}`` filled in)."""

    async def call(scene: Scene, client: httpx.AsyncClient, ids: Ids) -> dict[str, Any]:
        sent = {name.replace("_", "-"): ids.fill(value) for name, value in headers.items()}
        response = await client.request(method, ids.fill(path), json=body, headers=sent)
        try:
            answer = response.json()
        except ValueError:
            answer = response.text
        return {"status": response.status_code, "body": answer}

    return call


def rpc(method: str, **fields: Any) -> Door:
    """An A2A JSON-RPC call; string fields are filled in, ``message`` is a message."""

    async def call(scene: Scene, client: httpx.AsyncClient, ids: Ids) -> dict[str, Any]:
        filled = json.loads(ids.fill(json.dumps(fields)))
        if "message" in filled:
            message = {"messageId": "m1", "role": "ROLE_USER", "parts": [{"text": "and now?"}]}
            filled["message"] = {**message, **filled["message"]}
        request = {"jsonrpc": "2.0", "id": 1, "method": method, "params": filled}
        response = await client.post("/a2a", json=request, headers={"A2A-Version": "1.0"})
        answer: dict[str, Any] = response.json()
        return answer

    return call


def feed(path: str) -> Door:
    """An SSE feed, read until it goes quiet (its first keepalive)."""

    async def call(scene: Scene, client: httpx.AsyncClient, ids: Ids) -> dict[str, Any]:
        lines = []
        async with client.stream("GET", ids.fill(path)) as response:
            async for line in response.aiter_lines():
                if line.startswith(": keepalive"):
                    break
                lines.append(line)
        return {"status": response.status_code, "body": lines}

    return call


def ws(path: str) -> Door:
    """A WebSocket, read until it goes quiet (a keepalive frame) or is closed."""

    async def call(scene: Scene, client: httpx.AsyncClient, ids: Ids) -> dict[str, Any]:
        url = scene.url.replace("http", "ws", 1) + ids.fill(path)
        key = {"Authorization": client.headers["authorization"]}
        frames: list[Any] = []
        async with websockets.connect(url, additional_headers=key) as socket:
            try:
                while (frame := json.loads(await socket.recv())).get("event") != "keepalive":
                    frames.append(frame)
            except websockets.ConnectionClosed as closed:
                assert closed.rcvd is not None
                return {"close": closed.rcvd.code, "reason": closed.rcvd.reason}
        return {"frames": frames}

    return call


def refused(answer: dict[str, Any]) -> bool:
    return answer.get("status") == 404 or answer.get("close") == 4404 or "error" in answer


# --- another user's conversation or item: what an unknown id gets ------------------------

MESSAGE = {"taskId": "{conversation}"}
ANOTHERS: dict[str, Door] = {
    "GET /v1/conversations/{conversation}": http("GET", "/v1/conversations/{conversation}"),
    "GET /v1/conversations/{conversation}/messages": http(
        "GET", "/v1/conversations/{conversation}/messages"
    ),
    "GET /v1/conversations/{conversation}/events": http(
        "GET", "/v1/conversations/{conversation}/events"
    ),
    "GET /v1/conversations/{conversation}/trace": http(
        "GET", "/v1/conversations/{conversation}/trace"
    ),
    "POST /v1/conversations/{conversation}/messages": http(
        "POST", "/v1/conversations/{conversation}/messages", {"text": "hijack"}
    ),
    "POST /v1/conversations/{conversation}/cancel": http(
        "POST", "/v1/conversations/{conversation}/cancel", {}
    ),
    "POST /v1/conversations/{conversation}/continue": http(
        "POST", "/v1/conversations/{conversation}/continue", {"goal": "and now?"}
    ),
    "POST /v1/chat/completions": http(
        "POST",
        "/v1/chat/completions",
        {"model": "ioa", "messages": [{"role": "user", "content": "and now?"}]},
        X_Ioa_Conversation="{conversation}",
    ),
    "WS /v1/conversations/{conversation}/ws": ws("/v1/conversations/{conversation}/ws"),
    "POST /v1/me/pending/{item}": http("POST", "/v1/me/pending/{item}", {"action": "accept"}),
    "A2A GetTask": rpc("GetTask", id="{conversation}"),
    "A2A CancelTask": rpc("CancelTask", id="{conversation}"),
    "A2A SubscribeToTask": rpc("SubscribeToTask", id="{conversation}"),
    "A2A SendMessage": rpc("SendMessage", message=MESSAGE),
    "A2A SendStreamingMessage": rpc("SendStreamingMessage", message=MESSAGE),
    # Not offered: the same refusal for everyone, whatever the task.
    "A2A CreateTaskPushNotificationConfig": rpc(
        "CreateTaskPushNotificationConfig", taskId="{conversation}", url="https://example.org"
    ),
    "A2A GetTaskPushNotificationConfig": rpc(
        "GetTaskPushNotificationConfig", taskId="{conversation}", id="c1"
    ),
    "A2A ListTaskPushNotificationConfigs": rpc(
        "ListTaskPushNotificationConfigs", taskId="{conversation}"
    ),
    "A2A DeleteTaskPushNotificationConfig": rpc(
        "DeleteTaskPushNotificationConfig", taskId="{conversation}", id="c1"
    ),
    "A2A GetExtendedAgentCard": rpc("GetExtendedAgentCard"),
}


@pytest.mark.parametrize("door", params(ANOTHERS))
async def test_another_users_resource_is_what_an_unknown_id_is_on_every_door(
    scene: Scene, door: str
) -> None:
    call = ANOTHERS[door]
    theirs = await call(scene, scene.mallory, Ids(scene.theirs, scene.item))
    unknown = await call(scene, scene.mallory, Ids(UNKNOWN, UNKNOWN_ITEM))
    assert refused(theirs), theirs
    assert as_unknown(theirs, scene) == as_unknown(unknown, scene)
    state = (await scene.alice.get(f"/v1/conversations/{scene.theirs}")).json()
    assert state["state"] == "concluded" and state["id"] == scene.theirs  # as it was


# --- what a user may ask: nothing of alice's in it ---------------------------------------

MINE: dict[str, Door] = {
    "POST /v1/conversations": http("POST", "/v1/conversations", {"goal": "Compute 3+3"}),
    "GET /v1/conversations": http("GET", "/v1/conversations"),
    "GET /v1/events": feed("/v1/events?after=0"),
    "WS /v1/ws": ws("/v1/ws?after=0"),
    "GET /v1/me/pending": http("GET", "/v1/me/pending"),
    "PUT /v1/me/card": http("PUT", "/v1/me/card", {"description": "Mallory's own."}),
    "GET /v1/me/card": http("GET", "/v1/me/card"),
    "DELETE /v1/me/card": http("DELETE", "/v1/me/card"),
    "GET /v1/agents": http("GET", "/v1/agents"),
    "GET /v1/agents/{agent}": http("GET", "/v1/agents/user:alice"),
    "GET /v1/models": http("GET", "/v1/models"),
    "A2A ListTasks": rpc("ListTasks"),
}
SHOWS_ALICE_HERS = {
    "GET /v1/conversations",
    "GET /v1/events",
    "WS /v1/ws",
    "GET /v1/me/pending",
    "A2A ListTasks",
}


@pytest.mark.parametrize("door", params(MINE))
async def test_what_a_user_may_ask_holds_nothing_of_another_users(scene: Scene, door: str) -> None:
    ids = Ids(scene.theirs, scene.item)
    answer = await MINE[door](scene, scene.mallory, ids)
    assert leaks(answer, scene) == []
    if door in SHOWS_ALICE_HERS:  # the same door shows alice what is hers
        assert leaks(await MINE[door](scene, scene.alice, ids), scene)
    card = (await scene.alice.get("/v1/me/card")).json()
    assert card["card"]["id"] == "user:alice" and card["card"]["description"] == ALICES_CARD


# --- administrators' doors ------------------------------------------------------------------

ADMINS: dict[str, Door] = {
    "POST /v1/admin/agents/{agent}/admission": http("POST", "/v1/admin/agents/mallory2/admission"),
    "POST /v1/admin/keys": http("POST", "/v1/admin/keys", {"name": "mallory", "admin": True}),
    "DELETE /v1/admin/keys/{key_id}": http("DELETE", "/v1/admin/keys/0123456789abcdef"),
    "GET /v1/admin/audit": http("GET", "/v1/admin/audit"),
}


@pytest.mark.parametrize("door", params(ADMINS))
async def test_a_users_key_does_not_open_an_admin_door(scene: Scene, door: str) -> None:
    answer = await ADMINS[door](scene, scene.mallory, Ids(scene.theirs, scene.item))
    assert answer["status"] == 403 and answer["body"]["code"] == "forbidden"


# --- public doors: nobody's data ---------------------------------------------------------------

PUBLIC: dict[str, Door] = {
    "GET /healthz": http("GET", "/healthz"),
    "GET /readyz": http("GET", "/readyz"),
    "GET /": http("GET", "/"),
    "GET /static": http("GET", "/static/app.js"),
    "GET /openapi.json": http("GET", "/openapi.json"),
    "GET /docs": http("GET", "/docs"),
    "GET /docs/oauth2-redirect": http("GET", "/docs/oauth2-redirect"),
    "GET /redoc": http("GET", "/redoc"),
    "GET /.well-known/agent-card.json": http("GET", "/.well-known/agent-card.json"),
}


@pytest.mark.parametrize("door", params(PUBLIC))
async def test_a_public_door_holds_nothing_of_anyones(scene: Scene, door: str) -> None:
    answer = await PUBLIC[door](scene, scene.anonymous, Ids(scene.theirs, scene.item))
    assert answer["status"] == 200
    assert leaks(answer, scene) == []


async def test_the_a2a_endpoint_needs_a_key(scene: Scene) -> None:
    answer = await rpc("GetTask", id="{conversation}")(
        scene, scene.anonymous, Ids(scene.theirs, scene.item)
    )
    assert answer["code"] == "unauthorized"
