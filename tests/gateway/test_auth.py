"""API keys, rate limits and body limits, against a real gateway."""

import asyncio

import httpx
import pytest
import websockets

from gateway.auth import SUBPROTOCOL, key_subprotocols
from gateway.keys import create_key, open_engine, revoke, verify
from gateway.settings import GatewaySettings
from tests.gateway.conftest import Stack, bearer, running_gateway


async def test_every_api_endpoint_needs_a_key_but_health_and_docs_do_not(stack: Stack) -> None:
    async with stack.anonymous() as anonymous:
        refused = [
            await anonymous.get("/v1/conversations"),
            await anonymous.post("/v1/conversations", json={"goal": "hi"}),
            await anonymous.get("/v1/agents"),
            await anonymous.get("/v1/events"),
            await anonymous.post("/v1/chat/completions", json={"messages": []}),
        ]
        paths = ("/healthz", "/readyz", "/docs", "/openapi.json", "/")
        open_ = [await anonymous.get(p) for p in paths]

    assert {r.status_code for r in refused} == {401}
    assert {r.json()["code"] for r in refused} == {"unauthorized"}
    assert refused[0].headers["www-authenticate"] == "Bearer"
    assert [r.status_code for r in open_] == [200] * 5


async def test_a_wrong_unknown_or_revoked_key_is_refused(
    anonymous: httpx.AsyncClient, gateway_settings: GatewaySettings, api_key: str
) -> None:
    engine = open_engine(gateway_settings.database_url)
    row, other = create_key(engine, "bob")
    tampered = api_key[:-4] + ("aaaa" if not api_key.endswith("aaaa") else "bbbb")
    ok = await anonymous.get("/v1/conversations/01X", headers={"X-API-Key": other})
    revoke(engine, row.id)

    assert verify(engine, other) is None
    assert (await anonymous.get("/v1/agents", headers=bearer(tampered))).status_code == 401
    assert (await anonymous.get("/v1/agents", headers=bearer("nonsense"))).status_code == 401
    assert ok.status_code == 503  # the key worked: the gateway asked for a coordinator


async def test_a_secret_in_a_url_is_refused_saying_how_to_send_it_instead(
    anonymous: httpx.AsyncClient, gateway_url: str, api_key: str
) -> None:
    urls = [
        f"/v1/events?api_key={api_key}",
        "/v1/conversations/01X/events?after=1&access_token=x",
        f"/v1/agents?q={api_key}",  # a key's shape, whatever the parameter's name
        f"/?api_key={api_key}",
    ]
    answers = [await anonymous.get(url) for url in urls]
    ws = gateway_url.replace("http", "ws", 1)
    closes = []
    for url, offered in [
        (f"{ws}/v1/ws?api_key={api_key}", [SUBPROTOCOL]),
        (f"{ws}/v1/ws", None),
        (f"{ws}/v1/ws", key_subprotocols(api_key[:-4] + "aaaa")),
    ]:
        async with websockets.connect(url, subprotocols=offered) as socket:  # type: ignore[arg-type]
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await socket.recv()
        assert closed.value.rcvd is not None
        closes.append(closed.value.rcvd)

    assert [a.status_code for a in answers] == [401] * 4
    assert {a.json()["code"] for a in answers} == {"secret_in_url"}
    assert "Authorization: Bearer <key>" in answers[0].json()["detail"]
    assert answers[0].headers["www-authenticate"] == "Bearer"
    assert [c.code for c in closes] == [4401] * 3
    assert "ioa.v1, ioa-key.<key>" in closes[0].reason
    assert "an API key is required" in closes[1].reason
    assert "unknown, wrong or revoked" in closes[2].reason


def test_keys_are_stored_only_as_salted_hashes(gateway_settings: GatewaySettings) -> None:
    engine = open_engine(gateway_settings.database_url)
    row, key = create_key(engine, "carol")
    _, twin = create_key(engine, "carol")

    assert key.split("_")[2] not in (row.digest, row.salt)
    assert row.user == "user:carol"
    assert verify(engine, key) is not None and verify(engine, twin) is not None
    assert verify(engine, key).key_id != verify(engine, twin).key_id  # type: ignore[union-attr]


async def test_a_user_cannot_see_or_steer_another_users_conversation(stack: Stack) -> None:
    async with stack.client() as alice, stack.client(stack.key_for("mallory")) as mallory:
        created = await alice.post("/v1/conversations", json={"goal": "mine"})
        conversation = created.json()["id"]
        url = f"/v1/conversations/{conversation}"
        theirs = [
            await mallory.get(url),
            await mallory.get(f"{url}/messages"),
            await mallory.get(f"{url}/events"),
            await mallory.get(f"{url}/trace"),
            await mallory.post(f"{url}/cancel", json={}),
            await mallory.post(f"{url}/continue", json={"goal": "x"}),
            await mallory.post(f"{url}/messages", json={"text": "x"}),
        ]
        mine = await alice.get(url)
        alices = (await alice.get("/v1/conversations")).json()
        mallorys = (await mallory.get("/v1/conversations")).json()

    assert [r.status_code for r in theirs] == [404] * 7
    assert {r.json()["code"] for r in theirs} == {"not_found"}
    assert mine.status_code == 200 and mine.json()["goal"] == "mine"
    # The coordinator lists a conversation to the one who started it: alice, not mallory.
    assert [c["id"] for c in alices["conversations"]] == [conversation]
    assert mallorys["total"] == 0


async def test_a_burst_past_the_rate_limit_gets_429_with_retry_after(
    gateway_settings: GatewaySettings, api_key: str
) -> None:
    tight = gateway_settings.model_copy(update={"rate_per_second": 1.0, "rate_burst": 5})
    async with (
        running_gateway(tight) as url,
        httpx.AsyncClient(base_url=url, headers=bearer(api_key)) as client,
    ):
        answers = await asyncio.gather(*(client.get("/v1/agents/nobody") for _ in range(12)))
        health = await client.get("/healthz")

    codes = [a.status_code for a in answers]
    limited = [a for a in answers if a.status_code == 429]
    assert 5 <= len(codes) - len(limited) <= 6  # the burst, plus at most one refilled token
    assert all(int(a.headers["retry-after"]) >= 1 for a in limited)
    assert {a.json()["code"] for a in limited} == {"rate_limited"}
    assert health.status_code == 200  # health is never limited


async def test_bodies_over_the_limit_unknown_fields_and_wrong_types_get_the_right_4xx(
    client: httpx.AsyncClient, gateway_settings: GatewaySettings
) -> None:
    huge = await client.post(
        "/v1/conversations",
        content=b'{"goal": "' + b"x" * (gateway_settings.max_body_bytes + 10) + b'"}',
        headers={"content-type": "application/json"},
    )
    unknown = await client.post("/v1/conversations", json={"goal": "x", "colour": "red"})
    wrong = await client.post("/v1/conversations", json={"goal": 42, "max_team": "many"})
    bad_state = await client.get("/v1/conversations", params={"state": "sleeping"})
    past_64_bits = await client.get("/v1/conversations/01X/messages", params={"after": 2**64})

    assert huge.status_code == 413 and huge.json()["code"] == "too_large"
    assert unknown.status_code == 422 and unknown.json()["code"] == "invalid_message"
    assert wrong.status_code == 422
    assert bad_state.status_code == 422
    assert past_64_bits.status_code == 422 and past_64_bits.json()["code"] == "invalid_message"
