"""The lease sweeper: marks agents whose lease ran out offline and announces it; each
pass also reports how many agents are registered and online (``ioa.registry.agents``)."""

import asyncio
import contextlib
from types import TracebackType
from typing import Self

import structlog

from protocol import metrics
from registry.events import StatusEvents
from registry.store import Store

log = structlog.get_logger("ioa.registry.sweeper")


class Sweeper:
    """Every ``interval`` seconds, expires overdue leases (the card is kept).

    Every replica runs one; the store's guarded update hands each expiry to
    exactly one of them, so each agent going offline is announced once.
    """

    def __init__(self, store: Store, events: StatusEvents, interval: float) -> None:
        self.store = store
        self.events = events
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def sweep(self) -> list[str]:
        """One pass: expire overdue leases and announce each agent that went offline."""
        expired = await self.store.expire()
        for agent in expired:
            await self.events.announce(agent, online=False, reason="lease expired")
        counts = await self.store.counts()
        metrics.set_counts(
            metrics.registry_agents,
            "ioa.agent.online",
            {"true": counts.get(True, 0), "false": counts.get(False, 0)},
        )
        return expired

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                # A database hiccup must not end the sweeping; try again next tick.
                log.exception("lease sweep failed")
            await asyncio.sleep(self.interval)

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._run(), name="registry-lease-sweeper")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
