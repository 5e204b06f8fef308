"""Which replica drives which conversation, and the loop that drives it.

A replica drives a conversation while it holds the record's lease; it renews
the lease as it goes. A replica that dies stops renewing, and after the lease
runs out any replica (a restarted one too) claims the conversation on its next
scan and drives it on from its record.
"""

import asyncio
import contextlib
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from types import TracebackType
from typing import Self, get_args

import nats.errors
import nats.js.errors
import structlog
from opentelemetry import trace
from opentelemetry.trace import Link, Span

from protocol import metrics
from protocol.errors import Conflict, IoaError, NotFound
from protocol.kinds.conversation import ConversationStatus, TaskOutcome
from protocol.tracing import extract, inject
from services.coordinator.driver import Driver
from services.coordinator.index import ConversationIndex, Indexed
from services.coordinator.state import ConversationStore, Record, now

# What a NATS server failover looks like to a client (the node it was connected to
# died, or a stream is electing a new leader): transient, so the step is retried.
NATS_FAILOVER = (
    nats.errors.TimeoutError,
    nats.errors.NoRespondersError,
    nats.errors.ConnectionClosedError,
    nats.js.errors.NoStreamResponseError,
    nats.js.errors.ServiceUnavailableError,
)

log = structlog.get_logger("ioa.coordinator.scheduler")
tracer = trace.get_tracer("ioa.coordinator")


@contextlib.contextmanager
def resumed_span(rec: Record, previous: str | None) -> Iterator[Span]:
    """The span of work resumed after its driver died: in the conversation's trace (a
    child of the request that started it), linked to the span that drove it before,
    which ended with its process and so can be no one's parent."""
    links = [
        Link(ctx, {"ioa.link": why})
        for why, carrier in (("started by", rec.trace), ("resumes", rec.driver_trace))
        if (ctx := trace.get_current_span(extract(carrier)).get_span_context()).is_valid
    ]
    with tracer.start_as_current_span(
        "resume conversation",
        context=extract(rec.trace),
        links=links,
        attributes={"ioa.conversation": rec.id, "ioa.resumed_from": previous or ""},
    ) as span:
        yield span


def _driven_here(rec: Record) -> bool:
    """Record the current (driving) span in the conversation, for a later resume to link."""
    rec.driver_trace = inject()
    return not rec.finished


class Scheduler:
    def __init__(
        self,
        store: ConversationStore,
        index: ConversationIndex,
        driver: Driver,
        *,
        lease_seconds: float = 10.0,
        scan_seconds: float = 1.0,
        poll_seconds: float = 1.0,
    ) -> None:
        self.store = store
        self.index = index
        self.driver = driver
        self.owner = f"coordinator-{uuid.uuid4().hex[:12]}"
        self.lease = timedelta(seconds=lease_seconds)
        self.scan_seconds = scan_seconds
        self.poll_seconds = poll_seconds
        self._running: dict[str, asyncio.Task[None]] = {}
        self._kicks: dict[str, asyncio.Event] = {}
        self._scanner: asyncio.Task[None] | None = None
        # Set on exit: a cancellation that a NATS call turns into another error must
        # still end the loops, or they would spin on a closed connection forever.
        self._stopping = False

    async def __aenter__(self) -> Self:
        self.index.listen(self._noticed)
        self._scanner = asyncio.create_task(self._scan_forever(), name="coordinator-scan")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping = True
        tasks = [t for t in (self._scanner, *self._running.values()) if t is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)

    def claim_new(self, rec: Record) -> None:
        """Mark a record that is about to be created as ours."""
        rec.owner, rec.lease_until = self.owner, now() + self.lease

    def launch(self, conversation: str) -> None:
        """Drive a conversation this replica holds the lease of (in the caller's trace)."""
        if conversation in self._running:
            self.kick(conversation)
            return
        self._kicks[conversation] = asyncio.Event()
        task = asyncio.create_task(self._drive(conversation), name=f"conversation-{conversation}")
        self._running[conversation] = task
        task.add_done_callback(lambda _: self._forget(conversation))

    def kick(self, conversation: str) -> None:
        """Something changed in this conversation's record: look again now."""
        event = self._kicks.get(conversation)
        if event is not None:
            event.set()

    def _noticed(self, heading: Indexed) -> None:
        """A conversation driven here that someone (through any replica) asked to cancel:
        what its step waits for is abandoned, and the next step ends it."""
        if heading.cancel is not None and not heading.finished and heading.id in self._running:
            self.driver.interrupt(heading.id)
            self.kick(heading.id)

    def _forget(self, conversation: str) -> None:
        self._running.pop(conversation, None)
        self._kicks.pop(conversation, None)

    async def _scan_forever(self) -> None:
        while not self._stopping:
            try:
                await self.scan()
            except Exception:
                log.exception("scan failed")
            await asyncio.sleep(self.scan_seconds)

    async def scan(self) -> None:
        """Claim every unfinished conversation whose driver is gone."""
        headings = self.index.headings()
        _count(headings)
        for heading in headings:
            if heading.done_with or heading.id in self._running:
                continue
            lease = heading.lease_until
            if heading.owner not in (None, self.owner) and lease and lease > now():
                continue
            rec = await self._claim(heading.id)
            if rec is not None:
                log.info("resuming a conversation", conversation=rec.id, previous=heading.owner)
                with resumed_span(rec, heading.owner):
                    self.launch(rec.id)

    async def _claim(self, conversation: str) -> Record | None:
        """The record, now ours; None when another replica holds it or it is done."""

        def take(rec: Record) -> bool:
            free = (
                rec.owner in (None, self.owner) or not rec.lease_until or rec.lease_until <= now()
            )
            if rec.done_with or not free:
                return False
            rec.owner, rec.lease_until = self.owner, now() + self.lease
            return True

        try:
            rec = await self.store.change(conversation, take)
        except (Conflict, NotFound):
            return None
        return rec if rec.owner == self.owner and not rec.done_with else None

    async def _drive(self, conversation: str) -> None:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(service="coordinator", conversation=conversation)
        with tracer.start_as_current_span(
            "drive conversation", attributes={"ioa.conversation": conversation}
        ):
            with contextlib.suppress(IoaError, *NATS_FAILOVER):  # the link is a nicety
                await self.store.change(conversation, _driven_here)
            while not self._stopping:
                try:
                    rec = await self.store.get(conversation)
                    if rec.done_with or rec.owner != self.owner:
                        return
                    if not rec.lease_until or rec.lease_until - now() < self.lease / 2:
                        rec.lease_until = now() + self.lease
                        await self.store.save(rec)
                    wake = await self.driver.step(rec)
                except Conflict:
                    continue  # the record changed under us (an answer came in): read it again
                except (IoaError, *NATS_FAILOVER) as exc:
                    # A service or a NATS node is down, or a service refused: the step is
                    # retried; budgets still apply.
                    log.warning("step failed; retrying", error=str(exc))
                    await asyncio.sleep(0.5)
                    continue
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.exception("conversation step crashed")
                    await self._fail(conversation, f"internal error in the coordinator: {exc}")
                    return
                if wake is not None:
                    await self._sleep(conversation, (wake - now()).total_seconds())

    async def _sleep(self, conversation: str, seconds: float) -> None:
        event = self._kicks.get(conversation)
        if event is None:
            return
        limit = max(0.0, min(seconds, self.poll_seconds, self.lease.total_seconds() / 3))
        try:
            await asyncio.wait_for(event.wait(), limit)
        except TimeoutError:
            pass
        event.clear()

    async def _fail(self, conversation: str, reason: str) -> None:
        """End a conversation whose step crashed (the next scan settles it); when what
        crashed was settling its end, give that up rather than crash on every scan."""

        def fail(rec: Record) -> bool:
            if rec.done_with:
                return False
            if rec.finished:
                rec.settled = True
            else:
                rec.state, rec.reason, rec.current = "failed", reason, None
            return True

        try:
            await self.store.change(conversation, fail)
        except IoaError as exc:
            log.warning("could not record a failure", error=str(exc))


def _count(records: list[Indexed]) -> None:
    """Conversations by state and tasks by outcome, as every replica sees the store."""
    metrics.set_counts(
        metrics.conversations,
        "ioa.conversation.state",
        Counter(rec.state for rec in records),
        known=get_args(ConversationStatus),
    )
    metrics.set_counts(
        metrics.tasks,
        "ioa.task.outcome",
        Counter(task.outcome for rec in records for task in rec.tasks),
        known=get_args(TaskOutcome),
    )
