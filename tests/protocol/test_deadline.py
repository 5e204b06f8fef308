"""A deadline reaches every wait below it: what is left caps each call, the block ends
at the deadline whatever it waits for, a scope can be cut short, and an inner deadline
never outlives the outer one."""

import asyncio
import time

import pytest

from protocol import deadline
from protocol.connection import Connection
from protocol.errors import Timeout
from protocol.kinds import Search
from protocol.retry import retrying
from protocol.settings import ServiceSettings


async def test_a_call_gets_what_is_left_not_its_own_timeout() -> None:
    assert deadline.left(60) == 60 and deadline.remaining() is None
    async with deadline.within(time.time() + 2):
        assert 1.5 < deadline.left(60) <= 2
        assert deadline.left(1) == 1
    assert deadline.remaining() is None


async def test_the_block_ends_at_its_deadline_whatever_it_waits_for() -> None:
    began = time.monotonic()
    with pytest.raises(deadline.Expired, match="passed"):
        async with deadline.within(time.time() + 0.3):
            await asyncio.sleep(30)
    assert time.monotonic() - began < 1


async def test_an_inner_deadline_never_outlives_the_outer_one() -> None:
    async with deadline.within(time.time() + 1):
        async with deadline.within(time.time() + 100) as inner:
            assert inner.until <= time.time() + 1
            assert deadline.left(60) <= 1


async def test_a_scope_cut_short_ends_its_block_at_once() -> None:
    async def cut_soon(scope: deadline.Scope) -> None:
        await asyncio.sleep(0.1)
        scope.cut()

    began = time.monotonic()
    with pytest.raises(deadline.Expired, match="cut short"):
        async with deadline.within(time.time() + 60) as scope:
            asyncio.get_running_loop().create_task(cut_soon(scope))
            await asyncio.sleep(30)
    assert time.monotonic() - began < 1


async def test_a_request_with_no_time_left_is_not_sent(settings: ServiceSettings) -> None:
    async with Connection(settings, "probe") as conn:
        # Spent already: the request is refused before the block's own cut can land.
        async with deadline.within(time.time() - 1):
            with pytest.raises(Timeout, match="no time is left"):
                await conn.request("registry", "search", Search(query="x"))


async def test_a_retry_loop_stops_at_the_deadline() -> None:
    async def never() -> None:
        raise Timeout("down")

    began = time.monotonic()
    with pytest.raises(Timeout):
        async with deadline.within(time.time() + 0.6):
            await retrying(never, seconds=30, why="again")
    assert time.monotonic() - began < 1.5
