"""The supervisor's watch over real children: a killed child comes back and run.json and
``ioa status`` say so; one that keeps dying is left down (nats-server ends the run);
stopping is never taken for a death."""

import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from ioa import runfile, status
from ioa.processes import ManagedProcess
from ioa.restarts import RestartPolicy
from ioa.up import Supervisor, UpOptions
from tests.ioa.procfs import process_gone

FAST = RestartPolicy(first_delay=0.05, factor=2.0, max_delay=1.0, give_up_after=3, window=30.0)
SLEEP = "import time; time.sleep(60)"
EXIT_3 = "import sys; print('bad config: no port', file=sys.stderr); sys.exit(3)"


def supervised(tmp_path: Path, lines: list[str], **children: str) -> Supervisor:
    """A supervisor (announced, so run.json exists) over ``children``: name → Python code."""
    supervisor = Supervisor(UpOptions(data_dir=tmp_path), out=lines.append, policy=FAST)
    supervisor.gateway_url, supervisor.nats_url = "http://127.0.0.1:1", "nats://127.0.0.1:2"
    for name, code in children.items():
        child = ManagedProcess(name, [sys.executable, "-c", code], tmp_path / f"{name}.log")
        child.start()
        supervisor.steps.append([child])
    supervisor.announce(0.1)
    return supervisor


def entry(tmp_path: Path, name: str) -> runfile.ProcessEntry:
    info = runfile.read(tmp_path)
    assert info is not None
    return next(p for p in info.processes if p.name == name)


async def until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``predicate`` (it reads run.json, which the supervisor rewrites) until it holds."""
    async with asyncio.timeout(timeout):
        while True:
            if predicate():
                return
            await asyncio.sleep(0.02)


async def test_a_killed_child_is_restarted_and_run_json_and_ioa_status_show_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines: list[str] = []
    supervisor = supervised(tmp_path, lines, sleeper=SLEEP)
    [[child]] = supervisor.steps
    first_pid = child.pid
    with capture_logs() as logs:
        watching = asyncio.create_task(supervisor.watch())
        child.signal(signal.SIGKILL)
        await until(lambda: entry(tmp_path, "sleeper").restarts == 1)
        supervisor.stop()
        assert await watching == 0

    restarted = entry(tmp_path, "sleeper")
    assert restarted.pid == child.pid != first_pid and child.alive
    assert (restarted.state, restarted.last_exit) == ("running", "killed by SIGKILL")
    died = next(e for e in logs if e["event"] == "child died")
    assert (died["child"], died["returncode"], died["restart_in_seconds"]) == ("sleeper", -9, 0.05)
    assert next(e for e in logs if e["event"] == "child restarted")["pid"] == child.pid
    said = "\n".join(lines)
    assert f"sleeper (pid {first_pid}) killed by SIGKILL; restarting it in 0.05s" in said
    assert f"pid {child.pid}" in said and "restarted (restart 1)" in said

    capsys.readouterr()
    assert status.show(tmp_path) == 0
    table = capsys.readouterr().out.splitlines()
    assert ["sleeper", str(child.pid), "running", "1"] == table[3].split()[:4]

    supervisor.shutdown()
    assert process_gone(restarted.pid), "stopping is not a death: nothing restarts it"
    assert status.show(tmp_path) == 2


async def test_a_child_that_keeps_dying_is_left_down_and_the_others_keep_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines: list[str] = []
    supervisor = supervised(tmp_path, lines, sleeper=SLEEP, broken=EXIT_3)
    watching = asyncio.create_task(supervisor.watch())
    try:
        await until(lambda: entry(tmp_path, "broken").state == "down")
        await asyncio.sleep(0.3)  # and it stays down
        assert not watching.done(), "one child down does not end the run"
        assert supervisor.steps[0][0].alive
        broken = entry(tmp_path, "broken")
        assert (broken.restarts, broken.last_exit) == (2, "exited with code 3")

        said = "\n".join(lines)
        assert "3 deaths within 30s, so ioa up leaves it down; the others keep running" in said
        assert "bad config: no port" in said and "What to do: read" in said
        capsys.readouterr()
        assert status.show(tmp_path) == 1
        out = capsys.readouterr().out
        assert "broken is down after 2 restarts (exited with code 3)" in out
    finally:
        supervisor.stop()
        await watching
        supervisor.shutdown()


async def test_ioa_up_stops_when_nats_server_keeps_dying(tmp_path: Path) -> None:
    lines: list[str] = []
    supervisor = supervised(tmp_path, lines, nats=EXIT_3, sleeper=SLEEP)
    try:
        async with asyncio.timeout(10):
            assert await supervisor.watch() == 1
        assert "nothing works without nats, so ioa up stops" in "\n".join(lines)
    finally:
        supervisor.shutdown()
