"""``GET /v1/events``: watchers of new changes share the gateway's one consumer of the
events stream and, at once, one question to the coordinator on who may read what; a
feed JetStream will not serve is a typed 503, not a server error."""

import asyncio
from contextlib import AsyncExitStack

import httpx
from nats.aio.msg import Msg

from gateway.readers import Readers
from gateway.settings import GatewaySettings
from protocol.connection import Connection, flush
from protocol.settings import ServiceSettings
from protocol.streams import event_stream
from protocol.subjects import COORDINATOR
from tests.gateway.conftest import Stack, bearer, running_gateway

WATCHERS = 5


async def consumers_of_events(conn: Connection) -> int:
    info = await conn.js.stream_info(event_stream(conn.subjects).name)
    return info.state.consumer_count


async def first_state(response: httpx.Response) -> str:
    async for line in response.aiter_lines():
        if line.startswith("data: "):
            return line
    raise AssertionError("the feed ended without a state")


async def test_watchers_of_new_changes_share_one_consumer_and_all_hear_a_new_state(
    stack: Stack,
) -> None:
    async with stack.probe() as probe, stack.client() as client, AsyncExitStack() as open_:
        before = await consumers_of_events(probe)
        feeds = [
            await open_.enter_async_context(client.stream("GET", "/v1/events"))
            for _ in range(WATCHERS)
        ]
        during = await consumers_of_events(probe)
        created = await client.post("/v1/conversations", json={"goal": "Compute 5*5"})
        heard = await asyncio.wait_for(asyncio.gather(*(first_state(f) for f in feeds)), 20)

    assert [f.status_code for f in feeds] == [200] * WATCHERS
    assert during == before + 1  # the gateway's hub, however many watch
    assert all(created.json()["id"] in line for line in heard)


async def test_a_feed_jetstream_will_not_serve_is_a_503_and_the_shared_one_still_opens(
    gateway_settings: GatewaySettings, settings: ServiceSettings, api_key: str
) -> None:
    async with Connection(settings, "test-probe") as conn:
        # The real server's own limit, set low: one consumer on the events stream.
        config = event_stream(conn.subjects).config(1)
        config.max_consumers = 1
        await conn.js.add_stream(config)
        async with (
            running_gateway(gateway_settings) as url,
            httpx.AsyncClient(base_url=url, headers=bearer(api_key)) as client,
            client.stream("GET", "/v1/events") as first,  # the hub takes the one
            client.stream("GET", "/v1/events") as second,  # and shares it
        ):
            resumed = await client.get("/v1/events", params={"after": 0})

    assert first.status_code == second.status_code == 200
    assert resumed.status_code == 503
    assert resumed.json()["code"] == "unavailable"
    assert "try again" in resumed.json()["detail"]


async def test_feeds_asking_at_once_whether_a_user_may_read_share_one_question(
    stack: Stack,
) -> None:
    alice, bob = stack.user(), stack.user("bob")
    asked: list[str] = []

    async def heard(msg: Msg) -> None:
        asked.append(msg.subject)

    async with stack.probe() as probe, stack.client() as client:
        created = (await client.post("/v1/conversations", json={"goal": "Compute 6*7"})).json()
        gets = [probe.subjects.request(user, COORDINATOR, "get") for user in (alice, bob)]
        subs = [await probe.nc.subscribe(subject, cb=heard) for subject in gets]
        await flush(probe.nc)
        readers = Readers(probe, ttl=60)
        answers = await asyncio.gather(
            *(readers.may_read(alice, created["id"]) for _ in range(100))
        )
        again = await readers.may_read(alice, created["id"])
        strangers = [await readers.may_read(bob, created["id"]) for _ in range(2)]
        await flush(probe.nc)
        for sub in subs:
            await sub.drain()

    assert answers == [True] * 100 and again is True
    assert strangers == [False, False]
    # One question for alice's hundred and one, one for bob's two: answers are kept.
    assert sorted(asked) == sorted(gets)
