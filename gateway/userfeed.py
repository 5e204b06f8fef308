"""All of one user's conversations as one feed: every state change, resumable.

The feed reads the EVENTS stream (``events.conversation.>``) and keeps the events of
conversations the user owns. Each event's id is its EVENTS stream sequence, so
``after=N`` (or ``Last-Event-ID: N``) resumes exactly after the last one a client saw
(an ordered consumer of its own, from there); without it, only new changes come (from
the gateway's :class:`~gateway.statehub.StateHub`). The messages of one conversation
come from its own feed (``/v1/conversations/{id}/events``).
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from nats.aio.subscription import Subscription

from gateway.auth import Keyring
from gateway.feed import FeedEvent
from gateway.statehub import StateEvent, StateHub, follow_states
from protocol.connection import Connection

# A state event may arrive a moment before the gateway has written down who
# started the conversation; an unknown owner is asked again until the event is this
# old. An older event (a replay) is judged at once: its owner would be known by now.
OWNER_GRACE_SECONDS = 1.0


class UserFeed:
    def __init__(
        self,
        conn: Connection,
        keyring: Keyring,
        hub: StateHub,
        user: str,
        *,
        after: int | None = None,
        keepalive: float = 15.0,
    ) -> None:
        self.conn, self.keyring, self.hub, self.user = conn, keyring, hub, user
        self.after = after
        self.keepalive = keepalive
        self._queue: asyncio.Queue[StateEvent] = asyncio.Queue()
        self._sub: Subscription | None = None
        self._unowned: set[str] = set()

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

    async def _mine(self, conversation: str, published: float) -> bool:
        """Whether the user owns ``conversation`` (an event of it was published then)."""
        if conversation in self._unowned:
            return False
        until = published + OWNER_GRACE_SECONDS
        while (owner := await self.keyring.owner_of(conversation)) is None:
            left = until - time.time()
            if left <= 0:
                self._unowned.add(conversation)
                return False
            await self.keyring.owner_written(left)
        return owner == self.user

    async def events(self) -> AsyncIterator[FeedEvent | None]:
        """``state`` events of the user's conversations (``None``: a keepalive is due)."""
        try:
            while True:
                try:
                    seq, published, state = await asyncio.wait_for(
                        self._queue.get(), self.keepalive
                    )
                except TimeoutError:
                    yield None
                    continue
                if await self._mine(state.conversation, published):
                    yield FeedEvent("state", state.model_dump(mode="json"), seq)
        finally:
            await self.close()
