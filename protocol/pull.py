"""Reading a durable JetStream pull consumer: the part every reader does the same way.

Inboxes (``inbox.py``), the chat service's fan-out and the coordinator's agent-offline
events each read a durable consumer until they stop. How messages are asked for, what
a reader does when nothing comes or NATS is out of reach, and how it lets go of what
it holds, is the same for all of them, and is here.
"""

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js.api import DEFAULT_PREFIX, ConsumerInfo, Header, StatusCode

log = structlog.get_logger("ioa.pull")

WAIT_SECONDS = 1.0
"""How long one ``Reader.next`` waits for a message: a reader notices it should stop
this fast."""
OUTAGE_PAUSE = 0.5
"""How long a reader waits before asking again after NATS refused or failed it."""
PULL_EXPIRES = 1.0
"""Seconds one pull request waits on the server before it expires and is renewed.
Short on purpose: a request whose reader is gone (a killed process) stays on the server
until it expires, and a redelivery nats-server tries on such a request goes to the end
of its queue, out of order. A second is what nats-py's ``fetch`` gave, and is
below every ack wait the services use; when busy, requests are used up long before."""
RENEW_AFTER = 0.75
"""A live reader asks again when its newest request has run this share of its time, so
that another live request always waits behind one that expires: a redelivery the server
tries at the moment a request expires goes to the end of its queue if no other live
request is there."""
EXPIRY_MARGIN = 0.25
"""Seconds past its expiry after which a request is surely gone from the server."""


@dataclass(slots=True)
class _Leftovers:
    """Messages a consumer had sent to an earlier reader that did not acknowledge them
    (it stopped or died holding them). They come again, and newer ones wait behind them."""

    last: int  # the stream sequence of the newest message the consumer had sent
    count: int  # how many of them have not come again yet
    until: float  # loop time after which they are no longer waited for
    held: list[Msg] = field(default_factory=list)  # what came meanwhile, leftovers too
    check_at: float = 0.0  # when to ask the consumer whether they were acked elsewhere


def _stream_seq(msg: Msg) -> int:
    return msg.metadata.sequence.stream or 0


class Reader:
    """Read a durable pull consumer continuously, the way NATS's newer clients consume.

    A pull request for up to ``batch`` messages is kept waiting on the server and
    topped up when half of it is used, so a message is pushed to the reader as soon as
    it is stored. Asking per batch instead (``fetch``) costs a round trip and a status
    message per batch, and nats-py's fetch makes a task, a timer and a UUID for every
    message it returns. At most ``batch`` messages are asked for or held here at once
    (twice that for a moment while a request is renewed, or after a reconnect, when
    requests made on the old connection may still be waiting on the server).
    """

    def __init__(
        self,
        nc: Client,
        stream: str,
        durable: str,
        *,
        batch: int,
        expires: float = PULL_EXPIRES,
    ) -> None:
        self._nc = nc
        self._stream, self._durable = stream, durable
        self._next = f"{DEFAULT_PREFIX}.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._batch = batch
        self._expires = expires
        self._arrived: deque[Msg] = deque()
        self._woken = asyncio.Event()
        self._requested = 0  # asked for and neither delivered nor expired yet
        self._heard = 0.0  # when the server last sent anything (loop time)
        self._refused = False  # the last status was an error: pause before asking again
        self._reconnects = 0  # the connection's count when the requests were made
        self._asked_at = 0.0  # when the newest request was made (loop time)
        self._sub: Subscription | None = None
        self._leftovers: _Leftovers | None = None

    async def start(self, *, leftovers_of: ConsumerInfo | None = None) -> "Reader":
        """``leftovers_of``: the consumer as the caller found it just before. When it has
        messages out that an earlier reader did not acknowledge (it stopped or died holding
        them), newer ones are held back until those have come again, so that this reader
        reads in stream order. Those an earlier reader handed back (:meth:`give_back`) come
        at once; those a dead one held come after the consumer's ack wait, so that is the
        longest newer ones wait."""
        loop = asyncio.get_running_loop()
        info = leftovers_of
        if info is not None and info.num_ack_pending:
            self._leftovers = _Leftovers(
                last=(info.delivered.stream_seq or 0) if info.delivered else 0,
                count=info.num_ack_pending,
                until=loop.time() + (info.config.ack_wait or 30.0) + EXPIRY_MARGIN,
                check_at=loop.time() + WAIT_SECONDS,
            )
            log.info(
                "waiting for unacknowledged messages before newer ones",
                consumer=self._durable,
                count=info.num_ack_pending,
            )
        self._sub = await self._nc.subscribe(self._nc.new_inbox(), cb=self._on_message)
        self._heard = loop.time()
        return self

    async def stop(self) -> None:
        """Stop reading at once. Messages that arrived and were not taken come back after
        the consumer's ack wait, in order among themselves but behind what another reader
        got meanwhile; :meth:`give_back` hands them back in order at once. (Handing them
        back with a nak right away would reorder them: nats-server puts a redelivery it
        finds no live request for at the end of its queue, and the request this reader
        leaves behind is only found dead when it expires, see ``PULL_EXPIRES``.)"""
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None
        self._arrived.clear()
        self._leftovers = None

    async def drain(self) -> list[Msg]:
        """Stop reading, and return what arrived and was not taken, to be finished by
        the caller. The server is told to stop sending, and what it sent before that is
        read (one it was sending at that very moment comes back after the ack wait);
        newer messages stay with the consumer for the next reader."""
        if self._sub is not None:
            sub, self._sub = self._sub, None
            with contextlib.suppress(Exception):
                # The server stops sending, and what it sent is read.
                await sub.drain()  # type: ignore[no-untyped-call]
        held = list(self._arrived)
        self._arrived.clear()
        if self._leftovers is not None:
            held = sorted([*held, *self._leftovers.held], key=_stream_seq)
            self._leftovers = None
        return held

    async def give_back(self, unfinished: Sequence[Msg] = ()) -> None:
        """Stop reading, and hand ``unfinished`` (taken, not finished), then what arrived
        and was not taken, back to the consumer in that order, so that the next reader
        gets them at once and before anything newer (after :meth:`stop` they come back
        only after the ack wait, behind what the next reader got meanwhile).

        They are handed back (nak) once this reader's last request has expired on the
        server: a redelivery the server tries on a request whose reader is gone goes to
        the end of its queue, out of order (``PULL_EXPIRES``). So this takes up to
        ``PULL_EXPIRES`` longer than :meth:`stop`, and only when something goes back."""
        back = [*unfinished, *await self.drain()]
        if not back or self._nc.is_closed:
            return  # nothing to hand back, or no way to: they come after the ack wait
        loop = asyncio.get_running_loop()
        expired_at = self._asked_at + self._expires + EXPIRY_MARGIN
        await asyncio.sleep(max(0.0, expired_at - loop.time()))
        for msg in back:
            with contextlib.suppress(Exception):  # not handed back: it comes after the ack wait
                await msg.nak()

    async def next(self, stopping: asyncio.Event, **context: Any) -> list[Msg]:
        """The messages that arrived, at most ``batch`` (and, once, those held back behind
        leftovers, see :meth:`start`), oldest first; none when nothing came within a second
        (the caller loops until ``stopping`` is set). ``context`` goes into the log line
        of a failure."""
        if self._refused:
            self._refused = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=OUTAGE_PAUSE)
        await self._top_up(context)
        await self._check_leftovers()
        if not self._arrived:
            self._woken.clear()
            until_renewal = self._renew_at() - asyncio.get_running_loop().time()
            try:
                await asyncio.wait_for(
                    self._woken.wait(), timeout=min(WAIT_SECONDS, max(0.01, until_renewal))
                )
            except TimeoutError:
                silent = asyncio.get_running_loop().time() - self._heard
                if self._requested and silent > 3 * self._expires:
                    self._requested = 0  # lost with a server or a connection: ask again
                return self._in_order([])
        taken = min(len(self._arrived), self._batch)
        return self._in_order([self._arrived.popleft() for _ in range(taken)])

    def _renew_at(self) -> float:
        """When to ask again before the newest request expires (loop time)."""
        return self._asked_at + self._expires * RENEW_AFTER

    async def _check_leftovers(self) -> None:
        """Once a second while leftovers are awaited: the messages held back are
        told to be in progress (or they would be sent again after their own ack wait), and
        the consumer is asked whether another reader (an earlier run still stopping)
        acknowledged the leftovers, which then will not come."""
        left = self._leftovers
        now = asyncio.get_running_loop().time()
        if left is None or now < left.check_at:
            return
        left.check_at = now + WAIT_SECONDS
        for msg in left.held:
            with contextlib.suppress(Exception):
                await msg.in_progress()
        with contextlib.suppress(Exception):  # cannot tell: wait on
            info = await self._nc.jetstream().consumer_info(self._stream, self._durable)
            if (info.ack_floor.stream_seq or 0) >= left.last:
                left.count = 0

    def _in_order(self, msgs: list[Msg]) -> list[Msg]:
        """``msgs``, unless leftovers are awaited: then nothing, until the last leftover
        came or the wait is over, and then all that came meanwhile in stream order. The
        leftovers themselves do not come in order: one the server had sent to a request of
        the dead reader's is sent again at once, the others after their ack wait."""
        left = self._leftovers
        if left is None:
            return msgs
        for msg in msgs:
            if _stream_seq(msg) <= left.last:
                left.count -= 1
            left.held.append(msg)
        if left.count <= 0 or asyncio.get_running_loop().time() >= left.until:
            self._leftovers = None
            return sorted(left.held, key=_stream_seq)
        return []

    async def _top_up(self, context: dict[str, Any]) -> None:
        reconnects = self._nc.stats["reconnects"]
        if reconnects != self._reconnects:
            # A new connection (perhaps to a restarted server): the requests may be gone.
            self._reconnects, self._requested = reconnects, 0
        if self._sub is None:
            return
        now = asyncio.get_running_loop().time()
        held = self._requested + len(self._arrived)
        if held <= self._batch // 2:
            wanted = self._batch - held
        elif self._requested and now >= self._renew_at():
            wanted = min(self._requested, self._batch)  # the newest request expires soon
        else:
            return
        request = {
            "batch": wanted,
            "expires": int(self._expires * 1e9),
        }
        try:
            await self._nc.publish(self._next, json.dumps(request).encode(), self._sub.subject)
        except Exception as exc:  # closed or out of reach: the next call asks again
            log.warning("pull request failed; asking again", error=str(exc), **context)
            self._refused = True
            return
        self._requested += wanted
        self._asked_at = now

    async def _on_message(self, msg: Msg) -> None:
        self._heard = asyncio.get_running_loop().time()
        status = msg.headers.get(Header.STATUS) if msg.headers else None
        if not status:
            self._requested = max(0, self._requested - 1)
            self._arrived.append(msg)
        elif status == StatusCode.CONTROL_MESSAGE:
            return  # a heartbeat or flow control: not asked for, nothing to do
        else:
            # 408: a request expired; 409: the server dropped requests (a leader change,
            # too many waiting); 503: no JetStream behind the subject. Each says how many
            # of its messages will not come; without that, assume none will.
            undelivered = msg.headers.get("Nats-Pending-Messages") if msg.headers else None
            if undelivered and undelivered.isdigit():
                self._requested = max(0, self._requested - int(undelivered))
            else:
                self._requested = 0
            self._refused = status != StatusCode.REQUEST_TIMEOUT
        self._woken.set()
