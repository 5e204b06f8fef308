"""The registry's request handlers: register, update, heartbeat, deregister, search, get_agent."""

from typing import Any

from protocol.connection import Connection
from protocol.envelope import MAJOR_VERSION, Envelope
from protocol.errors import (
    Forbidden,
    NotFound,
    RateLimited,
    TooLarge,
    Unavailable,
    UnsupportedVersion,
)
from protocol.inbox import provision
from protocol.kinds import (
    Ack,
    AgentCard,
    AgentInfo,
    Deregister,
    GetAgent,
    Heartbeat,
    Lease,
    Register,
    Search,
    SearchResults,
    Update,
)
from protocol.service import Service
from protocol.subjects import REGISTRY
from registry import __version__
from registry.admission import route_admission
from registry.batching import Batcher
from registry.events import StatusEvents
from registry.heartbeats import HeartbeatBatcher
from registry.limits import RateLimiter
from registry.search import Searcher
from registry.semantic import SemanticIndex
from registry.settings import RegistrySettings
from registry.store import AgentRow, LeaseChange, Store


def _lease(row: AgentRow) -> Lease:
    return Lease(agent=row.card.id, lease_seconds=row.lease_seconds, expires_at=row.expires_at)


def speaks_our_major(card: AgentCard) -> bool:
    """True when the card lists a protocol version of our major (``ioa/1``, ``ioa/1.3``)."""
    return any(
        v.startswith("ioa/") and v[4:].split(".", 1)[0] == str(MAJOR_VERSION)
        for v in card.protocol_versions
    )


def build_service(
    conn: Connection,
    store: Store,
    events: StatusEvents,
    settings: RegistrySettings,
    semantic: SemanticIndex | None = None,
) -> Service:
    """The registry :class:`Service` with every operation routed; enter it to serve."""
    service = Service(
        conn, REGISTRY, __version__, description="ioa registry: agent cards, leases, search"
    )
    heartbeats = HeartbeatBatcher(store)
    registrations: Batcher[tuple[AgentCard, float], LeaseChange] = Batcher(
        lambda items: store.register_many(items)
    )
    limiter = RateLimiter(settings.heartbeat_rate, settings.heartbeat_burst)
    searcher = Searcher(store, semantic, settings.semantic_min_similarity)

    def admit(env: Envelope[Register] | Envelope[Update]) -> AgentCard:
        """The envelope's card, if the registry may keep it for its sender now."""
        card = env.body.card
        if card.id != env.sender:
            # Only an agent may speak for its own card; the subject proves who sent it.
            raise Forbidden(
                f"{env.sender!r} may not {env.type} the card of {card.id!r}; "
                f"an agent may {env.type} its own card only",
                in_reply_to=env.id,
            )
        size = len(card.model_dump_json())
        if size > settings.max_card_bytes:
            raise TooLarge(
                f"the card has {size} bytes as JSON; the registry keeps cards of at most "
                f"{settings.max_card_bytes}",
                in_reply_to=env.id,
            )
        if not speaks_our_major(card):
            raise UnsupportedVersion(
                f"the card lists protocol versions {card.protocol_versions}; this registry "
                f"serves ioa/{MAJOR_VERSION} agents only",
                in_reply_to=env.id,
            )
        if not limiter.allow(env.sender):
            raise _rate_limited(limiter, env)
        return card

    @service.handler("register")
    async def register(env: Envelope[Register]) -> Lease:
        # All or nothing for the agent: a lease means the inbox is there, the card is
        # stored and the online event is out; otherwise a retryable error, and the retry
        # does what is missing (each step is idempotent).
        card = admit(env)
        if settings.secured:
            # Its credentials may use an inbox but not make one: make it first (credentials
            # issued offline need it). Until the chat service has made the inbox stream
            # this is a retryable ``unavailable``, and nothing is stored yet.
            await provision(conn.js, conn.subjects, card.id)
        change = await registrations.submit((card, env.body.lease_seconds))
        if semantic is not None:
            semantic.notify()
        if change.came_online:
            try:
                await events.announce(card.id, online=True, reason="registered", required=True)
            except Unavailable:
                # Back to offline, unannounced: the retry comes online again and announces
                # (were it left online, the retry would not come online, so never announce).
                await store.take_offline(card.id)
                raise
        return _lease(change.agent)

    @service.handler("update")
    async def update(env: Envelope[Update]) -> Lease:
        row = await store.update(admit(env))
        if row is None:
            raise NotFound(
                f"{env.sender!r} has no card here to update; register it first",
                in_reply_to=env.id,
            )
        if semantic is not None:
            semantic.notify()
        return _lease(row)

    @service.handler("heartbeat", starts_traces=False)
    async def heartbeat(env: Envelope[Heartbeat]) -> Lease:
        # Refused before any database work: a flooding agent costs a dict lookup.
        if not limiter.allow(env.sender):
            raise _rate_limited(limiter, env)
        renewal = await heartbeats.renew(env.sender)
        if renewal is None:
            raise NotFound(
                f"{env.sender!r} has no card here; register before sending heartbeats",
                in_reply_to=env.id,
            )
        if renewal.came_online:
            try:
                await events.announce(
                    env.sender, online=True, reason="heartbeat after lease expiry", required=True
                )
            except Unavailable:
                await store.take_offline(env.sender)  # as in register: the next one announces
                raise
        return Lease(
            agent=env.sender, lease_seconds=renewal.lease_seconds, expires_at=renewal.expires_at
        )

    @service.handler("deregister")
    async def deregister(env: Envelope[Deregister]) -> Ack:
        # Idempotent: deregistering twice (a retry) is not an error.
        removed = await store.delete(env.sender)
        if removed is not None and removed.online:
            await events.announce(env.sender, online=False, reason="deregistered")
        return Ack()

    @service.handler("search")
    async def search(env: Envelope[Search]) -> SearchResults:
        return SearchResults(hits=await searcher.search(env.body))

    @service.handler("get_agent")
    async def get_agent(env: Envelope[GetAgent]) -> AgentInfo:
        row = await store.get(env.body.agent)
        if row is None:
            raise NotFound(f"no agent {env.body.agent!r} is registered", in_reply_to=env.id)
        return AgentInfo(card=row.card, online=row.online, last_seen=row.last_seen)

    route_admission(service, conn, store, events, settings)
    return service


def _rate_limited(limiter: RateLimiter, env: Envelope[Any]) -> RateLimited:
    wait = limiter.retry_after(env.sender)
    return RateLimited(
        f"{env.sender!r} sends too often (at most {limiter.burst:g} at once, then "
        f"{limiter.rate:g}/s); retry in {wait:.1f}s",
        in_reply_to=env.id,
    )


__all__ = ["build_service", "speaks_our_major"]
