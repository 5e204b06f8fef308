"""Graceful shutdown: wait for SIGTERM or SIGINT, then let the caller drain."""

import asyncio
import signal

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
