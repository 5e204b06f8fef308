"""Restarting children that die: the backoff, forgetting old deaths, giving up, with real
short-lived subprocesses."""

import sys
import time
from pathlib import Path

from ioa.processes import ManagedProcess
from ioa.restarts import Died, Event, Restarted, Restarter, RestartPolicy

FAST = RestartPolicy(first_delay=0.05, factor=2.0, max_delay=1.0, give_up_after=4, window=30.0)


def failing(tmp_path: Path) -> ManagedProcess:
    """A child that says why on stderr and exits 3 at once."""
    code = "import sys; print('cannot start: no disk', file=sys.stderr); sys.exit(3)"
    return ManagedProcess("failing", [sys.executable, "-c", code], tmp_path / "failing.log")


def sweep_until_down(
    restarter: Restarter, proc: ManagedProcess, timeout: float
) -> list[tuple[float, Event]]:
    """Sweep as the supervisor does until ``proc`` is left down; each event with its time."""
    seen: list[tuple[float, Event]] = []
    deadline = time.monotonic() + timeout
    while restarter.record(proc.name).state != "down":
        assert time.monotonic() < deadline, f"not left down within {timeout}s: {seen}"
        seen += [(time.monotonic(), event) for event in restarter.sweep([proc])]
        time.sleep(0.01)
    return seen


def test_the_backoff_doubles_from_half_a_second_up_to_its_cap() -> None:
    policy = RestartPolicy()
    assert [policy.delay(n) for n in range(1, 8)] == [0.5, 1, 2, 4, 8, 10, 10]


def test_a_child_that_keeps_exiting_is_restarted_with_growing_delays_then_left_down(
    tmp_path: Path,
) -> None:
    proc = failing(tmp_path)
    proc.start()
    restarter = Restarter(FAST)

    seen = sweep_until_down(restarter, proc, timeout=10)

    deaths = [e for _, e in seen if isinstance(e, Died)]
    restarts = [e for _, e in seen if isinstance(e, Restarted)]
    assert [(d.exit, d.returncode) for d in deaths] == [("exited with code 3", 3)] * 4
    assert [d.deaths for d in deaths] == [1, 2, 3, 4]
    assert [d.delay for d in deaths] == [0.05, 0.1, 0.2, None]
    # The first death names the log; the repeated ones show its end.
    assert deaths[0].tail is None
    assert all("cannot start: no disk" in (d.tail or "") for d in deaths[1:])
    assert [r.restarts for r in restarts] == [1, 2, 3]
    pids = [d.pid for d in deaths]
    assert len(set(pids)) == 4 and [r.previous_pid for r in restarts] == pids[:3]
    # Each restart waited out its delay after the death before it.
    times = [t for t, _ in seen]
    for i, delay in enumerate([0.05, 0.1, 0.2]):
        assert times[2 * i + 1] - times[2 * i] >= delay
    record = restarter.record("failing")
    assert (record.state, record.restarts, record.last_exit) == ("down", 3, "exited with code 3")
    assert restarter.sweep([proc]) == [], "a child left down stays down"


def test_deaths_older_than_the_window_are_forgotten_so_the_backoff_starts_again(
    tmp_path: Path,
) -> None:
    proc = failing(tmp_path)
    proc.start()
    assert proc.wait(10)
    restarter = Restarter(FAST)

    [first] = restarter.sweep([proc], now=0.0)
    [restarted] = restarter.sweep([proc], now=first.delay or 0.0)
    assert proc.wait(10)
    [second] = restarter.sweep([proc], now=1.0)  # soon: the backoff grows
    restarter.sweep([proc], now=2.0)
    assert proc.wait(10)
    [later] = restarter.sweep([proc], now=100.0)  # long after both: it starts again

    assert isinstance(first, Died) and isinstance(second, Died) and isinstance(later, Died)
    assert isinstance(restarted, Restarted)
    assert (first.deaths, first.delay) == (1, 0.05)
    assert (second.deaths, second.delay) == (2, 0.1)
    assert (later.deaths, later.delay) == (1, 0.05)
    assert restarter.record("failing").restarts == 2


def test_a_child_that_was_never_started_is_not_a_death(tmp_path: Path) -> None:
    assert Restarter(FAST).sweep([failing(tmp_path)]) == []
