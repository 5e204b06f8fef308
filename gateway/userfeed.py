"""All of one user's conversations as one feed: every state change, resumable.

The feed reads the EVENTS stream (``events.conversation.>``) with an ordered
consumer and keeps the events of conversations the user owns. Each event's id is
its EVENTS stream sequence, so ``after=N`` (or ``Last-Event-ID: N``) resumes
exactly after the last one a client saw; without it, only new changes come. The
messages of one conversation come from its own feed (``/v1/conversations/{id}/events``).
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from gateway.auth import Keyring
from gateway.feed import FeedEvent
from protocol.connection import Connection
from protocol.errors import Unavailable
from protocol.kinds import ConversationState
from protocol.streams import event_stream

# A state event may arrive a moment before the gateway has written down who
# started the conversation; an unknown owner is asked again until the event is this
# old. An older event (a replay) is judged at once: its owner would be known by now.
OWNER_GRACE_SECONDS = 1.0


class UserFeed:
    def __init__(
        self,
        conn: Connection,
        keyring: Keyring,
        user: str,
        *,
        after: int | None = None,
        keepalive: float = 15.0,
    ) -> None:
        self.conn, self.keyring, self.user = conn, keyring, user
        self.after = after
        self.keepalive = keepalive
        self._queue: asyncio.Queue[tuple[int, float, ConversationState]] = asyncio.Queue()
        self._sub: Any = None
        self._unowned: set[str] = set()

    async def open(self) -> None:
        if self.after is None:
            config = ConsumerConfig(deliver_policy=DeliverPolicy.NEW)
        else:
            config = ConsumerConfig(
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=self.after + 1
            )
        try:
            self._sub = await self.conn.js.subscribe(
                self.conn.subjects.event("conversation", ">"),
                stream=event_stream(self.conn.subjects).name,
                ordered_consumer=True,
                config=config,
                cb=self._on_event,
            )
        except NotFoundError:
            raise Unavailable("the events stream is not there (is the coordinator up?)") from None

    async def close(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None

    async def _on_event(self, msg: Msg) -> None:
        env = self.conn.read_event(msg)
        if env is not None and isinstance(state := env.body, ConversationState):
            meta = msg.metadata
            published = meta.timestamp.timestamp() if meta.timestamp else time.time()
            self._queue.put_nowait((meta.sequence.stream, published, state))

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
