"""One conversation as a Server-Sent Events stream: its state changes and its group log.

Events::

    event: state     data: ConversationState JSON       (whenever the state changes)
    event: message   data: {"seq": N, "envelope": {...}} (every group log message, in order)
    event: error     data: problem details               (the feed cannot go on)
    event: end       data: {"state": "...", "last_seq": N}

Every event's ``id`` is the sequence number of the last group message sent so
far, so a reconnecting client's ``Last-Event-ID`` (or ``?after=N``) resumes the
messages exactly where it stopped; states are sent again from the current one.

Nothing is missed: the feed subscribes to the conversation's events before it
asks the coordinator for the current state, and it reads the group log from
the GROUPS stream with an ordered consumer that starts at the requested
sequence, so history and live messages are one ordered sequence. Once the
conversation is in a terminal state, the feed sends every message the log
holds, then ``end``, and stops.
"""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import APIError, NotFoundError

from gateway.problems import problem_for
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import InvalidMessage, IoaError, Unavailable
from protocol.kinds import TERMINAL_STATES, ConversationState, GetConversation
from protocol.streams import group_stream
from protocol.subjects import COORDINATOR

log = structlog.get_logger("ioa.gateway.feed")


@dataclass(slots=True, frozen=True)
class FeedEvent:
    """One event of a feed: ``state``, ``message``, ``end`` or ``error``; ``id`` resumes."""

    event: str
    data: Any
    id: int

    def as_json(self) -> dict[str, Any]:
        return {"event": self.event, "id": self.id, "data": self.data}


@dataclass(slots=True, frozen=True)
class LogEntry:
    seq: int
    envelope: dict[str, Any] | None  # None: unreadable, skipped but counted as passed


def sse(event: str, data: Any, *, id: int | None = None) -> bytes:
    """One Server-Sent Event (``data`` as one line of JSON)."""
    lines = [f"event: {event}"]
    if id is not None:
        lines.append(f"id: {id}")
    lines.append("data: " + json.dumps(data, separators=(",", ":"), default=str))
    return ("\n".join(lines) + "\n\n").encode()


async def follow_stream(
    conn: Connection,
    subject: str,
    stream: str,
    *,
    after: int | None,
    cb: Callable[[Msg], Awaitable[None]],
    missing: str,
) -> Subscription:
    """An ordered consumer of ``subject``: from ``after + 1``, or only new messages when
    ``after`` is None. A stream that is not there, or that JetStream will not give one
    more consumer (nats-server caps a stream's consumers) or not in time, is a typed
    ``unavailable``: the client may try again, the gateway has not failed."""
    if after is None:
        config = ConsumerConfig(deliver_policy=DeliverPolicy.NEW)
    else:
        config = ConsumerConfig(
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=after + 1
        )
    try:
        sub: Subscription = await conn.js.subscribe(
            subject, stream=stream, ordered_consumer=True, config=config, cb=cb
        )
    except NotFoundError:
        raise Unavailable(missing) from None
    except (APIError, TimeoutError) as exc:
        why = getattr(exc, "description", None) or type(exc).__name__
        log.warning("jetstream refused a live feed", stream=stream, why=why)
        raise Unavailable(
            f"cannot follow {stream} right now ({why}); try again in a few seconds"
        ) from None
    return sub


async def get_state(conn: Connection, conversation: str, *, reader: str) -> ConversationState:
    """The coordinator's current view of a conversation (typed errors as they come),
    asked as ``reader``, the user the gateway speaks for: the coordinator decides whether
    they may see it, and answers someone else's as it answers an unknown id."""
    ask = GetConversation(conversation=conversation)
    env = Envelope.of(ask, sender=reader, conversation=conversation)
    reply = await conn.send(COORDINATOR, "get", env)
    if not isinstance(reply.body, ConversationState):
        raise InvalidMessage(f"the coordinator answered get with {reply.type!r}")
    return reply.body


class ConversationFeed:
    """Open with :meth:`open` (errors surface as HTTP problems), then iterate :meth:`stream`."""

    def __init__(
        self,
        conn: Connection,
        conversation: str,
        *,
        reader: str,
        after: int = 0,
        keepalive: float = 15.0,
    ) -> None:
        self.conn = conn
        self.conversation = conversation
        self.reader = reader
        self.after = after
        self.keepalive = keepalive
        self._queue: asyncio.Queue[ConversationState | LogEntry] = asyncio.Queue()
        self._events: Subscription | None = None
        self._log: Any = None
        self._state: ConversationState | None = None

    async def open(self) -> None:
        """Subscribe to the conversation's events, then read its current state as the
        reader (someone else's conversation is a ``not_found``, like an unknown one)."""
        subject = self.conn.subjects.event("conversation", self.conversation)
        self._events = await self.conn.nc.subscribe(subject, cb=self._on_event)
        try:
            self._state = await get_state(self.conn, self.conversation, reader=self.reader)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        for sub in (self._log, self._events):
            if sub is not None:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()
        self._log = self._events = None

    async def stream(self) -> AsyncIterator[bytes]:
        """The events as Server-Sent Events, until the conversation ends."""
        async for item in self.events():
            yield b": keepalive\n\n" if item is None else sse(item.event, item.data, id=item.id)

    async def events(self) -> AsyncIterator["FeedEvent | None"]:
        """The events (``None``: nothing happened for a keepalive interval), until the
        conversation ends (or the consumer stops iterating)."""
        assert self._state is not None, "open() the feed first"
        sent = self.after
        state = self._state
        final_seq: int | None = None
        try:
            yield FeedEvent("state", state.model_dump(mode="json"), sent)
            if state.group:
                await self._follow(state.group)
            if state.state in TERMINAL_STATES:
                final_seq = await self._last_seq(state.group)
            while final_seq is None or sent < final_seq:
                try:
                    item = await asyncio.wait_for(self._queue.get(), timeout=self.keepalive)
                except TimeoutError:
                    yield None
                    continue
                if isinstance(item, LogEntry):
                    if item.seq <= sent:
                        continue  # the ordered consumer restarted below a seen message
                    sent = item.seq
                    if item.envelope is None:
                        continue
                    yield FeedEvent("message", {"seq": item.seq, "envelope": item.envelope}, sent)
                    continue
                if not _is_newer(item, state):
                    continue
                had_group = state.group
                state = item
                yield FeedEvent("state", state.model_dump(mode="json"), sent)
                if state.group and not had_group:
                    await self._follow(state.group)
                if state.state in TERMINAL_STATES:
                    final_seq = await self._last_seq(state.group)
            yield FeedEvent("end", {"state": state.state, "last_seq": sent}, sent)
        except IoaError as exc:
            problem = problem_for(exc)
            log.warning("conversation feed failed", conversation=self.conversation, error=str(exc))
            yield FeedEvent("error", problem.model_dump(exclude_none=True), sent)
        finally:
            await self.close()

    async def _follow(self, group: str) -> None:
        """Read the group's log from ``after + 1`` on, history first, then live."""
        if self._log is not None:
            return
        self._log = await follow_stream(
            self.conn,
            self.conn.subjects.group_log(group),
            group_stream(self.conn.subjects).name,
            after=self.after,
            cb=self._on_log,
            missing="the group logs are not available (is the chat service up?)",
        )

    async def _last_seq(self, group: str | None) -> int:
        """The sequence of the group's last logged message (0 when it has none)."""
        if group is None:
            return 0
        try:
            msg = await self.conn.js.get_last_msg(
                group_stream(self.conn.subjects).name, self.conn.subjects.group_log(group)
            )
        except NotFoundError:
            return 0
        return msg.seq or 0

    async def _on_event(self, msg: Msg) -> None:
        env = self.conn.read_event(msg)
        if env is None:
            return
        if isinstance(env.body, ConversationState) and env.body.conversation == self.conversation:
            self._queue.put_nowait(env.body)

    async def _on_log(self, msg: Msg) -> None:
        seq = msg.metadata.sequence.stream
        try:
            envelope = json.loads(msg.data)
        except ValueError:
            log.error("a group log holds a message that is not JSON", seq=seq)
            envelope = None
        self._queue.put_nowait(LogEntry(seq=seq, envelope=envelope))


def _is_newer(candidate: ConversationState, current: ConversationState) -> bool:
    """Skip repeats and stale events (the first state may overlap the subscription)."""
    if candidate == current:
        return False
    return candidate.updated_at >= current.updated_at
