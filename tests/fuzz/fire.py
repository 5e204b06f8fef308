"""Send bad messages at one subject and tally what came back.

A request subject must answer each with an ``error`` envelope (the tally keeps its
code); one sent without a reply subject cannot be answered and is counted by the
service instead. Inbox and event subjects answer nobody: the consumer counts what
it dropped, the tally only says how many were sent.
"""

import asyncio
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeout

from protocol.connection import flush
from protocol.envelope import decode
from protocol.errors import IoaError
from protocol.kinds import ErrorBody
from tests.fuzz.junk import Piece

# One in this many requests goes out without a reply subject.
UNANSWERABLE_EVERY = 10


@dataclass(slots=True)
class Tally:
    """What one subject got and what it answered."""

    subject: str
    sent: int = 0
    unanswerable: int = 0  # sent without a reply subject
    answers: Counter[str] = field(default_factory=Counter)  # error codes; "accepted:<type>"
    unreadable: list[bytes] = field(default_factory=list)  # answers that did not decode
    no_answer: list[str] = field(default_factory=list)  # defects of requests that timed out
    defects: Counter[str] = field(default_factory=Counter)

    @property
    def answered(self) -> int:
        return sum(self.answers.values()) + len(self.unreadable)

    @property
    def accepted(self) -> dict[str, int]:
        return {k: v for k, v in self.answers.items() if k.startswith("accepted:")}


Make = Callable[[], tuple[str, Piece]]


async def requests(
    nc: Client, label: str, make: Make, count: int, *, in_flight: int = 32, timeout: float = 30
) -> Tally:
    """``count`` bad requests, ``in_flight`` at a time; ``make`` gives each its subject.

    Each is made just before it is sent: made all at once, 10,000 of them (some of
    hundreds of KB) would hold the event loop, and the services in it, for seconds."""
    tally = Tally(label)
    numbers = iter(range(count))

    async def worker() -> None:
        for n in numbers:
            subject, piece = make()
            tally.sent += 1
            tally.defects[piece.defect] += 1
            if n % UNANSWERABLE_EVERY == UNANSWERABLE_EVERY - 1:
                tally.unanswerable += 1
                await nc.publish(subject, piece.data, headers=piece.headers)
                continue
            try:
                msg = await nc.request(subject, piece.data, timeout=timeout, headers=piece.headers)
            except NatsTimeout:
                tally.no_answer.append(piece.defect)
                continue
            try:
                reply = decode(msg.data)
            except IoaError:
                tally.unreadable.append(msg.data[:200])
                continue
            if isinstance(reply.body, ErrorBody):
                tally.answers[reply.body.code] += 1
            else:
                tally.answers[f"accepted:{reply.type}:{piece.defect}"] += 1

    await asyncio.gather(*(worker() for _ in range(in_flight)))
    await flush(nc)
    return tally


Publish = Callable[..., Awaitable[Any]]
CaughtUp = Callable[[int], Awaitable[None]]


async def published(
    publish: Publish, label: str, make: Make, count: int, *, caught_up: CaughtUp, chunk: int = 250
) -> Tally:
    """``count`` bad messages for subjects that answer nobody (inboxes, events), each sent
    with ``publish(subject, data, headers=...)``, ``chunk`` at a time: after each chunk,
    ``caught_up(sent)`` waits until the consumer has counted them. Sent as fast as NATS
    takes them, 10,000 messages of up to ~800 KB outrun a busy reader, and nats-server
    cuts a reader off as a slow consumer (its protection; what a core subscription
    misses meanwhile is lost): that is load, not bad input, and not what this measures."""
    tally = Tally(label)
    for n in range(count):
        subject, piece = make()
        await publish(subject, piece.data, headers=piece.headers)
        tally.sent += 1
        tally.defects[piece.defect] += 1
        if tally.sent % chunk == 0 or n == count - 1:
            await caught_up(tally.sent)
    return tally


async def micro(nc: Client, subject: str, payload: Callable[[], bytes], count: int) -> Tally:
    """``count`` requests with junk payloads on a ``$SRV`` subject; every answer must be the
    micro framework's own response (it reads no payload), counted by its ``type``."""
    tally = Tally(subject)
    for _ in range(count):
        tally.sent += 1
        try:
            msg = await nc.request(subject, payload(), timeout=10)
        except NatsTimeout:
            tally.no_answer.append("junk payload")
            continue
        try:
            kind = json.loads(msg.data)["type"]
        except (ValueError, KeyError, TypeError):
            tally.unreadable.append(msg.data[:200])
            continue
        tally.answers[kind] += 1
    return tally
