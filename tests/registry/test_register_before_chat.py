"""Registration is all or nothing (issue 26). The registry up, the chat service not yet:
admission and a first ``register`` answer a typed, retryable ``unavailable`` and leave
nothing half done; once the chat service is up, the same requests again complete every
step. The same when the online event cannot be published (at a register, or at a
heartbeat that brings an expired agent back)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from nats.js.errors import NotFoundError

from protocol import permissions
from protocol.connection import Connection
from protocol.envelope import Envelope, decode
from protocol.errors import Unavailable
from protocol.inbox import consumer_name, handled_bucket
from protocol.kinds import Admit, AgentCard, AgentStatus, Heartbeat, Lease, Register
from protocol.settings import NatsSettings, ServiceSettings
from protocol.streams import ensure_stream, event_stream, inbox_stream
from protocol.subjects import ADMIN, CHAT, REGISTRY, Subjects
from registry.app import Registry
from registry.app import serve as serve_registry
from registry.credentials import write_creds
from registry.settings import RegistrySettings
from services.chat.app import serve as serve_chat
from services.chat.settings import ChatSettings
from tests.registry.conftest import make_card
from tests.support.secured import SecuredNats, secured_nats

pytestmark = pytest.mark.timeout(60)

ROOT = "late.ioa.v1"
AGENT = "early-agent"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredNats]:
    with secured_nats(tmp_path_factory.mktemp("secured")) as nats:
        yield nats


async def online_events(conn: Connection, agent: str) -> list[str]:
    """The reasons of every online event about ``agent`` in the events stream."""
    js, subjects = conn.js, conn.subjects
    stream = event_stream(subjects).name
    subject = subjects.event("agent", "online")
    reasons: list[str] = []
    seq = 1
    while True:
        try:
            msg = await js.get_msg(stream, seq, subject=subject, next=True)
        except NotFoundError:
            break
        env = decode(msg.data or b"")
        if isinstance(env.body, AgentStatus) and env.body.agent == agent:
            reasons.append(env.body.reason)
        seq = (msg.seq or seq) + 1
    return reasons


async def has_inbox(conn: Connection, agent: str) -> bool:
    try:
        await conn.js.consumer_info(inbox_stream(conn.subjects).name, consumer_name(agent))
    except NotFoundError:
        return False
    await conn.js.key_value(handled_bucket(conn.subjects, agent))  # made with it
    return True


async def test_admit_and_register_before_chat_are_unavailable_and_a_retry_completes(
    server: SecuredNats, tmp_path: Path
) -> None:
    creds = server.service_creds(ROOT)

    def settings(role: str) -> dict[str, Any]:
        return {"nats_url": server.url, "subject_root": ROOT, "nats_creds": creds[role]}

    # Credentials issued offline ('ioa auth init'): the registry has never seen the agent.
    issued = server.authority.issuer().issue(AGENT, permissions.agent(Subjects(ROOT), AGENT))
    agent_creds = write_creds(tmp_path / f"{AGENT}.creds", issued)
    agent_settings = NatsSettings(nats_url=server.url, subject_root=ROOT, nats_creds=agent_creds)
    registry = RegistrySettings(
        **settings(REGISTRY),
        database_url=f"sqlite:///{tmp_path}/registry.db",
        admission_account=server.authority.account_key,
        admission_signing_key=server.authority.signing_seed_file,
    )
    register = Envelope.of(Register(card=AgentCard(id=AGENT, name="Early")), sender=AGENT)
    admit = Envelope.of(Admit(agent="admitted-early"), sender=ADMIN)
    async with (
        serve_registry(registry) as running,
        Connection(ServiceSettings(**settings(ADMIN)), ADMIN) as admin,
        Connection(agent_settings, AGENT) as agent,
    ):
        with pytest.raises(Unavailable, match="Start the chat service, then ask again"):
            await admin.send(REGISTRY, "admit", admit)
        with pytest.raises(Unavailable, match="Start the chat service, then ask again"):
            await agent.send(REGISTRY, "register", register)
        # Nothing half done: no card, no inbox, no online event, nothing internal.
        assert await running.store.get(AGENT) is None
        assert not await has_inbox(running.conn, AGENT)
        assert await online_events(running.conn, AGENT) == []
        assert running.service.counts["internal"] == 0

        async with serve_chat(ChatSettings(**settings(CHAT))):
            # The same envelopes again, as the SDK's retry sends them.
            reply = await agent.send(REGISTRY, "register", register)
            assert isinstance(reply.body, Lease)
            assert await has_inbox(running.conn, AGENT)
            row = await running.store.get(AGENT)
            assert row is not None and row.online
            assert await online_events(running.conn, AGENT) == ["registered"]
            admitted = await admin.send(REGISTRY, "admit", admit)
            assert admitted.body.agent == "admitted-early"
            assert await has_inbox(running.conn, "admitted-early")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_register_whose_online_event_fails_stays_offline_and_the_retry_announces(
    settings: ServiceSettings, registry: Registry
) -> None:
    js, subjects = registry.conn.js, registry.conn.subjects
    await js.delete_stream(event_stream(subjects).name)  # JetStream cannot take the event
    register = Envelope.of(Register(card=make_card("flaky")), sender="flaky")
    async with Connection(settings, "flaky") as agent:
        with pytest.raises(Unavailable, match="could not announce"):
            # A publish to no stream may wait out JetStream's own timeout (5 s) first.
            await agent.send(REGISTRY, "register", register, timeout=15)
        row = await registry.store.get("flaky")
        assert row is not None and not row.online  # not found by a search of online agents

        await ensure_stream(js, event_stream(subjects))
        reply = await agent.send(REGISTRY, "register", register)
    assert isinstance(reply.body, Lease)
    row = await registry.store.get("flaky")
    assert row is not None and row.online
    # Once in the stream, which observers read (a core subscriber also saw the attempt
    # that JetStream did not store).
    assert await online_events(registry.conn, "flaky") == ["registered"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_heartbeat_after_expiry_whose_online_event_fails_leaves_it_offline(
    settings: ServiceSettings, registry: Registry
) -> None:
    js, subjects = registry.conn.js, registry.conn.subjects
    async with Connection(settings, "napper") as agent:
        await agent.request(
            REGISTRY, "register", Register(card=make_card("napper"), lease_seconds=10)
        )
        # Its lease runs out (as the sweeper finds a minute later).
        assert await registry.store.expire(datetime.now(UTC) + timedelta(minutes=1)) == ["napper"]
        await js.delete_stream(event_stream(subjects).name)
        with pytest.raises(Unavailable, match="could not announce"):
            await agent.request(REGISTRY, "heartbeat", Heartbeat(), timeout=15)
        row = await registry.store.get("napper")
        assert row is not None and not row.online

        await ensure_stream(js, event_stream(subjects))
        await agent.request(REGISTRY, "heartbeat", Heartbeat())
    row = await registry.store.get("napper")
    assert row is not None and row.online
    assert await online_events(registry.conn, "napper") == ["heartbeat after lease expiry"]
