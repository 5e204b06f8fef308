"""Bad input gets its typed error, and the registry goes on serving everyone else."""

import asyncio
import json

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


async def test_an_oversized_card_is_too_large(settings, registry: Registry) -> None:
    huge = [
        Skill(id=f"s{n}", name=f"Skill {n}", description="x" * 3000, tags=["t"]) for n in range(40)
    ]
    async with Connection(settings, "bloated") as conn:
        with pytest.raises(TooLarge, match="the registry keeps cards of at most"):
            await conn.request(REGISTRY, "register", Register(card=make_card("bloated", "", *huge)))
    assert await registry.store.get("bloated") is None


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


async def test_a_flood_of_heartbeats_is_rate_limited_without_slowing_other_agents(
    settings, registry: Registry
) -> None:
    for agent in ("flooder", "steady"):
        async with Connection(settings, agent) as conn:
            await conn.request(REGISTRY, "register", Register(card=make_card(agent)))
    async with Connection(settings, "flooder") as flooder, Connection(settings, "steady") as steady:
        flood = [flooder.request(REGISTRY, "heartbeat", Heartbeat()) for _ in range(300)]
        outcomes = await asyncio.gather(*flood, return_exceptions=True)
        loop = asyncio.get_running_loop()
        started = loop.time()
        steady_reply = await steady.request(REGISTRY, "heartbeat", Heartbeat())
        steady_seconds = loop.time() - started

    limited = [o for o in outcomes if isinstance(o, RateLimited)]
    accepted = [o for o in outcomes if isinstance(o, Envelope)]
    assert len(limited) + len(accepted) == 300
    assert len(accepted) <= 5 and len(limited) >= 295
    assert "retry in" in str(limited[0])
    assert isinstance(steady_reply.body, Lease)
    assert steady_seconds < 0.5
    assert registry.service.counts["rate_limited"] >= 295
