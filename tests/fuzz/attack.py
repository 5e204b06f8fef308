"""The fuzz run's attack: bad messages at every subject a service listens on, family by
family, with what each consumer counted; and the state the attack must leave alone."""

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext

from protocol.connection import Connection, flush
from protocol.errors import ErrorCode
from protocol.inbox import Inbox
from protocol.kinds import (
    AgentCard,
    ConversationState,
    GetConversation,
    GetGroup,
    GroupInfo,
    History,
    HistoryPage,
    LoggedMessage,
)
from protocol.service import Service
from tests.fuzz import fire
from tests.fuzz.fire import Tally
from tests.fuzz.junk import Junk, Piece
from tests.fuzz.network import Network

# Real identities of the network, and one stranger: bad input comes "from" each of them.
SENDERS = ("calculator", "coordinator", "gateway", "user:fuzz", "mallory")


@dataclass(slots=True)
class Snapshot:
    cards: dict[str, AgentCard]
    group: GroupInfo
    log: list[LoggedMessage]
    conversation: ConversationState


async def snapshot(net: Network, conn: Connection, conversation: str, group: str) -> Snapshot:
    rows = await net.registry.store.candidates(online_only=False)
    info = (await conn.request("chat", "get_group", GetGroup(group=group))).body
    page: HistoryPage = (await conn.request("chat", "history", History(group=group))).body
    state = (
        await conn.request("coordinator", "get", GetConversation(conversation=conversation))
    ).body
    return Snapshot({r.card.id: r.card for r in rows}, info, page.messages, state)


@dataclass(slots=True)
class Run:
    """What the attack sent and what came of it."""

    net: Network
    per_subject: int
    requests: dict[str, Tally] = field(default_factory=dict)  # by "service.op"
    served: dict[str, Counter[str]] = field(default_factory=dict)  # counts' change, by service
    inboxes: dict[str, int] = field(default_factory=dict)  # sent, by owner
    inbox_counts: dict[str, Counter[str]] = field(default_factory=dict)  # their change
    events: dict[str, int] = field(default_factory=dict)  # deliveries to readers, by consumer
    dropped_events: dict[str, int] = field(default_factory=dict)
    micro: dict[str, Tally] = field(default_factory=dict)
    before: Snapshot | None = None
    after: Snapshot | None = None
    alongside: list[ConversationState] = field(default_factory=list)
    afterwards: ConversationState | None = None
    feed: list[dict[str, Any]] = field(default_factory=list)  # the open conversation's SSE
    user_feed: list[dict[str, Any]] = field(default_factory=list)  # /v1/events
    kept: ConversationState | None = None  # the open conversation's final state
    mine: set[str] = field(default_factory=set)  # the conversations started as the user


async def settle(check: Callable[[], bool], seconds: float) -> None:
    """Wait until ``check()`` holds or ``seconds`` pass (the assertions say which)."""
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)


SERVICES = ("registry", "chat", "coordinator")


def services_of(net: Network) -> dict[str, Service]:
    return {
        "registry": net.registry.service,
        "chat": net.chat.service,
        "coordinator": net.coordinator.service,
    }


async def attack_service(
    run: Run, nc: Client, junk: Junk, rng: random.Random, name: str, service: Service
) -> None:
    """Every operation, one it does not have, and subjects with tokens after the operation."""
    subjects = run.net.settings.subjects
    before = Counter(service.counts)
    ops = {op: tuple(cls.KIND for cls in route.takes) for op, route in service.routes.items()}
    ops["no_such_op"] = ()
    for op, takes in ops.items():

        def make(op: str = op, takes: tuple[str, ...] = takes) -> tuple[str, Piece]:
            sender = rng.choice(SENDERS)
            return subjects.request(sender, name, op), junk.request(sender, takes)

        run.requests[f"{name}.{op}"] = await fire.requests(
            nc, f"{name}.{op}", make, run.per_subject
        )

    def malformed() -> tuple[str, Piece]:
        sender = rng.choice(SENDERS)
        op = rng.choice(["post.extra", "a.b.c", "get.>x", "x.y"])  # tokens after the op
        return subjects.request(sender, name, op), junk.request(sender, ())

    label = f"{name}.<malformed subject>"
    run.requests[label] = await fire.requests(nc, label, malformed, run.per_subject)
    sent = sum(t.sent for k, t in run.requests.items() if k.startswith(f"{name}."))
    # Only the bad requests end in errors (the good ones alongside do not): wait for them all.
    await settle(lambda: errors(Counter(service.counts) - before) >= sent, 30)
    run.served[name] = Counter(service.counts) - before


def errors(counts: Counter[str]) -> int:
    return sum(counts[code.value] for code in ErrorCode)


async def attack_inbox(
    run: Run, js: JetStreamContext, junk: Junk, rng: random.Random, owner: str, inbox: Inbox
) -> None:
    subjects, group = run.net.settings.subjects, junk.ids["group"]
    before = Counter(inbox.counts)

    def make() -> tuple[str, Piece]:
        below = rng.choice([(), ("group", group), ("invite",)])
        return subjects.inbox(owner, *below), junk.delivery()

    async def caught_up(sent: int) -> None:
        await settle(lambda: inbox.counts["dropped"] - before["dropped"] >= sent, 15)

    tally = await fire.published(js.publish, owner, make, run.per_subject, caught_up=caught_up)
    run.inboxes[owner] = tally.sent
    run.inbox_counts[owner] = Counter(inbox.counts) - before


async def attack_events(
    run: Run, nc: Client, junk: Junk, consumer: str, subject: str, conn: Connection, readers: int
) -> None:
    """Bad events on ``subject``, which ``readers`` subscriptions of ``conn`` read."""
    before = conn.events_dropped

    def make() -> tuple[str, Piece]:
        return subject, junk.delivery()

    async def caught_up(sent: int) -> None:
        await flush(nc)
        await settle(lambda: conn.events_dropped - before >= sent * readers, 15)

    tally = await fire.published(nc.publish, subject, make, run.per_subject, caught_up=caught_up)
    run.events[consumer] = tally.sent * readers
    run.dropped_events[consumer] = conn.events_dropped - before


def micro_subjects(net: Network) -> list[str]:
    """``$SRV.<verb>``, and ``.<service>`` and ``.<service>.<instance>`` below it."""
    subjects = []
    for verb in ("PING", "INFO", "STATS"):
        subjects.append(f"$SRV.{verb}")
        for service in services_of(net).values():
            assert service._micro is not None
            by_name = f"$SRV.{verb}.{service.name}"
            subjects += [by_name, f"{by_name}.{service._micro.id}"]
    return subjects


async def attack(run: Run, junk: Junk, kept: str) -> None:
    """Send the bad messages, subject after subject."""
    net = run.net
    rng = random.Random(junk.seed)
    nc = await nats.connect(net.settings.nats_url)
    try:
        for name, service in services_of(net).items():
            await attack_service(run, nc, junk, rng, name, service)
        inboxes = {
            "coordinator": net.coordinator.inbox,
            "calculator": net.calculator._inbox,  # the SDK's, as every agent has
        }
        for owner, inbox in inboxes.items():
            await attack_inbox(run, nc.jetstream(), junk, rng, owner, inbox)
        subjects = net.settings.subjects
        await attack_events(
            run, nc, junk, "coordinator", subjects.event("agent", "offline"),
            net.coordinator.service.conn, readers=1,
        )  # fmt: skip
        # The open conversation's feed and the user's feed both read its events.
        await settle(lambda: bool(run.user_feed), 10)
        await attack_events(
            run, nc, junk, "gateway", subjects.event("conversation", kept), net.gateway.conn,
            readers=2,
        )  # fmt: skip
        for subject in micro_subjects(net):
            run.micro[subject] = await fire.micro(nc, subject, junk.payload, run.per_subject)
    finally:
        await nc.drain()
