"""Publishing a batch of copies to JetStream pipelined, and knowing when all are stored.

nats-py's ``publish_async`` gives every message its own future, semaphore slot,
reply token and dictionary entry, and parses every ack into a ``PubAck``; for
the fan-out, which publishes several copies of every logged message, that was a
fifth of the chat service's time. Here a round of copies shares one reply
subject and one subscription counts their acks. The round's number is in the
reply subject, so a late ack of an earlier round (given up on and sent again)
is not counted for this one.
"""

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

# Copies sent ahead of their acks; past it a round waits (as nats-py's own limit does).
MAX_OUTSTANDING = 4000

Copy = tuple[str, bytes, dict[str, str]]
"""Subject, payload and headers of one copy."""


class CopyFailed(Exception):
    """JetStream refused a copy, or did not acknowledge every copy in time."""


@dataclass(slots=True)
class _Round:
    number: int
    sent: int = 0
    acked: int = 0
    refused: list[str] = field(default_factory=list)
    progress: asyncio.Event = field(default_factory=asyncio.Event)


class CopyPipeline:
    """Sends rounds of copies on one connection, one round at a time."""

    def __init__(self, nc: Client) -> None:
        self._nc = nc
        self._prefix = ""
        self._sub: Subscription | None = None
        self._round = _Round(0)

    async def __aenter__(self) -> Self:
        self._prefix = self._nc.new_inbox()
        self._sub = await self._nc.subscribe(f"{self._prefix}.*", cb=self._on_ack)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._sub is not None:
            await self._sub.unsubscribe()

    async def send(self, copies: Iterable[Copy], *, timeout: float) -> int:
        """Publish ``copies`` in order; return how many once JetStream stored them all.

        Raises :class:`CopyFailed` when one was refused or the acks took longer than
        ``timeout`` seconds: the caller sends the whole round again (each copy's
        ``Nats-Msg-Id`` makes the ones already stored duplicates).
        """
        this = self._round = _Round(self._round.number + 1)
        reply = f"{self._prefix}.{this.number}"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        for subject, data, headers in copies:
            while this.sent - this.acked >= MAX_OUTSTANDING:
                await self._progress(this, deadline - loop.time())
            await self._nc.publish(subject, data, reply=reply, headers=headers)
            this.sent += 1
        while this.acked < this.sent:
            await self._progress(this, deadline - loop.time())
        if this.refused:
            raise CopyFailed(f"JetStream refused {len(this.refused)} copies: {this.refused[0]}")
        return this.sent

    async def _progress(self, this: _Round, left: float) -> None:
        this.progress.clear()
        try:
            await asyncio.wait_for(this.progress.wait(), timeout=max(left, 0.0))
        except TimeoutError:
            raise CopyFailed(
                f"{this.sent - this.acked} of {this.sent} copies were not acknowledged in time"
            ) from None

    async def _on_ack(self, msg: Msg) -> None:
        this = self._round
        if msg.subject.rsplit(".", 1)[-1] != str(this.number):
            return  # an ack of an earlier round
        this.acked += 1
        if not msg.data:  # a status instead of an ack: no stream took the subject
            this.refused.append(f"no stream stored it ({msg.headers})")
        elif b'"error"' in msg.data:
            this.refused.append(str(json.loads(msg.data).get("error")))

        this.progress.set()
