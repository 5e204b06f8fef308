"""The gateway's admin door on a secured network: an admin key admits an agent whose
credentials then work (and only for it); a user's key is refused; keys are made and
revoked, revocation takes effect at once; every action and refusal is in the audit log."""

import asyncio
from pathlib import Path

import httpx
import nats
import nats.errors

from gateway import keys
from protocol.connection import flush
from protocol.subjects import GATEWAY
from registry.credentials import IssuedCredentials, write_creds
from tests.gateway.conftest import bearer, gateway_for, running_gateway
from tests.security.network import secured_network
from tests.support.scripted_llm import Script
from tests.support.secured import SecuredNats


async def test_an_admin_key_admits_agents_and_manages_keys_and_everything_is_audited(
    server: SecuredNats, tmp_path: Path
) -> None:
    async with secured_network(server, "ioa.v1", tmp_path, Script(rules=[])) as net:
        settings = gateway_for(server.url, "ioa.v1", tmp_path, nats_creds=net.creds[GATEWAY])
        engine = keys.open_engine(settings.database_url)
        _, admin_key = keys.create_key(engine, "root", admin=True)
        _, user_key = keys.create_key(engine, "alice")
        async with (
            running_gateway(settings) as url,
            httpx.AsyncClient(base_url=url, headers=bearer(admin_key)) as admin,
            httpx.AsyncClient(base_url=url, headers=bearer(user_key)) as alice,
        ):
            refused = await alice.post("/v1/admin/agents/newcomer/admission")
            admitted = await admin.post("/v1/admin/agents/newcomer/admission")
            bad_id = await admin.post("/v1/admin/agents/has.dots/admission")

            made = await admin.post("/v1/admin/keys", json={"name": "bob"})
            bob_key = made.json()["key"]
            bob_before = await alice.get("/v1/conversations", headers=bearer(bob_key))
            gone = await admin.delete(f"/v1/admin/keys/{made.json()['id']}")
            bob_after = await alice.get("/v1/conversations", headers=bearer(bob_key))
            trail = (await admin.get("/v1/admin/audit")).json()
            user_reads_audit = await alice.get("/v1/admin/audit")

        body = admitted.json()
        creds = write_creds(
            tmp_path / "newcomer.creds",
            IssuedCredentials("newcomer", body["public_key"], body["creds"]),
        )
        errors: list[str] = []

        async def collect(exc: Exception) -> None:
            errors.append(str(exc))

        nc = await nats.connect(
            server.url, user_credentials=str(creds), error_cb=collect, inbox_prefix="_INBOX.x"
        )
        try:
            await nc.publish("ioa.v1.from.newcomer.registry.heartbeat", b"{}")
            await nc.publish("ioa.v1.from.calculator.registry.heartbeat", b"{}")
            await flush(nc)
            await asyncio.sleep(0.3)  # the -ERR's callback runs as a task of its own
        finally:
            await nc.close()

    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert admitted.status_code == 201 and body["agent"] == "newcomer"
    assert "BEGIN NATS USER JWT" in body["creds"]
    assert bad_id.status_code == 422
    # Its credentials speak for it, and only for it.
    assert len(errors) == 1
    assert "permissions violation" in errors[0] and "from.calculator" in errors[0]
    assert made.status_code == 201 and made.json()["user"] == "user:bob"
    assert bob_before.status_code == 200
    assert gone.status_code == 204 and bob_after.status_code == 401
    assert user_reads_audit.status_code == 403
    actions = [(e["actor"], e["action"], e["target"], e["outcome"]) for e in trail]
    assert ("user:root", "admit agent", "newcomer", "done") in actions
    assert ("user:root", "create key", "user:bob", "done") in actions
    assert ("user:root", "revoke key", made.json()["id"], "done") in actions
    assert ("user:alice", "admin access", "-", "refused") in actions
