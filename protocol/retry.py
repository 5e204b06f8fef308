"""Asking again while a service is briefly out of reach (restarting, its NATS node failing
over, or shedding load)."""

import asyncio
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
    **context: Any,
) -> T:
    """``call()``; while it fails with a ``transient`` error it is called again every half
    second for up to ``seconds`` (or what is left of the deadline in force), each time
    logged as ``why``; past that the error goes up."""
    logger = log or structlog.get_logger("ioa.retry")
    loop = asyncio.get_running_loop()
    ends = loop.time() + deadline.left(seconds)
    while True:
        try:
            return await call()
        except transient as exc:
            if loop.time() >= ends:
                raise
            logger.info(why, error=str(exc), **context)
            await asyncio.sleep(PAUSE)
