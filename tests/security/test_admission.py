"""Admission and revocation on a real operator-mode nats-server: revoked credentials
stop working at once (open connections are closed, new ones refused), rotation keeps
the agent on the network with new credentials, and every step is on record."""

import asyncio
from pathlib import Path

import nats
import nats.errors
import pytest
from sqlalchemy import create_engine, text

from ioa.admission import Network, revoke
from protocol.connection import Connection
from protocol.errors import NotFound
from protocol.kinds import AgentCard, GetAgent, Register
from protocol.settings import NatsSettings
from protocol.subjects import ADMIN, REGISTRY
from tests.security.network import SecuredNetwork, secured_network
from tests.support.scripted_llm import Script
from tests.support.secured import SecuredNats


def admin_network(net: SecuredNetwork) -> Network:
    settings = NatsSettings(
        nats_url=net.nats.url, subject_root=net.root, nats_creds=net.creds[ADMIN]
    )
    return Network(net.nats.folder, settings)


async def connect(url: str, creds: Path, closed: asyncio.Event | None = None) -> nats.NATS:
    async def on_closed() -> None:
        if closed is not None:
            closed.set()

    async def quiet(exc: Exception) -> None:
        pass

    return await nats.connect(
        url,
        user_credentials=str(creds),
        closed_cb=on_closed,
        error_cb=quiet,
        max_reconnect_attempts=0,
        allow_reconnect=False,
    )


async def test_revoked_credentials_are_cut_off_and_a_rotation_keeps_the_agent_on(
    server: SecuredNats, tmp_path: Path
) -> None:
    async with secured_network(server, "ioa.v1", tmp_path, Script(rules=[])) as net:
        old = (await net.admit("temp")).rename(tmp_path / "old.creds")
        old_key = net.public_keys["temp"]
        settings = NatsSettings(**net.settings(old))
        async with Connection(settings, "temp") as temp:
            await temp.request(REGISTRY, "register", Register(card=AgentCard(id="temp", name="T")))

        # Rotation: new credentials first, then only the old ones are revoked.
        new = await net.admit("temp")
        closed = asyncio.Event()
        held = await connect(server.url, old, closed)
        assert await revoke(admin_network(net), "temp", [old_key]) == [old_key]
        await asyncio.wait_for(closed.wait(), 10)
        with pytest.raises(nats.errors.Error):
            await connect(server.url, old)
        async with Connection(NatsSettings(**net.settings(new)), "temp") as rotated:
            still = await rotated.request(REGISTRY, "get_agent", GetAgent(agent="temp"))
        assert still.body.card.id == "temp"  # a rotation keeps the card

        # Revoking all of them takes the agent off the network.
        revoked = await revoke(admin_network(net), "temp", [])
        assert set(revoked) == {old_key, net.public_keys["temp"]}
        with pytest.raises(nats.errors.Error):
            await connect(server.url, new)
        async with net.connection(ADMIN) as admin:
            with pytest.raises(NotFound):
                await admin.request(REGISTRY, "get_agent", GetAgent(agent="temp"))
        await held.close()

    with create_engine(f"sqlite:///{tmp_path}/registry.db").connect() as db:
        audit = db.execute(
            text(
                "SELECT issued_by, revoked_by FROM registry_credential "
                "WHERE agent_id = 'temp' ORDER BY issued_at"
            )
        ).all()
    assert [tuple(row) for row in audit] == [(ADMIN, ADMIN), (ADMIN, ADMIN)]
