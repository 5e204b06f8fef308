"""Graceful shutdown: wait for SIGTERM or SIGINT, then let the caller drain."""

import asyncio
import signal
from typing import Any

import structlog

log = structlog.get_logger("ioa.lifecycle")


async def until_signalled() -> None:
    """Return when the process receives SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
        log.info("stopping on signal")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def cancel_until_done(task: "asyncio.Task[Any]", *, every: float = 0.05) -> None:
    """Cancel ``task`` and return once it has ended. On Python 3.11 a cancellation that
    meets a result arriving at the same moment is swallowed by ``asyncio.wait_for``
    (nats-py's requests use it) and a loop would go on, so it is cancelled again until
    it ends."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=every)  # the caller's own cancellation propagates
    if not task.cancelled():
        task.exception()  # retrieved: how it ended does not matter to a caller stopping it
