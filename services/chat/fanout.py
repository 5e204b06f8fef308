"""Delivery: copy every message of every group log into each member's inbox.

One durable pull consumer ("fanout") on the GROUPS stream, shared by all chat
replicas, reads each appended message, publishes a copy to every member's
inbox except the sender's, and acknowledges the log message only after
JetStream has stored every copy. A crash anywhere in between leaves the log
message unacknowledged, so it is fanned out again (by this or another
replica); each copy's ``Nats-Msg-Id`` is ``<envelope id>:<member>``, so the
copies already stored are dropped as duplicates. An append that was
acknowledged to its sender is therefore always delivered, at least once.

A message that fails to fan out is retried in place (not skipped), so every
inbox receives its group's messages in log order.
"""

import asyncio
import contextlib
import json
from collections import Counter
from types import TracebackType
from typing import Any, Self

import structlog
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from protocol.connection import Connection
from protocol.envelope import Envelope, from_dict
from protocol.errors import IoaError, NotFound
from protocol.streams import group_stream
from protocol.tracing import annotate, consumer_span, record_error
from services.chat.groups import GroupStore
from services.chat.settings import ChatSettings

log = structlog.get_logger("ioa.chat.fanout")

CONSUMER = "fanout"
MAX_RETRY_DELAY = 5.0


class Fanout:
    """Runs the fan-out loop while entered; leaving finishes the message in hand."""

    def __init__(self, conn: Connection, groups: GroupStore, settings: ChatSettings) -> None:
        self._conn = conn
        self._subjects = conn.subjects
        self._groups = groups
        self._settings = settings
        self._stream = group_stream(conn.subjects).name
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._psub: Any = None
        # A pull for more than the consumer lets be in flight would linger until
        # it expires instead of returning with what it got.
        self._batch = min(settings.fanout_batch, settings.fanout_max_ack_pending)
        self.counts: Counter[str] = Counter()

    async def __aenter__(self) -> Self:
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
                max_ack_pending=self._settings.fanout_max_ack_pending,
            ),
        )
        self._psub = await js.pull_subscribe_bind(durable=CONSUMER, stream=self._stream)
        self._task = asyncio.create_task(self._run(), name="chat-fanout")
        log.info("fan-out running", stream=self._stream, consumer=CONSUMER)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        if self._task is not None:
            # The loop notices within one fetch timeout; a message in hand is
            # finished or handed back (nak) before it stops.
            done, _ = await asyncio.wait({self._task}, timeout=MAX_RETRY_DELAY + 2)
            if not done:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        if self._psub is not None:
            with contextlib.suppress(Exception):
                await self._psub.unsubscribe()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                msgs = await self._psub.fetch(batch=self._batch, timeout=1.0)
            except TimeoutError:  # nats' own and asyncio's: nothing to fan out yet
                continue
            except Exception as exc:  # a NATS outage: wait, then fetch again
                log.warning("fan-out fetch failed", error=str(exc))
                await self._pause(0.5)
                continue
            for msg in msgs:
                if self._stopping.is_set():
                    # Hand the rest back at once instead of waiting out ack_wait.
                    with contextlib.suppress(Exception):
                        await msg.nak()
                    continue
                await self._fan_out(msg)

    async def _fan_out(self, msg: Msg) -> None:
        with consumer_span(msg.subject, msg.headers, name="fanout group.log") as span:
            try:
                group = self._subjects.group_of(msg.subject)
                env = from_dict(json.loads(msg.data))
            except (ValueError, IoaError) as exc:
                # Only this service writes the logs; nothing can be done for it.
                log.error("a group log holds an unreadable message", subject=msg.subject)
                record_error(span, exc)
                self.counts["unreadable"] += 1
                await msg.term()
                return
            annotate(span, env)
            delay = 0.2
            while True:
                try:
                    copies = await self._copy(group, env)
                    break
                except NotFound as exc:
                    log.warning("a logged message's group is gone", group=group, id=env.id)
                    record_error(span, exc)
                    self.counts["orphaned"] += 1
                    await msg.term()
                    return
                except Exception as exc:
                    self.counts["retries"] += 1
                    if self._stopping.is_set():
                        record_error(span, exc)
                        with contextlib.suppress(Exception):
                            await msg.nak()
                        return
                    log.warning("fan-out failed; retrying", group=group, id=env.id, error=str(exc))
                    # Keep the message ours while retrying, so order holds.
                    with contextlib.suppress(Exception):
                        await msg.in_progress()
                    await self._pause(delay)
                    delay = min(delay * 2, MAX_RETRY_DELAY)
            span.set_attribute("ioa.fanout.copies", copies)
            await msg.ack()
            self.counts["messages"] += 1
            self.counts["copies"] += copies

    async def _copy(self, group_id: str, env: Envelope[Any]) -> int:
        """Publish one copy per recipient; raise if any copy was not stored."""
        group = await self._groups.get(group_id)
        recipients = group.recipients(env.sender)
        results = await asyncio.gather(
            *(
                self._conn.deliver(
                    self._subjects.inbox(member, "group", group.id),
                    env,
                    msg_id=f"{env.id}:{member}",
                )
                for member in recipients
            ),
            return_exceptions=True,
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise failures[0]
        return len(recipients)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
