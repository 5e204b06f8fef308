"""Reading a durable JetStream pull consumer: the part every reader does the same way.

Inboxes (``inbox.py``), the chat service's fan-out and the coordinator's agent-offline
events each bind a pull subscription and fetch batches until they stop. What a fetch
does when nothing comes or NATS is out of reach, and how the subscription is let go,
is the same for all of them, and is here.
"""

import asyncio
import contextlib
from typing import Any

import structlog
from nats.aio.msg import Msg

log = structlog.get_logger("ioa.pull")

FETCH_SECONDS = 1.0
"""How long one fetch waits for a message: a reader notices it should stop this fast."""
OUTAGE_PAUSE = 0.5
"""How long a reader waits before fetching again after NATS failed it."""


async def fetch(psub: Any, batch: int, stopping: asyncio.Event, **context: Any) -> list[Msg]:
    """The next messages, at most ``batch``; none when nothing came within a second or
    NATS is out of reach (then after a pause that ``stopping`` cuts short). The caller
    loops until ``stopping`` is set; ``context`` goes into the log line of a failure."""
    try:
        msgs: list[Msg] = await psub.fetch(batch=batch, timeout=FETCH_SECONDS)
        return msgs
    except TimeoutError:  # nats-py raises its own or asyncio's: nothing came
        return []
    except Exception as exc:  # a NATS outage: wait, then the caller fetches again
        log.warning("fetch failed; fetching again", error=str(exc), **context)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=OUTAGE_PAUSE)
        return []


async def let_go(psub: Any) -> None:
    """Unsubscribe a pull subscription, if there is one: left subscribed after a batch
    fetch, it makes the connection's drain() hang for its whole timeout (30 s)."""
    if psub is not None:
        with contextlib.suppress(Exception):
            await psub.unsubscribe()
