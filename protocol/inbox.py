"""One agent's durable inbox: a JetStream consumer that hands each message to a handler once.

Messages are acknowledged only after the handler returns, so a crash before
that means redelivery; a redelivered message id that was already handled is
acknowledged and skipped. A message that cannot be decoded is terminated
(never redelivered) and counted.
"""

import asyncio
import contextlib
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

import structlog
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from protocol.connection import Connection
from protocol.envelope import Envelope, decode
from protocol.errors import IoaError, NotFound
from protocol.streams import inbox_stream
from protocol.tracing import annotate, consumer_span, record_error

log = structlog.get_logger("ioa.inbox")

InboxHandler = Callable[[Envelope[Any]], Awaitable[None]]


def consumer_name(owner: str) -> str:
    """The durable inbox consumer's name (consumer names may not contain ':')."""
    return "inbox-" + owner.replace(":", "--")


class Inbox:
    """Consume ``<root>.to.<owner>`` (and below) through one durable consumer."""

    def __init__(
        self,
        conn: Connection,
        owner: str,
        handler: InboxHandler,
        *,
        seen_size: int = 10_000,
        ack_wait: float = 300.0,
        stream_wait: float = 30.0,
    ) -> None:
        self.conn = conn
        self.owner = owner
        self.handler = handler
        self.counts: Counter[str] = Counter()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._seen_size = seen_size
        self._ack_wait = ack_wait
        self._stream_wait = stream_wait
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._psub: Any = None

    async def __aenter__(self) -> Self:
        psub = self._psub = await self._bind()
        self._task = asyncio.create_task(self._consume(psub), name=f"inbox-{self.owner}")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        if self._task is not None:
            # Let the message in hand finish; its ack is what makes it count as handled.
            done, _ = await asyncio.wait({self._task}, timeout=8)
            if not done:
                self._task.cancel()
        if self._psub is not None:
            # A pull subscription left subscribed after a batch fetch makes the
            # connection's drain() hang for its whole timeout (30 s).
            with contextlib.suppress(Exception):
                await self._psub.unsubscribe()

    async def _bind(self) -> Any:
        js = self.conn.js
        stream = inbox_stream(self.conn.subjects).name
        durable = consumer_name(self.owner)
        config = ConsumerConfig(
            durable_name=durable,
            filter_subjects=self.conn.subjects.inbox_filters(self.owner),
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self._ack_wait,
            max_deliver=5,
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._stream_wait
        while True:
            try:
                await js.add_consumer(stream, config)
                return await js.pull_subscribe_bind(durable=durable, stream=stream)
            except NotFoundError:
                if loop.time() > deadline:
                    raise NotFound(
                        f"inbox stream {stream} does not exist; start the chat service first"
                    ) from None
                log.info("waiting for the inbox stream (is the chat service up?)", owner=self.owner)
                await asyncio.sleep(0.5)

    async def _consume(self, psub: Any) -> None:
        while not self._stopping.is_set():
            try:
                msgs = await psub.fetch(batch=16, timeout=1.0)
            except TimeoutError:  # nats-py raises its own or asyncio's: nothing came
                continue
            except Exception as exc:  # a NATS outage: wait, then fetch again
                log.warning("inbox fetch failed", owner=self.owner, error=str(exc))
                await asyncio.sleep(0.5)
                continue
            for msg in msgs:
                await self._handle(msg)

    async def _handle(self, msg: Msg) -> None:
        with consumer_span(msg.subject, msg.headers, name=f"process inbox {self.owner}") as span:
            try:
                env = decode(msg.data, max_bytes=self.conn.settings.max_message_bytes)
            except IoaError as exc:
                self.counts["dropped"] += 1
                record_error(span, exc)
                log.warning("dropped a bad inbox message", owner=self.owner, error=str(exc))
                await msg.term()
                return
            annotate(span, env)
            if env.id in self._seen:
                self.counts["duplicates"] += 1
                await msg.ack()
                return
            try:
                with structlog.contextvars.bound_contextvars(conversation=env.conversation):
                    await self.handler(env)
                self.counts["handled"] += 1
            except Exception as exc:
                self.counts["failed"] += 1
                record_error(span, exc)
                log.exception("handling an inbox message failed", owner=self.owner, type=env.type)
            self._remember(env.id)
            await msg.ack()

    def _remember(self, message_id: str) -> None:
        self._seen[message_id] = None
        if len(self._seen) > self._seen_size:
            self._seen.popitem(last=False)
