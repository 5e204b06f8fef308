"""Delivery: copy every message of every group log into each member's inbox.

One durable pull consumer ("fanout") on the GROUPS stream, shared by all chat
replicas, hands out batches of appended log messages. For a batch, the
replica takes each group's record (its local copy when that is at least as
new as the one the posts were accepted under, see ``groups.py``), publishes
every copy (one per member but the sender) pipelined on its one connection in
log order (``copies.py``), waits until JetStream has acknowledged every copy,
and only then acknowledges the log messages.
 A crash anywhere in between leaves them unacknowledged, so they are
fanned out again (by this or another replica); each copy's ``Nats-Msg-Id`` is
``<envelope id>:<member>``, so the copies already stored are dropped as
duplicates. An append that was acknowledged to its sender is therefore
always delivered, at least once.

Order. Only the replica holding the fan-out lease (``lease.py``) reads the
consumer (``pull.Reader``; ``max_ack_pending`` is one batch, so no more than a
batch is ever out), takes a batch of what arrived, and acknowledges it before it
takes the next;
inside a batch the copies are sent in log order on one connection, which
JetStream stores in the order it receives them. A replica that takes the
lease over while log messages are still unacknowledged (its predecessor died
mid-batch) first waits ``IOA_FANOUT_ACK_WAIT``, so those come back to it ahead
of anything newer. Other replicas stand by; requests are still served by all.

A batch with any failed copy is sent again whole, in order, before
anything later. (One gap remains: JetStream refusing an earlier copy while
storing a later one of the same pipeline, e.g. a stream leader change in a
cluster in mid-batch; the member's inbox then holds that copy out of order.)

The same pass feeds the pending-answers index (``pending.py``).
"""

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import structlog
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from protocol import metrics, pull
from protocol.connection import MSG_ID_HEADER, Connection
from protocol.errors import NotFound
from protocol.ids import new_id
from protocol.streams import group_stream
from protocol.tracing import TRACE_HEADERS
from services.chat.copies import Copy, CopyPipeline
from services.chat.grouplog import GROUP_REVISION_HEADER
from services.chat.groups import Group, GroupStore
from services.chat.lease import Lease
from services.chat.pending import PendingIndex
from services.chat.settings import ChatSettings

log = structlog.get_logger("ioa.chat.fanout")

CONSUMER = "fanout"
MAX_RETRY_DELAY = 5.0
# Seconds to wait for a batch's copies to be acknowledged: a floor plus a share
# per copy, so a batch to a large group is not given up on (and resent) forever.
COPY_TIMEOUT = 10.0
COPY_TIMEOUT_PER_COPY = 0.002


@dataclass(slots=True)
class Logged:
    """One log message of a batch, parsed just enough to fan it out."""

    msg: Msg
    group: str
    seq: int
    envelope: dict[str, Any]
    headers: dict[str, str]
    group_revision: int


class Fanout:
    """Runs the fan-out loop while entered; leaving finishes the batch in hand."""

    def __init__(
        self,
        conn: Connection,
        groups: GroupStore,
        pending: PendingIndex,
        settings: ChatSettings,
    ) -> None:
        self._conn = conn
        self._subjects = conn.subjects
        self._groups = groups
        self._pending = pending
        self._settings = settings
        self._stream = group_stream(conn.subjects).name
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._reader: pull.Reader | None = None  # while this replica leads
        self._batch = settings.fanout_batch
        self._lease = Lease(
            conn.js,
            conn.subjects.bucket("chat_leases"),
            "fanout",
            holder=new_id(),
            ttl=settings.fanout_lease_ttl,
            replicas=settings.stream_replicas,
        )
        self._pipeline: CopyPipeline | None = None
        self.counts: Counter[str] = Counter()

    async def __aenter__(self) -> Self:
        if not self._settings.fanout:
            log.info("fan-out disabled on this replica")
            return self
        js = self._conn.js
        # Creating an existing durable with this configuration is a no-op (or an
        # update), so every replica may do it at start.
        await js.add_consumer(
            self._stream,
            ConsumerConfig(
                durable_name=CONSUMER,
                description="ioa chat: copy group log messages into members' inboxes",
                filter_subject=self._subjects.all_group_logs,
                deliver_policy=DeliverPolicy.ALL,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=self._settings.fanout_ack_wait,
                max_deliver=-1,
                max_ack_pending=self._batch,
            ),
        )
        self._pipeline = await CopyPipeline(self._conn.nc).__aenter__()
        await self._lease.__aenter__()
        self._task = asyncio.create_task(self._run(), name="chat-fanout")
        log.info("fan-out running", stream=self._stream, consumer=CONSUMER, batch=self._batch)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        if self._task is not None:
            # The loop notices within a second (pull.WAIT_SECONDS); a batch in hand, and
            # what the reader holds, is finished or handed back (nak) before it stops.
            done, _ = await asyncio.wait({self._task}, timeout=MAX_RETRY_DELAY + 2)
            if not done:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        if self._pipeline is not None:
            await self._step_down()
            await self._lease.__aexit__(exc_type, exc, tb)
            with contextlib.suppress(Exception):
                await self._pipeline.__aexit__(exc_type, exc, tb)

    @property
    def leading(self) -> bool:
        """Whether this replica is the one fanning out now."""
        return self._reader is not None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            if not self._lease.held:
                await self._step_down()
                self._lease.changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._lease.changed.wait(), timeout=1.0)
                continue
            if self._reader is None:
                await self._take_over()
                reader = pull.Reader(self._conn.nc, self._stream, CONSUMER, batch=self._batch)
                self._reader = await reader.start()
                continue
            msgs = await self._reader.next(self._stopping, consumer=CONSUMER)
            if msgs:
                await self._fan_out(msgs)
        await self._hand_over()

    async def _hand_over(self) -> None:
        """Stopping: fan out what the reader still holds, so that the next holder of the
        lease finds nothing unacknowledged and need not wait for it (``_take_over``)."""
        if self._reader is not None:
            reader, self._reader = self._reader, None
            held = await reader.drain()
            if held:
                await self._fan_out(held)

    async def _step_down(self) -> None:
        """Stop reading the log (if this replica did); what it held goes back for the next
        holder of the lease, who waits for it before anything newer (``_take_over``)."""
        if self._reader is not None:
            reader, self._reader = self._reader, None
            await reader.stop()

    async def _take_over(self) -> None:
        """Let a dead predecessor's unacknowledged batch come back before anything newer."""
        try:
            info = await self._conn.js.consumer_info(self._stream, CONSUMER)
            unfinished = info.num_ack_pending or 0
        except Exception as exc:
            log.warning("could not read the fan-out consumer", error=str(exc))
            unfinished = 1
        if unfinished:
            log.info("took over the fan-out; waiting for unfinished messages", count=unfinished)
            await self._pause(self._settings.fanout_ack_wait)
        log.info("fanning out")

    async def _fan_out(self, msgs: list[Msg]) -> None:
        batch = [logged for msg in msgs if (logged := await self._parse(msg)) is not None]
        if not self._lease.held:
            # Someone else may be fanning out already: hand these back to keep order.
            for logged in batch:
                with contextlib.suppress(Exception):
                    await logged.msg.nak()
            return
        keep_alive = asyncio.create_task(self._working(batch))
        try:
            await self._deliver_until_done(batch)
        finally:
            keep_alive.cancel()

    async def _working(self, batch: list[Logged]) -> None:
        """Keep a long batch ours: without this it would be handed out again after ack_wait."""
        with contextlib.suppress(Exception):
            while True:
                await asyncio.sleep(self._settings.fanout_ack_wait / 3)
                for logged in batch:
                    await logged.msg.in_progress()

    async def _deliver_until_done(self, batch: list[Logged]) -> None:
        delay = 0.2
        while batch:
            try:
                await self._deliver(batch)
                break
            except Exception as exc:
                self.counts["retries"] += 1
                if self._stopping.is_set():
                    # Hand the batch back at once instead of waiting out ack_wait.
                    for logged in batch:
                        with contextlib.suppress(Exception):
                            await logged.msg.nak()
                    return
                log.warning("fan-out failed; retrying the batch", error=str(exc), size=len(batch))
                await self._pause(delay)
                delay = min(delay * 2, MAX_RETRY_DELAY)
        for logged in batch:
            await logged.msg.ack()
        self.counts["messages"] += len(batch)
        self.counts["batches"] += 1

    async def _parse(self, msg: Msg) -> Logged | None:
        headers = dict(msg.headers or {})
        try:
            group = self._subjects.group_of(msg.subject)
            envelope = json.loads(msg.data)
            if not isinstance(envelope, dict) or not isinstance(envelope.get("id"), str):
                raise ValueError("not an envelope")
        except ValueError:
            # Only this service writes the logs; nothing can be done for it.
            log.error("a group log holds an unreadable message", subject=msg.subject)
            self.counts["unreadable"] += 1
            await msg.term()
            return None
        return Logged(
            msg=msg,
            group=group,
            seq=msg.metadata.sequence.stream,
            envelope=envelope,
            headers=headers,
            group_revision=int(headers.get(GROUP_REVISION_HEADER) or 0),
        )

    async def _deliver(self, batch: list[Logged]) -> None:
        """Publish every copy of ``batch`` in log order; raise unless all were stored."""
        needed: dict[str, int] = {}
        for logged in batch:
            needed[logged.group] = max(needed.get(logged.group, 0), logged.group_revision)
        groups = await self._records(needed)
        for logged in list(batch):
            if logged.group not in groups:
                log.warning("a logged message's group is gone", group=logged.group)
                self.counts["orphaned"] += 1
                await logged.msg.term()
                batch.remove(logged)
        copies = [copy for logged in batch for copy in self._copies(logged, groups[logged.group])]
        timeout = COPY_TIMEOUT + COPY_TIMEOUT_PER_COPY * len(copies)
        assert self._pipeline is not None  # entered: the fan-out is on
        await self._pipeline.send(copies, timeout=timeout)
        # The index after the copies: a batch retried for a failed copy records
        # again, which is harmless (see pending.py).
        for logged in batch:
            if PendingIndex.wants(logged.envelope):
                members = groups[logged.group].members
                await self._pending.record(logged.group, logged.seq, logged.envelope, members)
        self.counts["copies"] += len(copies)
        metrics.handled.add(len(batch), metrics.message_attributes("group.log", None))
        metrics.published.add(len(copies), metrics.message_attributes("inbox", None))

    def _copies(self, logged: Logged, group: Group) -> Iterator[Copy]:
        """One copy of a logged message for every member but its sender. Each carries the
        post's trace context on, so a member's handling is a child of the post's span (a
        span of the fan-out's own per message cost as much as publishing the copies)."""
        message_id = logged.envelope["id"]
        trace = {k: v for k, v in logged.headers.items() if k in TRACE_HEADERS}
        for member in group.recipients(logged.envelope.get("sender", "")):
            headers = {**trace, MSG_ID_HEADER: f"{message_id}:{member}"}
            yield self._subjects.inbox(member, "group", group.id), logged.msg.data, headers

    async def _records(self, needed: dict[str, int]) -> dict[str, Group]:
        """The groups of a batch, each at least at the revision its posts were accepted
        under (from the local copies when they are that new); a missing group is left out."""

        async def one(group_id: str, revision: int) -> Group | None:
            try:
                return await self._groups.cached(group_id, min_revision=revision)
            except NotFound:
                return None

        found = await asyncio.gather(*(one(g, r) for g, r in sorted(needed.items())))
        return {g.id: g for g in found if g is not None}

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
