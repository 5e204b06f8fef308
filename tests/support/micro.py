"""Asking the NATS micro framework ($SRV.PING / INFO / STATS) on a shared test server."""

import json
from collections.abc import Callable
from typing import Any

from nats.errors import TimeoutError as NatsTimeout

from protocol.connection import Connection


async def answers(
    conn: Connection, subject: str, enough: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    """Every answer to one request on ``subject`` until ``enough(answers)`` holds.

    ``$SRV`` subjects are not under a test's subject root: services of other tests on
    the same server answer as well, and a plain request cannot ask only ours, so
    callers pick theirs out."""
    inbox = conn.nc.new_inbox()
    sub = await conn.nc.subscribe(inbox)
    await conn.nc.publish(subject, b"", reply=inbox)
    found: list[dict[str, Any]] = []
    try:
        while not enough(found):
            found.append(json.loads((await sub.next_msg(timeout=5)).data))
    except NatsTimeout:
        pass  # the caller's assertions say what was missing
    finally:
        await sub.unsubscribe()
    return found
