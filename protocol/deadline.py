"""A deadline that reaches every wait below it.

``async with within(when):`` runs a block under a deadline: every request
(:meth:`~protocol.connection.Connection.send`), model call
(:meth:`~protocol.llm.Llm.complete`) and retry loop (:func:`~protocol.retry.retrying`)
inside it gets at most what is left (:func:`left`), never a fixed timeout of its own
that could outlive its caller, and the block itself is cancelled at the deadline
(:class:`Expired`), whatever it was waiting for. A scope can also be cut short
(:meth:`Scope.cut`): a cancelled conversation abandons the calls it has in flight.

>>> async def main() -> None:                      # doctest: +SKIP
...     async with within(datetime.now(UTC) + timedelta(seconds=20)):
...         await conn.request("registry", "search", Search(query="math"))  # <= 20 s
"""

import asyncio
import time
from contextvars import ContextVar, Token
from datetime import datetime
from types import TracebackType
from typing import Self

from protocol.errors import Timeout

_until: ContextVar[float | None] = ContextVar("ioa_deadline", default=None)
"""The deadline in force, in seconds since the epoch (``None``: none)."""


class Expired(Timeout):
    """A block's deadline passed, or its scope was cut short, before it finished."""


def remaining() -> float | None:
    """Seconds left until the deadline in force (never below 0), or ``None``."""
    until = _until.get()
    return None if until is None else max(0.0, until - time.time())


def left(seconds: float) -> float:
    """``seconds``, or what is left of the deadline in force when that is less."""
    rest = remaining()
    return seconds if rest is None else min(seconds, rest)


class Scope:
    """A block run under a deadline; see :func:`within`."""

    def __init__(self, until: float) -> None:
        self.until = until
        self._timeout: asyncio.Timeout | None = None
        self._token: Token[float | None] | None = None
        self.was_cut = False

    def cut(self) -> None:
        """End the block now, as if its deadline had passed."""
        self.was_cut = True
        if self._timeout is not None:
            self._timeout.reschedule(asyncio.get_running_loop().time())

    async def __aenter__(self) -> Self:
        outer = _until.get()
        if outer is not None:
            self.until = min(self.until, outer)
        self._token = _until.set(self.until)
        loop = asyncio.get_running_loop()
        self._timeout = asyncio.timeout_at(loop.time() + self.until - time.time())
        await self._timeout.__aenter__()
        if self.was_cut:  # cut before it began
            self.cut()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._timeout is not None and self._token is not None
        timeout, self._timeout = self._timeout, None
        try:
            await timeout.__aexit__(exc_type, exc, tb)
        except TimeoutError:
            if not timeout.expired():
                raise
            why = "was cut short" if self.was_cut else "passed"
            raise Expired(f"the deadline {why}") from None
        finally:
            _until.reset(self._token)


def within(when: datetime | float) -> Scope:
    """A scope whose deadline is ``when`` (a datetime, or seconds since the epoch), or
    the deadline in force around it when that comes sooner."""
    return Scope(when.timestamp() if isinstance(when, datetime) else when)
