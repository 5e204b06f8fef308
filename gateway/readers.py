"""Which conversations a user may read, as the coordinator answers: a cache for the feeds.

A user's feed (``/v1/events``, ``/v1/ws``) hears every conversation's state changes and
passes on those the user may read. That is the coordinator's decision (its ``get``,
asked as the user), never the gateway's; this only remembers each answer for a few
seconds, so a busy conversation costs one question per user and interval rather than
one per event, and feeds asking at once share one question. Nothing is lost with it:
the next event asks again.
"""

import asyncio
import time

import structlog

from gateway.feed import get_state
from protocol.connection import Connection
from protocol.errors import IoaError, NotFound

log = structlog.get_logger("ioa.gateway.readers")

MAX_ANSWERS = 100_000


class Readers:
    def __init__(self, conn: Connection, ttl: float) -> None:
        self.conn, self.ttl = conn, ttl
        self._answers: dict[tuple[str, str], tuple[float, bool]] = {}
        self._asking: dict[tuple[str, str], asyncio.Future[bool]] = {}

    async def may_read(self, user: str, conversation: str) -> bool:
        key = (user, conversation)
        hit = self._answers.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        asking = self._asking.get(key)
        if asking is None:
            asking = asyncio.ensure_future(self._ask(user, conversation))
            self._asking[key] = asking
            asking.add_done_callback(lambda _: self._asking.pop(key, None))
        return await asyncio.shield(asking)

    async def _ask(self, user: str, conversation: str) -> bool:
        try:
            await get_state(self.conn, conversation, reader=user)
            answer = True
        except NotFound:
            answer = False
        except IoaError as exc:  # no answer: not shown now, asked again next time
            log.warning("cannot tell who may read", conversation=conversation, error=str(exc))
            return False
        if len(self._answers) > MAX_ANSWERS:
            self._answers.clear()
        self._answers[(user, conversation)] = (time.monotonic() + self.ttl, answer)
        return answer
