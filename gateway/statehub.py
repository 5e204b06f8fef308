"""Conversation state events, read once per gateway process for every live user feed.

A user feed that follows only new changes (no ``after``) needs no consumer of its own:
the hub holds one ordered consumer of ``events.conversation.>`` (made when the first
such feed opens) and copies each state into every listening feed's queue. A consumer
per watcher would cost a JetStream API round trip at every connect, and nats-server caps
the consumers of one stream (1,000 by default since 2.15) for all gateways together.
"""

import asyncio
import contextlib
from collections.abc import Callable

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from gateway.feed import follow_stream
from protocol.connection import Connection
from protocol.kinds import ConversationState
from protocol.streams import event_stream

StateEvent = tuple[int, ConversationState]
"""An event of the EVENTS stream: its sequence and the state."""


async def follow_states(
    conn: Connection, after: int | None, deliver: Callable[[StateEvent], None]
) -> Subscription:
    """Hand every conversation state stored after ``after`` (or from now on) to ``deliver``."""

    async def on_event(msg: Msg) -> None:
        env = conn.read_event(msg)
        if env is not None and isinstance(state := env.body, ConversationState):
            deliver((msg.metadata.sequence.stream, state))

    return await follow_stream(
        conn,
        conn.subjects.event("conversation", ">"),
        event_stream(conn.subjects).name,
        after=after,
        cb=on_event,
        missing="the events stream is not there (is the coordinator up?)",
    )


class StateHub:
    """Hands every new conversation state to each feed that joined."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._feeds: set[asyncio.Queue[StateEvent]] = set()
        self._sub: Subscription | None = None
        self._opening = asyncio.Lock()

    async def join(self) -> asyncio.Queue[StateEvent]:
        """A queue that gets every state stored from now on (``unavailable`` without events)."""
        async with self._opening:
            if self._sub is None:
                self._sub = await follow_states(self.conn, None, self._broadcast)
        queue: asyncio.Queue[StateEvent] = asyncio.Queue()
        self._feeds.add(queue)
        return queue

    def leave(self, queue: asyncio.Queue[StateEvent]) -> None:
        self._feeds.discard(queue)

    async def close(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None

    def _broadcast(self, event: StateEvent) -> None:
        for feed in self._feeds:
            feed.put_nowait(event)
