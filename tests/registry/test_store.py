"""The registry store on a real SQLite file: leases and guarded status changes."""

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from registry.store import Store, utcnow
from tests.registry.conftest import make_card


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/nested/registry.db"


async def test_the_store_creates_its_database_folder_and_keeps_cards_across_opens(url) -> None:
    async with Store(url) as store:
        await store.register(make_card("calculator", "adds"), 10)
    async with Store(url) as reopened:
        row = await reopened.get("calculator")
    assert row is not None and row.card.description == "adds" and row.online
    assert row.expires_at.tzinfo is not None


async def test_a_new_or_offline_agent_comes_online_by_register_or_renew(url) -> None:
    now = utcnow()
    async with Store(url) as store:
        assert (await store.register(make_card("a"), 1, now)).came_online
        assert not (await store.register(make_card("a"), 1, now)).came_online
        assert not (await store.renew("a", now)).came_online  # type: ignore[union-attr]
        assert await store.expire(now + timedelta(seconds=2)) == ["a"]
        assert (await store.renew("a", now + timedelta(seconds=3))).came_online  # type: ignore[union-attr]
        assert await store.renew("nobody") is None


async def test_an_expiry_is_reported_by_exactly_one_of_several_stores(url) -> None:
    now = utcnow()
    async with Store(url) as one, Store(url) as two, Store(url) as three:
        for n in range(20):
            await one.register(make_card(f"agent-{n}"), 1, now)
        later = now + timedelta(seconds=5)
        results = await asyncio.gather(one.expire(later), two.expire(later), three.expire(later))
    reported = [agent for result in results for agent in result]
    assert sorted(reported) == sorted(f"agent-{n}" for n in range(20))


async def test_a_lease_that_has_not_run_out_is_not_expired(url) -> None:
    now = utcnow()
    async with Store(url) as store:
        await store.register(make_card("a"), 10, now)
        assert await store.expire(now + timedelta(seconds=9)) == []
        assert (await store.get("a")).online  # type: ignore[union-attr]


async def test_concurrent_registrations_of_one_new_agent_come_online_once(url) -> None:
    async with Store(url) as one, Store(url) as two:
        changes = await asyncio.gather(
            *(store.register(make_card("a"), 5) for store in (one, two) * 5)
        )
    assert sum(change.came_online for change in changes) == 1


async def test_an_in_memory_database_works_for_quick_runs() -> None:
    async with Store("sqlite://") as store:
        await store.register(make_card("a"), 5)
        assert [row.card.id for row in await store.candidates(online_only=True)] == ["a"]
