"""All of one user's conversations as one feed: every state change, resumable.

The feed reads the EVENTS stream (``events.conversation.>``) and keeps the events of
conversations the user may read: the coordinator's answer (:mod:`gateway.readers`), so
the feed shows what ``GET /v1/conversations/{id}`` would. Each event's id is its EVENTS
stream sequence, so ``after=N`` (or ``Last-Event-ID: N``) resumes exactly after the last
one a client saw (an ordered consumer of its own, from there); without it, only new
changes come (from the gateway's :class:`~gateway.statehub.StateHub`). The messages of
one conversation come from its own feed (``/v1/conversations/{id}/events``).
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator

from nats.aio.subscription import Subscription

from gateway.feed import FeedEvent
from gateway.readers import Readers
from gateway.statehub import StateEvent, StateHub, follow_states
from protocol.connection import Connection


class UserFeed:
    def __init__(
        self,
        conn: Connection,
        readers: Readers,
        hub: StateHub,
        user: str,
        *,
        after: int | None = None,
        keepalive: float = 15.0,
    ) -> None:
        self.conn, self.readers, self.hub, self.user = conn, readers, hub, user
        self.after = after
        self.keepalive = keepalive
        self._queue: asyncio.Queue[StateEvent] = asyncio.Queue()
        self._sub: Subscription | None = None

    async def open(self) -> None:
        """Join the gateway's hub for new changes; a resume reads the stream itself."""
        if self.after is None:
            self._queue = await self.hub.join()
        else:
            self._sub = await follow_states(self.conn, self.after, self._queue.put_nowait)

    async def close(self) -> None:
        self.hub.leave(self._queue)
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None

    async def events(self) -> AsyncIterator[FeedEvent | None]:
        """``state`` events of the conversations the user may read (``None``: a keepalive
        is due)."""
        try:
            while True:
                try:
                    seq, state = await asyncio.wait_for(self._queue.get(), self.keepalive)
                except TimeoutError:
                    yield None
                    continue
                if await self.readers.may_read(self.user, state.conversation):
                    yield FeedEvent("state", state.model_dump(mode="json"), seq)
        finally:
            await self.close()
