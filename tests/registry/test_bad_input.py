"""Bad input gets its typed error, and the registry goes on serving everyone else."""

import asyncio
import json
from collections.abc import Coroutine
from typing import Any

import pytest

from protocol.connection import Connection
from protocol.envelope import Envelope, decode
from protocol.errors import ErrorCode, Forbidden, RateLimited, TooLarge, UnsupportedVersion
from protocol.ids import new_id
from protocol.kinds import AgentCard, ErrorBody, Heartbeat, Lease, Register, Skill
from protocol.settings import ServiceSettings
from protocol.subjects import REGISTRY
from registry.app import Registry
from tests.registry.conftest import make_card


async def raw_request(settings: ServiceSettings, sender: str, op: str, body: dict) -> ErrorBody:  # type: ignore[type-arg]
    envelope = {
        "protocol": "ioa/1",
        "id": new_id(),
        "type": op,
        "sender": sender,
        "ts": "2026-01-01T00:00:00Z",
        "body": body,
    }
    async with Connection(settings, sender) as conn:
        msg = await conn.nc.request(
            conn.subjects.request(sender, REGISTRY, op), json.dumps(envelope).encode(), timeout=5
        )
    reply = decode(msg.data)
    assert isinstance(reply.body, ErrorBody)
    return reply.body


async def during_a_flood(
    steady: Connection, flood: list[Coroutine[Any, Any, Envelope[Any]]], beats: int = 3
) -> tuple[list[object], list[object]]:
    """Send ``beats`` heartbeats from ``steady`` spread through ``flood`` (all in flight
    together); the flood's outcomes and the heartbeats', each a reply or an error."""
    step = len(flood) // (beats + 1)
    mixed: list[Coroutine[Any, Any, Envelope[Any]]] = []
    for n in range(beats):
        mixed += flood[n * step : (n + 1) * step]
        mixed.append(steady.request(REGISTRY, "heartbeat", Heartbeat()))
    mixed += flood[beats * step :]
    outcomes = await asyncio.gather(*mixed, return_exceptions=True)
    heartbeat_at = {(n + 1) * step + n for n in range(beats)}
    return (
        [o for n, o in enumerate(outcomes) if n not in heartbeat_at],
        [outcomes[n] for n in sorted(heartbeat_at)],
    )


def assert_renewed(beats: list[object], registered: Lease) -> None:
    """Every heartbeat got a lease (not an error) that runs past the registered one."""
    assert all(isinstance(b, Envelope) and isinstance(b.body, Lease) for b in beats), beats
    assert all(b.body.expires_at > registered.expires_at for b in beats)  # type: ignore[attr-defined]


async def register_steady(steady: Connection) -> Lease:
    reply = await steady.request(REGISTRY, "register", Register(card=make_card("steady")))
    assert isinstance(reply.body, Lease)
    return reply.body


async def test_an_oversized_card_is_too_large_and_a_flood_of_them_leaves_others_served(
    settings, registry: Registry
) -> None:
    huge = [
        Skill(id=f"s{n}", name=f"Skill {n}", description="x" * 3000, tags=["t"]) for n in range(40)
    ]
    bloated = Register(card=make_card("bloated", "", *huge))
    async with Connection(settings, "bloated") as conn, Connection(settings, "steady") as steady:
        registered = await register_steady(steady)
        with pytest.raises(TooLarge, match="the registry keeps cards of at most"):
            await conn.request(REGISTRY, "register", bloated)
        flood = [conn.request(REGISTRY, "register", bloated) for _ in range(60)]
        outcomes, beats = await during_a_flood(steady, flood)

    assert all(isinstance(o, TooLarge) for o in outcomes), outcomes
    assert_renewed(beats, registered)
    assert await registry.store.get("bloated") is None
    assert registry.service.counts["too_large"] == 61


async def test_a_card_with_an_id_of_another_agent_is_forbidden_and_the_original_kept(
    settings, registry: Registry
) -> None:
    async with Connection(settings, "calculator") as conn:
        await conn.request(REGISTRY, "register", Register(card=make_card("calculator", "adds")))
    async with Connection(settings, "mallory") as conn:
        with pytest.raises(Forbidden, match="may not register the card of 'calculator'"):
            await conn.request(
                REGISTRY, "register", Register(card=make_card("calculator", "steals"))
            )
    row = await registry.store.get("calculator")
    assert row is not None and row.card.description == "adds"


@pytest.mark.parametrize("bad_id", ["a.b", "a b", "*", ">", "", "x" * 200, "ünïcode"])
async def test_a_card_id_that_is_not_subject_safe_is_invalid(
    settings, registry: Registry, bad_id: str
) -> None:
    error = await raw_request(
        settings, "sender", "register", {"card": {"id": bad_id, "name": "Bad"}}
    )
    assert error.code is ErrorCode.INVALID_MESSAGE and "card.id" in error.message


async def test_an_envelope_of_an_unknown_protocol_major_is_unsupported(
    settings, registry: Registry
) -> None:
    async with Connection(settings, "future") as conn:
        raw = Envelope.of(Heartbeat(), sender="future").to_dict() | {"protocol": "ioa/2"}
        msg = await conn.nc.request(
            conn.subjects.request("future", REGISTRY, "heartbeat"),
            json.dumps(raw).encode(),
            timeout=5,
        )
    reply = decode(msg.data)
    assert isinstance(reply.body, ErrorBody) and reply.body.code is ErrorCode.UNSUPPORTED_VERSION


async def test_a_card_that_speaks_no_version_of_ours_is_unsupported(
    settings, registry: Registry
) -> None:
    card = AgentCard(id="alien", name="Alien", protocol_versions=["ioa/7", "a2a/0.3"])
    async with Connection(settings, "alien") as conn:
        with pytest.raises(UnsupportedVersion, match="serves ioa/1 agents only"):
            await conn.request(REGISTRY, "register", Register(card=card))
        minor = AgentCard(id="alien", name="Alien", protocol_versions=["ioa/1.4"])
        assert isinstance(
            (await conn.request(REGISTRY, "register", Register(card=minor))).body, Lease
        )


async def test_a_flood_of_heartbeats_is_rate_limited_while_other_agents_are_served(
    settings, registry: Registry
) -> None:
    async with Connection(settings, "flooder") as conn:
        await conn.request(REGISTRY, "register", Register(card=make_card("flooder")))
    async with Connection(settings, "flooder") as flooder, Connection(settings, "steady") as steady:
        registered = await register_steady(steady)
        flood = [flooder.request(REGISTRY, "heartbeat", Heartbeat()) for _ in range(300)]
        outcomes, beats = await during_a_flood(steady, flood)

    limited = [o for o in outcomes if isinstance(o, RateLimited)]
    accepted = [o for o in outcomes if isinstance(o, Envelope)]
    assert len(limited) + len(accepted) == 300
    assert len(accepted) <= 5 and len(limited) >= 295
    assert "retry in" in str(limited[0])
    assert_renewed(beats, registered)
    row = await registry.store.get("steady")
    assert row is not None and row.online and row.expires_at > registered.expires_at
    assert registry.service.counts["rate_limited"] == len(limited)
