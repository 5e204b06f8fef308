"""Two registry replicas on one database serve as one registry."""

import asyncio
from contextlib import AsyncExitStack

from protocol.connection import Connection
from protocol.kinds import AgentInfo, GetAgent, Register, Search
from protocol.subjects import REGISTRY
from registry.app import serve
from registry.settings import RegistrySettings
from tests.registry.conftest import StatusWatcher, eventually, make_card

AGENTS = [f"agent-{n}" for n in range(12)]


async def test_two_registries_on_one_database_both_serve_every_agent(
    settings, registry_settings: RegistrySettings, watcher: StatusWatcher
) -> None:
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(serve(registry_settings))
        second = await stack.enter_async_context(serve(registry_settings))

        async def register(agent: str) -> None:
            async with Connection(settings, agent) as conn:
                card = make_card(agent, "counts sheep")
                await conn.request(REGISTRY, "register", Register(card=card, lease_seconds=60))

        # Concurrent registrations, spread over both replicas by the queue group.
        await asyncio.gather(*(register(agent) for agent in AGENTS))

        async with Connection(settings, "seeker") as conn:
            infos = await asyncio.gather(
                *(conn.request(REGISTRY, "get_agent", GetAgent(agent=a)) for a in AGENTS * 3)
            )
            listed = await conn.request(REGISTRY, "search", Search(query="sheep", limit=100))

        assert all(isinstance(i.body, AgentInfo) and i.body.online for i in infos)
        assert sorted(hit.card.id for hit in listed.body.hits) == sorted(AGENTS)
        # Each replica answered some of the requests, and each sees every card.
        assert first.service.counts["answered"] > 0 and second.service.counts["answered"] > 0
        for replica in (first, second):
            assert {row.card.id for row in await replica.store.candidates(online_only=True)} == set(
                AGENTS
            )
        await eventually(lambda: sum(len(watcher.of(a)) for a in AGENTS) == len(AGENTS))
        assert all(watcher.of(a) == [True] for a in AGENTS)


async def test_two_sweeping_registries_announce_an_expired_lease_once(
    settings, registry_settings: RegistrySettings, watcher: StatusWatcher
) -> None:
    async with serve(registry_settings), serve(registry_settings):
        async with Connection(settings, "calculator") as conn:
            card = make_card("calculator")
            await conn.request(REGISTRY, "register", Register(card=card, lease_seconds=0.3))

        await eventually(lambda: watcher.of("calculator") == [True, False])
        await asyncio.sleep(0.5)  # several more sweeps by both replicas

    assert watcher.of("calculator") == [True, False]
