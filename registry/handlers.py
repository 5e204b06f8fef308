"""The registry's request handlers: register, heartbeat, deregister, search, get_agent."""

from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import Forbidden, NotFound
from protocol.kinds import (
    Ack,
    AgentInfo,
    Deregister,
    GetAgent,
    Heartbeat,
    Lease,
    Register,
    Search,
    SearchResults,
)
from protocol.service import Service
from protocol.subjects import REGISTRY
from registry import __version__
from registry.events import StatusEvents
from registry.search import Candidate, rank
from registry.store import LeaseChange, Store


def _lease(change: LeaseChange) -> Lease:
    row = change.agent
    return Lease(agent=row.card.id, lease_seconds=row.lease_seconds, expires_at=row.expires_at)


def build_service(conn: Connection, store: Store, events: StatusEvents) -> Service:
    """The registry :class:`Service` with every operation routed; enter it to serve."""
    service = Service(
        conn, REGISTRY, __version__, description="ioa registry: agent cards, leases, search"
    )

    @service.handler("register")
    async def register(env: Envelope[Register]) -> Lease:
        card = env.body.card
        if card.id != env.sender:
            # Only an agent may speak for its own card; the subject proves who sent it.
            raise Forbidden(
                f"{env.sender!r} may not register the card of {card.id!r}; "
                "an agent registers its own card only",
                in_reply_to=env.id,
            )
        change = await store.register(card, env.body.lease_seconds)
        if change.came_online:
            await events.announce(card.id, online=True, reason="registered")
        return _lease(change)

    @service.handler("heartbeat")
    async def heartbeat(env: Envelope[Heartbeat]) -> Lease:
        change = await store.renew(env.sender)
        if change is None:
            raise NotFound(
                f"{env.sender!r} has no card here; register before sending heartbeats",
                in_reply_to=env.id,
            )
        if change.came_online:
            await events.announce(env.sender, online=True, reason="heartbeat after lease expiry")
        return _lease(change)

    @service.handler("deregister")
    async def deregister(env: Envelope[Deregister]) -> Ack:
        # Idempotent: deregistering twice (a retry) is not an error.
        removed = await store.delete(env.sender)
        if removed is not None and removed.online:
            await events.announce(env.sender, online=False, reason="deregistered")
        return Ack()

    @service.handler("search")
    async def search(env: Envelope[Search]) -> SearchResults:
        rows = await store.candidates(online_only=env.body.online_only)
        hits = rank((Candidate(row.card, row.online) for row in rows), env.body)
        return SearchResults(hits=hits)

    @service.handler("get_agent")
    async def get_agent(env: Envelope[GetAgent]) -> AgentInfo:
        row = await store.get(env.body.agent)
        if row is None:
            raise NotFound(f"no agent {env.body.agent!r} is registered", in_reply_to=env.id)
        return AgentInfo(card=row.card, online=row.online, last_seen=row.last_seen)

    return service


__all__ = ["build_service"]
