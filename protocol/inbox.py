"""One agent's durable inbox: a JetStream consumer that hands each message to a handler once.

Messages are acknowledged only after the handler returns, so a crash before
that means redelivery; a redelivered message id that was already handled is
acknowledged and skipped. A message that cannot be decoded is terminated
(never redelivered) and counted.

"Already handled" survives restarts: after the handler returns, the message is
acknowledged and JetStream confirms the ack (a double ack), after which it never
delivers the message again. When the confirmation does not come (an outage), the
message id is written to the agent's own KV bucket (``<root>_handled_<agent>``,
entries expire after ``handled_ttl``) instead. A message that comes again after a
crash (redelivered because its ack was never confirmed) is looked up there first,
so work that finished is not done twice, while a message whose handling did not
finish has no record and is handled again. Lookups happen only for redeliveries
(JetStream counts deliveries). On the steady path a message costs a plain ack, and one
confirmed ack covers the messages handled in quick succession before it: JetStream
processes one consumer's acks in order, so confirming the last confirms the earlier
ones, and a failed confirmation records all of them. The confirmation runs beside the
next handler. (It used to be one confirmed ack per message, and before that a bucket
write plus an ack: one more stream write per message for JetStream.) The messages
arrive through a pull request kept waiting on the server (``pull.Reader``). While a handler
runs, the inbox tells JetStream it is still working, so ``ack_wait`` can stay
short and a crashed agent's unfinished message comes back soon after restart. When the
inbox stops, the message whose handler was cut short and those it holds unhandled go back
to the consumer in order (``pull.Reader.give_back``), so the agent's next run gets them
first, not after the ack wait behind newer ones.

A handler whose work ends in an answer (an agent's reply to a turn or a task) writes
the answer into the same record *before* sending it (:meth:`Inbox.record_answer`). A
crash after that point no longer redoes the work: the redelivered message finds the
answer and hands it to ``on_resume``, which sends it again (with the same envelope id,
so the chat service stores it once).
"""

import asyncio
import contextlib
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from types import TracebackType
from typing import Any, Self, TypeVar

import nats.errors
import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    ConsumerInfo,
    DeliverPolicy,
    KeyValueConfig,
    StorageType,
)
from nats.js.errors import (
    BucketNotFoundError,
    KeyNotFoundError,
    NotFoundError,
    ServiceUnavailableError,
)
from nats.js.kv import KeyValue

from protocol import metrics, pull
from protocol.connection import Connection
from protocol.envelope import Envelope, decode
from protocol.errors import Forbidden, IoaError, NotFound, Unavailable
from protocol.lifecycle import cancel_until_done
from protocol.streams import NOT_READY, inbox_stream
from protocol.subjects import Subjects
from protocol.tracing import annotate, consumer_span, record_error

log = structlog.get_logger("ioa.inbox")

InboxHandler = Callable[[Envelope[Any]], Awaitable[None]]
InvalidHandler = Callable[[bytes, IoaError], Awaitable[None]]
ResumeHandler = Callable[[Envelope[Any], bytes], Awaitable[None]]
T = TypeVar("T")


HANDLED_TTL = 7 * 24 * 3600.0
# Seconds to wait for JetStream to confirm an ack before writing the handled record.
ACK_TIMEOUT = 5.0
# Messages read from the consumer at a time (asked for and held at most).
BATCH = 16
# A handled message's ack is confirmed at least this often (seconds) while messages
# follow each other quickly; a slower handler's every ack is.
CONFIRM_SECONDS = 0.1


def consumer_name(owner: str) -> str:
    """The durable inbox consumer's name (consumer names may not contain ':')."""
    return "inbox-" + owner.replace(":", "--")


def handled_bucket(subjects: Subjects, owner: str) -> str:
    """The KV bucket of message ids ``owner`` has handled (bucket names have no ':')."""
    return subjects.bucket("handled_" + owner.replace(":", "--"))


def inbox_consumer(subjects: Subjects, owner: str, *, ack_wait: float) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=consumer_name(owner),
        filter_subjects=subjects.inbox_filters(owner),
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=ack_wait,
        max_deliver=5,
    )


async def create_handled_bucket(
    js: JetStreamContext, subjects: Subjects, owner: str, *, ttl: float = HANDLED_TTL
) -> KeyValue:
    # As many copies as the inbox it belongs to: a cluster that keeps the inbox through
    # the loss of a server keeps the records of what was handled from it too.
    try:
        inbox = await js.stream_info(inbox_stream(subjects).name)
        replicas = inbox.config.num_replicas or 1
    except NotFoundError:
        replicas = 1
    # Creating it twice with one configuration (a racing restart) is harmless.
    return await js.create_key_value(
        KeyValueConfig(
            bucket=handled_bucket(subjects, owner),
            description=f"ioa: message ids {owner} has handled",
            history=1,
            ttl=ttl,
            storage=StorageType.FILE,
            replicas=replicas,
        )
    )


async def provision(
    js: JetStreamContext, subjects: Subjects, owner: str, *, ack_wait: float = 30.0
) -> None:
    """Create ``owner``'s durable inbox consumer and its handled-ids bucket (idempotent).

    On an open server an agent does this itself when it starts. On a secured
    network its credentials may only use them, not create them (a consumer's
    filter or a stream's subjects could otherwise point at someone else's
    messages), so admission provisions them (see docs/security.md). The inbox stream is
    the chat service's: until it has made it, this is a typed, retryable ``unavailable``.
    """
    stream = inbox_stream(subjects).name
    try:
        await js.add_consumer(stream, inbox_consumer(subjects, owner, ack_wait=ack_wait))
        await create_handled_bucket(js, subjects, owner)
    except NotFoundError:
        raise Unavailable(
            f"the inbox stream {stream} is not there yet: the chat service makes it when it "
            f"starts. Start the chat service, then ask again to provision {owner}'s inbox."
        ) from None
    except NOT_READY as exc:
        raise Unavailable(
            f"JetStream is not ready to provision {owner}'s inbox ({exc}); ask again"
        ) from None


def _handled_key(message_id: str) -> str:
    return message_id.replace(":", "=")  # KV keys have no ':'; ids have no '='


class Inbox:
    """Consume ``<root>.to.<owner>`` (and below) through one durable consumer."""

    def __init__(
        self,
        conn: Connection,
        owner: str,
        handler: InboxHandler,
        *,
        seen_size: int = 10_000,
        ack_wait: float = 30.0,
        stream_wait: float = 30.0,
        handled_ttl: float | None = HANDLED_TTL,
        on_invalid: InvalidHandler | None = None,
        on_resume: ResumeHandler | None = None,
    ) -> None:
        """``stream_wait``: seconds to wait for the chat service's inbox stream before
        giving up with ``not_found`` (``math.inf``: until it is there). ``handled_ttl``:
        seconds a handled id is remembered across restarts (``None``: only in memory, as
        before). ``on_invalid`` sees each message that did not
        decode, with the error, before it is dropped (to answer what can be answered).
        ``on_resume`` gets a redelivered message together with the answer its handler
        recorded (:meth:`record_answer`) before a crash cut it short, to send it again."""
        self.conn = conn
        self.owner = owner
        self.handler = handler
        self.on_invalid = on_invalid
        self.on_resume = on_resume
        self.counts: Counter[str] = Counter()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._seen_size = seen_size
        self._ack_wait = ack_wait
        self._stream_wait = stream_wait
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._keep_alive: asyncio.Task[None] | None = None
        self._in_hand: Msg | None = None  # the message whose handler runs now
        # The batch in hand and how many of it are finished: on a stop, the rest goes back
        # to the consumer in order, ahead of anything newer (see __aexit__).
        self._batch: list[Msg] = []
        self._finished_in_batch = 0

        self._reader: pull.Reader | None = None
        # Ids acked since the last confirmed ack (see _finish_later).
        self._unconfirmed: list[str] = []
        self._confirmed_at = 0.0
        self._handled_ttl = handled_ttl
        self._handled: KeyValue | None = None
        self._finishing: set[asyncio.Task[None]] = set()
        self._finish_slots = asyncio.Semaphore(256)

    async def __aenter__(self) -> Self:
        # The consumer first: it waits for the inbox stream, whose replicas the
        # handled-ids bucket copies.
        info = await self._consumer()
        if self._handled_ttl is not None:
            self._handled = await self._open_handled()
        reader = pull.Reader(self.conn.nc, info.stream_name, info.name, batch=BATCH)
        # What a crashed or stopped run held comes before anything newer: group order.
        self._reader = await reader.start(leftovers_of=info)
        self._task = asyncio.create_task(self._consume(reader), name=f"inbox-{self.owner}")
        self._keep_alive = asyncio.create_task(self._working(), name=f"inbox-{self.owner}-alive")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        if self._keep_alive is not None:
            self._keep_alive.cancel()
        if self._task is not None:
            # Let the message in hand finish; its ack is what makes it count as handled.
            done, _ = await asyncio.wait({self._task}, timeout=8)
            if not done:
                await cancel_until_done(self._task)
        if self._finishing:
            await asyncio.wait(self._finishing, timeout=5)
        if self._reader is not None:
            # What was not handled goes back in order, for this agent's next run at once
            # (left to the ack wait, it would come back behind newer messages).
            await self._reader.give_back(self._batch[self._finished_in_batch :])

    async def _open_handled(self) -> KeyValue:
        js, subjects = self.conn.js, self.conn.subjects
        try:
            return await js.key_value(handled_bucket(subjects, self.owner))
        except BucketNotFoundError:
            assert self._handled_ttl is not None
            return await self._create(
                create_handled_bucket(js, subjects, self.owner, ttl=self._handled_ttl)
            )

    async def _consumer(self) -> ConsumerInfo:
        """The durable consumer this inbox reads, as it is now (made when missing)."""
        js, subjects = self.conn.js, self.conn.subjects
        stream = inbox_stream(subjects).name
        durable = consumer_name(self.owner)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._stream_wait
        next_log = loop.time()
        while True:
            try:
                try:
                    # Provisioned by admission, or left by an earlier run: use it as it is.
                    info: ConsumerInfo = await js.consumer_info(stream, durable)
                except NotFoundError:
                    config = inbox_consumer(subjects, self.owner, ack_wait=self._ack_wait)
                    info = await self._create(js.add_consumer(stream, config))
                if info.config.ack_wait:
                    self._ack_wait = info.config.ack_wait  # keep-alives follow the real one
                return info
            except (NotFoundError, ServiceUnavailableError):  # no stream, or JetStream starting
                now = loop.time()
                if now > deadline:
                    raise NotFound(
                        f"inbox stream {stream} does not exist; start the chat service first"
                    ) from None
                if now >= next_log:  # a progress line every few seconds, not every try
                    log.info(
                        "waiting for the inbox stream (is the chat service up?)", owner=self.owner
                    )
                    next_log = now + 5.0
                await asyncio.sleep(0.5)

    async def _create(self, creating: Awaitable[T]) -> T:
        """Create one of this inbox's JetStream parts; a secured network refuses it."""
        try:
            return await creating
        except nats.errors.TimeoutError:
            # A permissions violation has no reply: the request just times out.
            raise Forbidden(
                f"{self.owner!r} may not create its own inbox on this network; it must be "
                f"admitted first (an administrator runs 'ioa agents admit {self.owner}', "
                "which provisions the inbox and issues the agent's credentials)"
            ) from None

    async def _consume(self, reader: pull.Reader) -> None:
        # Every log line of this task, the handlers' among them, names the agent.
        structlog.contextvars.bind_contextvars(agent=self.owner)
        while not self._stopping.is_set():
            msgs = self._batch = await reader.next(self._stopping, owner=self.owner)
            for i, msg in enumerate(msgs):
                self._finished_in_batch = i
                if self._stopping.is_set():
                    break
                try:
                    await self._handle(msg, last=i == len(msgs) - 1)
                except Exception:
                    # No one message may stop the inbox (a deeply nested one once did);
                    # left unacknowledged, it comes back after ack_wait.
                    self.counts["failed"] += 1
                    log.exception("an inbox message broke its handling", owner=self.owner)
            else:
                self._finished_in_batch = len(msgs)

    async def _handle(self, msg: Msg, *, last: bool) -> None:
        """``last``: no other message is in hand after this one."""
        meta = msg.metadata
        metrics.record_inbox(self.owner, meta.num_pending, meta.timestamp)
        with consumer_span(msg.subject, msg.headers, name=f"process inbox {self.owner}") as span:
            try:
                env = decode(msg.data, max_bytes=self.conn.settings.max_message_bytes)
            except IoaError as exc:
                self.counts["dropped"] += 1
                record_error(span, exc)
                log.warning("dropped a bad inbox message", owner=self.owner, error=str(exc))
                if self.on_invalid is not None:
                    with contextlib.suppress(Exception):
                        await self.on_invalid(msg.data, exc)
                await msg.term()
                return
            annotate(span, env)
            seen = env.id in self._seen
            record = None if seen else await self._handled_before(msg, env.id)
            if seen or record == b"":
                self.counts["duplicates"] += 1
                self._remember(env.id)
                await msg.ack()
                return
            if record is not None:
                # Handled before a crash, which came after its answer was written down.
                self.counts["duplicates"] += 1
                if self.on_resume is not None:
                    with self._holding(msg):
                        await self.on_resume(env, record)  # raises: the message comes back
                self._remember(env.id)
                await self._finish_later(msg, env.id, last=last)
                return
            try:
                with (
                    self._holding(msg),
                    structlog.contextvars.bound_contextvars(conversation=env.conversation),
                ):
                    await self.handler(env)
                self.counts["handled"] += 1
            except Exception as exc:
                self.counts["failed"] += 1
                record_error(span, exc)
                log.exception("handling an inbox message failed", owner=self.owner, type=env.type)
            self._remember(env.id)
            await self._finish_later(msg, env.id, last=last)

    @contextlib.contextmanager
    def _holding(self, msg: Msg) -> Iterator[None]:
        """``msg`` is the one whose handler runs (kept alive, its answer recordable)."""
        self._in_hand = msg
        try:
            yield
        finally:
            self._in_hand = None

    async def record_answer(self, message_id: str, answer: bytes) -> None:
        """Write down ``answer`` to the message being handled before sending it: from
        here on a crash does not make its handler run again (see the module's doc).
        Failing to write it only leaves that window open, so it is logged, not raised."""
        if self._handled is None:
            return
        try:
            await self._handled.put(_handled_key(message_id), answer)
        except Exception as exc:
            log.warning("could not record an answer", owner=self.owner, error=str(exc))

    async def _finish_later(self, msg: Msg, message_id: str, *, last: bool) -> None:
        """Ack a handled message. The ack is confirmed by JetStream when no other message
        is in hand or ``CONFIRM_SECONDS`` have passed since the last confirmation;
        otherwise it is a plain ack. A consumer's acks are processed in the order they
        are sent, so a confirmation confirms the plain acks before it too, and when it
        fails every id since the last one is recorded instead (:meth:`_finish`, in the
        background: the next message need not wait)."""
        if self._handled is None:
            with contextlib.suppress(Exception):
                await msg.ack()
            return
        now = asyncio.get_running_loop().time()
        if not last and now - self._confirmed_at < CONFIRM_SECONDS:
            try:
                await msg.ack()
                self._unconfirmed.append(message_id)
                return
            except Exception:
                pass  # not sent: confirm it below, or record it
        ids, self._unconfirmed = [*self._unconfirmed, message_id], []
        self._confirmed_at = now
        await self._finish_slots.acquire()
        task = asyncio.create_task(self._finish(msg, ids))
        self._finishing.add(task)
        task.add_done_callback(self._finished)

    async def _handled_before(self, msg: Msg, message_id: str) -> bytes | None:
        """A redelivered message's record if it was handled before a restart: empty, or
        the answer it was handled with (``None``: no record, handle it)."""
        if self._handled is None or msg.metadata.num_delivered <= 1:
            return None
        try:
            entry = await self._handled.get(_handled_key(message_id))
        except KeyNotFoundError:
            return None
        except Exception as exc:  # cannot tell: handling again beats losing the message
            log.warning("could not look up a handled message", owner=self.owner, error=str(exc))
            return None
        return entry.value or b""

    async def _working(self) -> None:
        """Tell JetStream the message in hand is still being handled, so ack_wait can stay
        short (one task for the inbox: a task per message showed in the profile)."""
        while True:
            await asyncio.sleep(self._ack_wait / 3)
            if self._in_hand is not None:
                with contextlib.suppress(Exception):
                    await self._in_hand.in_progress()

    async def _finish(self, msg: Msg, handled: list[str]) -> None:
        """Have ``msg``'s ack confirmed; when that fails, record every id in ``handled``
        (``msg``'s and those acked plainly since the last confirmation)."""
        assert self._handled is not None
        try:
            await msg.ack_sync(timeout=ACK_TIMEOUT)
            return  # JetStream will not deliver them again
        except Exception as exc:
            log.warning("an ack was not confirmed", owner=self.owner, error=str(exc))
        for message_id in handled:
            try:
                # So that a redelivery is recognised as handled.
                await self._handled.put(_handled_key(message_id), b"")
            except Exception as exc:
                # The message is handled; only its redelivery would be handled again.
                log.warning("could not record a handled message", owner=self.owner, error=str(exc))
        with contextlib.suppress(Exception):
            await msg.ack()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._finishing.discard(task)
        self._finish_slots.release()

    def _remember(self, message_id: str) -> None:
        self._seen[message_id] = None
        if len(self._seen) > self._seen_size:
            self._seen.popitem(last=False)
