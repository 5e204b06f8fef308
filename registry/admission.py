"""Admission: administrators let agents onto a secured network and take them off.

``admit`` issues an agent's NATS credentials (permissions from
``protocol.permissions``) and provisions the JetStream parts its credentials may
use but not create: its inbox consumer and its handled-ids bucket. ``revoke``
marks its credentials revoked and removes its card; the operator then pushes the
account update that makes the server drop them (``ioa agents revoke`` does both).
Every admission and revocation is recorded (``registry_credential``) and logged.
"""

from datetime import UTC, datetime

import structlog

from protocol import permissions
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import Forbidden, NotFound
from protocol.inbox import provision
from protocol.kinds import Admit, Admitted, Revoke, Revoked
from protocol.service import Service
from registry.credentials import Issuer
from registry.events import StatusEvents
from registry.settings import RegistrySettings
from registry.store import Store

log = structlog.get_logger("ioa.registry.admission")


def issuer_from(settings: RegistrySettings) -> Issuer | None:
    if settings.admission_account and settings.admission_signing_key:
        return Issuer.from_file(settings.admission_account, settings.admission_signing_key)
    return None  # an open network


def route_admission(
    service: Service,
    conn: Connection,
    store: Store,
    events: StatusEvents,
    settings: RegistrySettings,
) -> None:
    """Add ``admit`` and ``revoke`` to the registry's service."""
    issuer = issuer_from(settings)

    def check_admin(env: Envelope[Admit] | Envelope[Revoke]) -> None:
        if env.sender not in settings.admins:
            raise Forbidden(
                f"{env.sender!r} may not {env.type} agents; only administrators may "
                f"({', '.join(settings.admins)})",
                in_reply_to=env.id,
            )
        if issuer is None:
            raise NotFound(
                "this network runs without NATS authentication, so there are no "
                "credentials to issue or revoke; agents connect as they are",
                in_reply_to=env.id,
            )

    @service.handler("admit")
    async def admit(env: Envelope[Admit]) -> Admitted:
        check_admin(env)
        assert issuer is not None
        agent = env.body.agent
        await provision(conn.js, conn.subjects, agent)
        issued = issuer.issue(agent, permissions.agent(conn.subjects, agent))
        await store.record_credential(agent, issued.public_key, issued_by=env.sender)
        log.warning("agent admitted", agent=agent, by=env.sender, public_key=issued.public_key)
        return Admitted(
            agent=agent,
            public_key=issued.public_key,
            creds=issued.creds,
            issued_at=datetime.now(UTC),
        )

    @service.handler("revoke")
    async def revoke(env: Envelope[Revoke]) -> Revoked:
        check_admin(env)
        agent = env.body.agent
        keys = await store.revoke_credentials(agent, env.sender, only=env.body.public_keys)
        if not env.body.public_keys:  # the agent leaves; a rotation keeps its card
            removed = await store.delete(agent)
            if removed is not None and removed.online:
                await events.announce(agent, online=False, reason="revoked")
        log.warning("agent revoked", agent=agent, by=env.sender, public_keys=keys)
        return Revoked(agent=agent, public_keys=keys)
