"""Asking again while a service is briefly out of reach (restarting, its NATS node failing
over, or shedding load), or not there yet (a network whose parts start in any order)."""

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog

from protocol import deadline
from protocol.errors import IoaError, Timeout, Unavailable

T = TypeVar("T")

OUT_OF_REACH: tuple[type[IoaError], ...] = (Unavailable, Timeout)
PAUSE = 0.5


async def retrying(
    call: Callable[[], Awaitable[T]],
    *,
    seconds: float,
    why: str,
    transient: tuple[type[IoaError], ...] = OUT_OF_REACH,
    log: Any = None,
    longest_pause: float = PAUSE,
    **context: Any,
) -> T:
    """``call()``; while it fails with a ``transient`` error it is called again for up to
    ``seconds`` (``math.inf``: until it succeeds, or the deadline in force ends), each time
    logged as ``why``; past that the error goes up. The pause starts at half a second and
    doubles up to ``longest_pause``: a part waiting for a peer that is not up yet asks
    less often the longer it waits."""
    logger = log or structlog.get_logger("ioa.retry")
    loop = asyncio.get_running_loop()
    ends = loop.time() + deadline.left(seconds)
    pause = PAUSE
    attempt = 0
    while True:
        try:
            return await call()
        except transient as exc:
            now = loop.time()
            if now >= ends:
                raise
            attempt += 1
            logger.info(why, error=str(exc), attempt=attempt, **context)
            await asyncio.sleep(min(pause, ends - now) if math.isfinite(ends) else pause)
            pause = min(pause * 2, max(longest_pause, PAUSE))
