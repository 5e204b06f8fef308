"""Restarting the children of ``ioa up`` that die: exponential backoff, and giving up on
a child that keeps dying.

:class:`Restarter` is polled by the supervisor (:meth:`Restarter.sweep`); it notices a
dead child, waits its backoff, starts the child's own command again, and returns what
it did as events for the supervisor to report. It never stops a child: shutdown is the
supervisor's, and it stops polling first, so a child that stops then is not a death.
"""

import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from ioa.processes import ManagedProcess

State = Literal["running", "restarting", "down"]


@dataclass(slots=True, frozen=True)
class RestartPolicy:
    """Wait ``first_delay`` before the first restart, ``factor`` times longer after each
    further death (at most ``max_delay``); leave the child down at its ``give_up_after``-th
    death within ``window`` seconds. Deaths older than the window are forgotten, so a
    child that has run well for a while starts again from ``first_delay``."""

    first_delay: float = 0.5
    factor: float = 2.0
    max_delay: float = 10.0
    give_up_after: int = 5
    window: float = 60.0

    def delay(self, deaths: int) -> float:
        """The wait before restarting a child that died ``deaths`` times in the window."""
        return float(min(self.max_delay, self.first_delay * self.factor ** max(0, deaths - 1)))


@dataclass(slots=True)
class Record:
    """What the supervisor knows of one child's life beyond its current process."""

    state: State = "running"
    restarts: int = 0
    last_exit: str = ""
    deaths: deque[float] = field(default_factory=deque)
    restart_at: float = 0.0


@dataclass(slots=True, frozen=True)
class Died:
    """A child died; ``delay`` until its restart, or None: it is left down."""

    name: str
    pid: int | None
    exit: str
    returncode: int | None
    deaths: int
    """Its deaths within the policy's window, this one included."""
    delay: float | None
    log: str
    tail: str | None
    """The end of its log on a repeated death (and when it is left down), else None."""


@dataclass(slots=True, frozen=True)
class Restarted:
    name: str
    pid: int | None
    previous_pid: int | None
    restarts: int


Event = Died | Restarted


@dataclass
class Restarter:
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    records: dict[str, Record] = field(default_factory=dict)

    def record(self, name: str) -> Record:
        return self.records.setdefault(name, Record())

    def sweep(self, processes: Iterable[ManagedProcess], now: float | None = None) -> list[Event]:
        """Note the children that died since the last sweep and restart those whose
        backoff is over; what happened, in order."""
        now = time.monotonic() if now is None else now
        events: list[Event] = []
        for proc in processes:
            record = self.record(proc.name)
            if record.state == "restarting" and now >= record.restart_at:
                events.append(self._restart(proc, record))
            elif record.state == "running" and proc.proc is not None and not proc.alive:
                events.append(self._died(proc, record, now))
        return events

    def _died(self, proc: ManagedProcess, record: Record, now: float) -> Died:
        record.deaths.append(now)
        while record.deaths[0] < now - self.policy.window:
            record.deaths.popleft()
        deaths = len(record.deaths)
        record.last_exit = proc.describe_exit()
        delay: float | None = None
        if deaths >= self.policy.give_up_after:
            record.state = "down"
        else:
            delay = self.policy.delay(deaths)
            record.state, record.restart_at = "restarting", now + delay
        repeated = deaths > 1 or delay is None
        return Died(
            proc.name,
            proc.pid,
            record.last_exit,
            proc.returncode,
            deaths,
            delay,
            str(proc.log_path),
            proc.log_tail() if repeated else None,
        )

    def _restart(self, proc: ManagedProcess, record: Record) -> Restarted:
        previous = proc.pid
        record.state = "running"
        record.restarts += 1
        proc.start(f"--- ioa up: restart {record.restarts} of {proc.name} ({record.last_exit}) ---")
        return Restarted(proc.name, proc.pid, previous, record.restarts)
