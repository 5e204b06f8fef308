"""The registry store on real SQLite and PostgreSQL: leases, guarded status changes,
batched renewals and the filter facets."""

import asyncio
from datetime import timedelta
from pathlib import Path

from registry.store import Filters, Store, utcnow
from tests.registry.conftest import make_card


async def test_the_store_creates_its_database_folder_and_keeps_cards_across_opens(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/nested/registry.db"
    async with Store(url) as store:
        await store.register(make_card("calculator", "adds"), 10)
    async with Store(url) as reopened:
        row = await reopened.get("calculator")
        found = await reopened.lexical(["adds"], Filters(), 5)
    assert row is not None and row.card.description == "adds" and row.online
    assert row.expires_at.tzinfo is not None
    assert [s.row.card.id for s in found] == ["calculator"]


async def test_a_new_or_offline_agent_comes_online_by_register_or_renew(database_url) -> None:
    now = utcnow()
    async with Store(database_url) as store:
        assert (await store.register(make_card("a"), 1, now)).came_online
        assert not (await store.register(make_card("a"), 1, now)).came_online
        assert not (await store.renew("a", now)).came_online  # type: ignore[union-attr]
        assert await store.expire(now + timedelta(seconds=2)) == ["a"]
        assert (await store.renew("a", now + timedelta(seconds=3))).came_online  # type: ignore[union-attr]
        assert await store.renew("nobody") is None


async def test_a_batch_of_renewals_renews_online_agents_and_revives_offline_ones(
    database_url,
) -> None:
    now = utcnow()
    async with Store(database_url) as store:
        for agent, lease in (("a", 10), ("b", 20), ("c", 1)):
            await store.register(make_card(agent), lease, now)
        assert await store.expire(now + timedelta(seconds=2)) == ["c"]
        later = now + timedelta(seconds=5)

        renewed = await store.renew_many(["a", "b", "c", "ghost", "a"], later)

        assert set(renewed) == {"a", "b", "c"}
        assert renewed["a"].expires_at == later + timedelta(seconds=10)
        assert renewed["b"].expires_at == later + timedelta(seconds=20)
        assert [r.came_online for r in (renewed["a"], renewed["b"], renewed["c"])] == [
            False,
            False,
            True,
        ]
        assert (await store.get("c")).online  # type: ignore[union-attr]


async def test_an_expiry_is_reported_by_exactly_one_of_several_stores(database_url) -> None:
    now = utcnow()
    async with Store(database_url) as one, Store(database_url) as two, Store(database_url) as three:
        for n in range(20):
            await one.register(make_card(f"agent-{n}"), 1, now)
        later = now + timedelta(seconds=5)
        results = await asyncio.gather(one.expire(later), two.expire(later), three.expire(later))
    reported = [agent for result in results for agent in result]
    assert sorted(reported) == sorted(f"agent-{n}" for n in range(20))


async def test_a_lease_that_has_not_run_out_is_not_expired(database_url) -> None:
    now = utcnow()
    async with Store(database_url) as store:
        await store.register(make_card("a"), 10, now)
        assert await store.expire(now + timedelta(seconds=9)) == []
        assert (await store.get("a")).online  # type: ignore[union-attr]


async def test_concurrent_registrations_of_one_new_agent_come_online_once(database_url) -> None:
    async with Store(database_url) as one, Store(database_url) as two:
        changes = await asyncio.gather(
            *(store.register(make_card("a", f"v{n}"), 5) for n, store in enumerate((one, two) * 5))
        )
        found = await one.lexical(
            ["v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"], Filters(), 10
        )
    assert sum(change.came_online for change in changes) == 1
    assert len(found) == 1  # one index entry however the registrations raced


async def test_a_deleted_card_leaves_no_index_entry_or_facet(database_url) -> None:
    async with Store(database_url) as store:
        await store.register(make_card("a", "tidy"), 5)
        await store.delete("a")
        assert await store.lexical(["tidy"], Filters(), 5) == []
        assert await store.listing(Filters(protocol_version="ioa/1"), None) == []


async def test_an_in_memory_database_works_for_quick_runs() -> None:
    async with Store("sqlite://") as store:
        await store.register(make_card("a"), 5)
        assert [row.card.id for row in await store.candidates(online_only=True)] == ["a"]


async def test_a_batch_of_registrations_mixes_new_known_and_repeated_agents(database_url) -> None:
    now = utcnow()
    async with Store(database_url) as store:
        await store.register(make_card("known", "charlie"), 30, now)
        await store.register(make_card("asleep", "echo"), 1, now)
        assert await store.expire(now + timedelta(seconds=2)) == ["asleep"]
        later = now + timedelta(seconds=3)

        mixed = [("newcomer", "alpha"), ("known", "delta"), ("asleep", "foxtrot")]
        changes = await store.register_many([(make_card(a, d), 30) for a, d in mixed], later)
        # One agent twice in a batch: the cards go one by one, the last one stays.
        twice = [("twice", "golf"), ("twice", "hotel")]
        changes += await store.register_many([(make_card(a, d), 30) for a, d in twice], later)

        assert [(c.agent.card.id, c.came_online) for c in changes] == [
            ("newcomer", True),
            ("known", False),
            ("asleep", True),
            ("twice", True),
            ("twice", False),
        ]
        assert all(c.agent.expires_at == later + timedelta(seconds=30) for c in changes)
        words = ("alpha", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")
        found = {w: [s.row.card.id for s in await store.lexical([w], Filters(), 5)] for w in words}
        assert found == {
            "alpha": ["newcomer"],
            "charlie": [],
            "delta": ["known"],
            "echo": [],
            "foxtrot": ["asleep"],
            "golf": [],
            "hotel": ["twice"],
        }
        tagged = await store.listing(Filters(protocol_version="ioa/1"), None)
        assert sorted(row.card.id for row in tagged) == ["asleep", "known", "newcomer", "twice"]
