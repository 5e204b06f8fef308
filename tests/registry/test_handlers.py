"""The registry over real NATS and real SQLite: cards, leases, search and errors."""

import asyncio
from typing import Any

import pytest

from protocol.connection import Connection
from protocol.envelope import Envelope, decode
from protocol.errors import ErrorCode, Forbidden, InvalidMessage, NotFound
from protocol.kinds import (
    Ack,
    AgentInfo,
    Deregister,
    ErrorBody,
    GetAgent,
    Heartbeat,
    Lease,
    Register,
    Search,
    SearchResults,
    Skill,
    Update,
)
from protocol.settings import ServiceSettings
from protocol.subjects import REGISTRY
from registry.app import Registry
from tests.registry.conftest import StatusWatcher, eventually, make_card
from tests.support.micro import answers

ARITHMETIC = Skill(id="arithmetic", name="Arithmetic", description="exact sums", tags=["math"])
POEMS = Skill(id="poems", name="Poems", description="short poems", tags=["writing"])


async def register(
    settings: ServiceSettings,
    agent: str,
    *skills: Skill,
    lease: float = 15.0,
    description: str = "",
) -> Lease:
    async with Connection(settings, agent) as conn:
        reply = await conn.request(
            REGISTRY,
            "register",
            Register(card=make_card(agent, description, *skills), lease_seconds=lease),
        )
    assert isinstance(reply.body, Lease)
    return reply.body


async def search(settings: ServiceSettings, **query) -> SearchResults:  # type: ignore[no-untyped-def]
    async with Connection(settings, "seeker") as conn:
        reply = await conn.request(REGISTRY, "search", Search(**query))
    assert isinstance(reply.body, SearchResults)
    return reply.body


async def get_agent(settings: ServiceSettings, agent: str) -> AgentInfo:
    async with Connection(settings, "seeker") as conn:
        reply = await conn.request(REGISTRY, "get_agent", GetAgent(agent=agent))
    assert isinstance(reply.body, AgentInfo)
    return reply.body


async def test_a_registered_agent_is_found_by_search_and_by_id(settings, registry) -> None:
    lease = await register(settings, "calculator", ARITHMETIC, description="does arithmetic")
    await register(settings, "poet", POEMS, description="writes poems on request")

    assert lease.agent == "calculator" and lease.lease_seconds == 15.0
    results = await search(settings, query="exact arithmetic sums")
    assert [hit.card.id for hit in results.hits] == ["calculator"]
    assert results.hits[0].online and results.hits[0].score > 0
    info = await get_agent(settings, "calculator")
    assert info.online and info.card.skills == [ARITHMETIC] and info.last_seen is not None


async def test_an_empty_query_lists_every_agent_by_name(settings, registry) -> None:
    for agent in ("zeta", "alpha", "mid"):
        await register(settings, agent)

    results = await search(settings)

    assert [hit.card.id for hit in results.hits] == ["alpha", "mid", "zeta"]
    assert {hit.score for hit in results.hits} == {0.0}


async def test_search_filters_by_skill_and_tag(settings, registry) -> None:
    await register(settings, "calculator", ARITHMETIC)
    await register(settings, "poet", POEMS)

    by_skill = await search(settings, skills=["poems"])
    by_tag = await search(settings, tags=["MATH"])
    neither = await search(settings, skills=["poems"], tags=["math"])

    assert [hit.card.id for hit in by_skill.hits] == ["poet"]
    assert [hit.card.id for hit in by_tag.hits] == ["calculator"]
    assert neither.hits == []


async def test_registering_the_card_of_another_agent_is_forbidden(settings, registry) -> None:
    async with Connection(settings, "mallory") as conn:
        with pytest.raises(Forbidden, match="may not register the card of 'calculator'"):
            await conn.request(REGISTRY, "register", Register(card=make_card("calculator")))
    with pytest.raises(NotFound):
        await get_agent(settings, "calculator")


async def test_a_heartbeat_from_an_agent_without_a_card_is_not_found(settings, registry) -> None:
    async with Connection(settings, "stranger") as conn:
        with pytest.raises(NotFound, match="register before sending heartbeats"):
            await conn.request(REGISTRY, "heartbeat", Heartbeat())


async def test_getting_an_unknown_agent_is_not_found(settings, registry) -> None:
    with pytest.raises(NotFound, match="no agent 'ghost'"):
        await get_agent(settings, "ghost")


async def test_re_registering_updates_the_card_without_a_second_online_event(
    settings, registry, watcher: StatusWatcher
) -> None:
    await register(settings, "calculator", description="old words")
    await register(settings, "calculator", ARITHMETIC, description="new words")

    info = await get_agent(settings, "calculator")
    assert info.card.description == "new words" and info.card.skills == [ARITHMETIC]
    await eventually(lambda: watcher.of("calculator") == [True])
    await asyncio.sleep(0.2)
    assert watcher.of("calculator") == [True]


async def test_an_update_replaces_the_card_and_its_index_and_keeps_the_lease(
    settings, registry, watcher: StatusWatcher
) -> None:
    lease = await register(settings, "calculator", ARITHMETIC, description="exact sums")
    async with Connection(settings, "calculator") as conn:
        card = make_card("calculator", "writes verse", POEMS)
        reply = await conn.request(REGISTRY, "update", Update(card=card))

    assert isinstance(reply.body, Lease) and reply.body == lease
    info = await get_agent(settings, "calculator")
    assert info.online and info.card == card
    assert [h.card.id for h in (await search(settings, query="verse")).hits] == ["calculator"]
    assert (await search(settings, query="sums")).hits == []
    assert (await search(settings, skills=["arithmetic"])).hits == []
    await eventually(lambda: watcher.of("calculator") == [True])
    await asyncio.sleep(0.2)
    assert watcher.of("calculator") == [True]  # an update is no status change


async def test_an_update_needs_a_registered_card_of_the_sender(settings, registry) -> None:
    await register(settings, "calculator", description="adds")
    async with Connection(settings, "stranger") as conn:
        with pytest.raises(NotFound, match="no card here to update; register it first"):
            await conn.request(REGISTRY, "update", Update(card=make_card("stranger")))
        with pytest.raises(Forbidden, match="may not update the card of 'calculator'"):
            await conn.request(REGISTRY, "update", Update(card=make_card("calculator", "steals")))
    assert (await get_agent(settings, "calculator")).card.description == "adds"
    with pytest.raises(NotFound):
        await get_agent(settings, "stranger")


async def test_a_heartbeat_renews_the_lease(settings, registry) -> None:
    first = await register(settings, "calculator", lease=30)
    async with Connection(settings, "calculator") as conn:
        reply = await conn.request(REGISTRY, "heartbeat", Heartbeat())
    assert isinstance(reply.body, Lease)
    assert reply.body.lease_seconds == 30 and reply.body.expires_at > first.expires_at


async def test_an_expired_lease_marks_the_agent_offline_and_announces_it(
    settings, registry, watcher: StatusWatcher
) -> None:
    await register(settings, "calculator", lease=0.5)
    await eventually(lambda: watcher.of("calculator") == [True])

    await eventually(lambda: watcher.of("calculator") == [True, False])

    info = await get_agent(settings, "calculator")
    assert not info.online and info.card.id == "calculator"  # the card is kept
    offline = [s for s in watcher.seen if not s.online]
    assert offline[0].reason == "lease expired"


async def test_an_agent_that_heartbeats_after_expiry_is_online_again_with_its_card(
    settings, registry, watcher: StatusWatcher
) -> None:
    await register(settings, "calculator", ARITHMETIC, lease=0.5)
    await eventually(lambda: watcher.of("calculator") == [True, False])

    async with Connection(settings, "calculator") as conn:
        await conn.request(REGISTRY, "heartbeat", Heartbeat())

    await eventually(lambda: watcher.of("calculator") == [True, False, True])
    info = await get_agent(settings, "calculator")
    assert info.online and info.card.skills == [ARITHMETIC]


async def test_an_agent_that_registers_again_after_expiry_is_online_again(
    settings, registry, watcher: StatusWatcher
) -> None:
    await register(settings, "calculator", lease=0.5)
    await eventually(lambda: watcher.of("calculator") == [True, False])

    await register(settings, "calculator", lease=30)

    await eventually(lambda: watcher.of("calculator") == [True, False, True])
    assert (await get_agent(settings, "calculator")).online


async def test_online_only_search_excludes_offline_agents(
    settings, registry, watcher: StatusWatcher
) -> None:
    await register(settings, "sleepy", ARITHMETIC, lease=0.5)
    await register(settings, "awake", ARITHMETIC, lease=60)
    await eventually(lambda: watcher.of("sleepy") == [True, False])

    online = await search(settings, query="arithmetic")
    everyone = await search(settings, query="arithmetic", online_only=False)

    assert [hit.card.id for hit in online.hits] == ["awake"]
    assert {(hit.card.id, hit.online) for hit in everyone.hits} == {
        ("awake", True),
        ("sleepy", False),
    }


async def test_deregister_removes_the_card_and_announces_offline(
    settings, registry, watcher: StatusWatcher
) -> None:
    await register(settings, "calculator")
    async with Connection(settings, "calculator") as conn:
        first = await conn.request(REGISTRY, "deregister", Deregister())
        again = await conn.request(REGISTRY, "deregister", Deregister())

    assert isinstance(first.body, Ack) and isinstance(again.body, Ack)
    with pytest.raises(NotFound):
        await get_agent(settings, "calculator")
    await eventually(lambda: watcher.of("calculator") == [True, False])


async def test_a_malformed_message_gets_invalid_message_and_the_registry_keeps_serving(
    settings, registry: Registry
) -> None:
    async with Connection(settings, "clumsy") as conn:
        subject = conn.subjects.request("clumsy", REGISTRY, "search")
        for raw in (b"not json at all", b'{"protocol": "ioa/1", "type": "search"}', b"[]"):
            msg = await conn.nc.request(subject, raw, timeout=2)
            error = decode(msg.data)
            assert isinstance(error.body, ErrorBody)
            assert error.body.code is ErrorCode.INVALID_MESSAGE

        with pytest.raises(InvalidMessage, match="takes 'register'"):
            await conn.send(REGISTRY, "register", Envelope.of(Search(), sender="clumsy"))
        still = await conn.request(REGISTRY, "search", Search())
    assert isinstance(still.body, SearchResults)
    assert registry.service.counts["invalid_message"] == 4


async def test_the_registry_is_listed_by_the_nats_micro_framework(settings, registry) -> None:
    async with Connection(settings, "observer") as conn:
        ours = conn.subjects.service_requests("registry")

        def mine(infos: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [i for i in infos if i["endpoints"][0]["subject"] == ours]

        info = mine(await answers(conn, "$SRV.INFO.registry", lambda found: bool(mine(found))))[0]
        # Addressed to our instance's id: the first answer is the one.
        pings = await answers(conn, f"$SRV.PING.registry.{info['id']}", bool)
        stats = await answers(conn, f"$SRV.STATS.registry.{info['id']}", bool)
    assert info["name"] == "registry" and info["type"] == "io.nats.micro.v1.info_response"
    assert [p["type"] for p in pings] == ["io.nats.micro.v1.ping_response"]
    assert [s["type"] for s in stats] == ["io.nats.micro.v1.stats_response"]


async def test_a_search_with_semantic_ranking_over_nats_returns_both_scores(
    settings, registry_settings
) -> None:
    from registry.app import serve
    from tests.support.scripted_embeddings import Concepts, scripted_embeddings

    concepts = Concepts(groups=[["doctor", "physician", "sick"], ["poem", "poems", "verse"]])
    with scripted_embeddings(concepts) as url:
        semantic_settings = registry_settings.model_copy(
            update={"embeddings_url": url, "embeddings_model": "scripted"}
        )
        async with serve(semantic_settings) as running:
            await register(settings, "clinic", description="a physician on call")
            await register(settings, "poet", POEMS, description="writes poems")
            assert running.semantic is not None
            await eventually(lambda: len(concepts.requests) >= 1)
            await running.semantic.embed_pending()
            results = await search(settings, query="I am sick and need a doctor")
    assert results.hits[0].card.id == "clinic"
    assert results.hits[0].semantic_score and results.hits[0].lexical_score is None
