"""The agent-offline events the coordinator follows: an assignee that goes offline gets
its open tasks reassigned (``events.agent_offline``; the driver does the rest).

They are read through one durable JetStream consumer on the events stream, shared by
every replica and acknowledged after the records are written. A plain subscription
lost every event published while no replica was up (or connected): the assignee's task
then waited for its turn deadline instead of being handed on. Now such an event waits
in the stream, and the first replica to start handles it. The consumer starts with the
events that come after its creation: before the first coordinator ran there were no
tasks to reassign.
"""

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

import structlog
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from protocol import pull
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.streams import event_stream
from protocol.tracing import consumer_span

log = structlog.get_logger("ioa.coordinator.offline")

CONSUMER = "coordinator-agent-offline"
ACK_WAIT = 30.0
TRIES = 10
"""Deliveries of one event before it is given up (a store that keeps refusing)."""

Handler = Callable[[Envelope[Any]], Awaitable[None]]


class OfflineEvents:
    """Hands each agent-offline event to ``handler`` once among all replicas."""

    def __init__(self, conn: Connection, handler: Handler) -> None:
        self._conn = conn
        self._handler = handler
        self._stream = event_stream(conn.subjects).name
        self._reader: pull.Reader | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        # "handled" or "failed"; an event that does not decode is counted by the
        # connection (``conn.events_dropped``).
        self.counts: Counter[str] = Counter()

    async def __aenter__(self) -> Self:
        js = self._conn.js
        # Creating an existing durable with this configuration is a no-op, so every
        # replica may do it at start.
        await js.add_consumer(
            self._stream,
            ConsumerConfig(
                durable_name=CONSUMER,
                description="ioa coordinator: reassign the tasks of agents that went offline",
                filter_subject=self._conn.subjects.event("agent", "offline"),
                deliver_policy=DeliverPolicy.NEW,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=ACK_WAIT,
                max_deliver=TRIES,
            ),
        )
        reader = pull.Reader(self._conn.nc, self._stream, CONSUMER, batch=16)
        self._reader = await reader.start()
        self._task = asyncio.create_task(
            self._consume(self._reader), name="coordinator-offline-events"
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        if self._task is not None:
            # The loop notices within a second (pull.WAIT_SECONDS); an unacknowledged event in hand
            # comes back to another replica.
            done, _ = await asyncio.wait({self._task}, timeout=3)
            if not done:
                self._task.cancel()
        if self._reader is not None:
            await self._reader.stop()

    async def _consume(self, reader: pull.Reader) -> None:
        while not self._stopping.is_set():
            for msg in await reader.next(self._stopping, consumer=CONSUMER):
                await self._handle(msg)

    async def _handle(self, msg: Msg) -> None:
        with consumer_span(msg.subject, msg.headers):
            env = self._conn.read_event(msg)
            if env is None:
                with contextlib.suppress(Exception):
                    await msg.term()
                return
            try:
                await self._handler(env)
            except Exception as exc:  # the store or NATS refused: the event comes back
                self.counts["failed"] += 1
                log.warning("could not follow an agent status event; retrying", error=str(exc))
                with contextlib.suppress(Exception):
                    await msg.nak(delay=1.0)
                return
            self.counts["handled"] += 1
            with contextlib.suppress(Exception):
                await msg.ack()
