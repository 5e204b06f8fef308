"""Supervised children: they die with the supervisor, and stop in reverse order."""

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from ioa.processes import ManagedProcess, stop_all, tail
from tests.ioa.procfs import process_gone


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_a_child_dies_when_its_supervisor_is_killed_with_sigkill(tmp_path: Path) -> None:
    supervisor = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from ioa.processes import ManagedProcess
        child = ManagedProcess(
            "sleeper", [sys.executable, "-c", "import time; time.sleep(60)"],
            Path({str(tmp_path / "sleeper.log")!r}),
        )
        child.start()
        print(child.pid, flush=True)
        time.sleep(60)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", supervisor], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    assert not process_gone(child_pid)

    parent.send_signal(signal.SIGKILL)
    parent.wait(5)

    assert wait_for(lambda: process_gone(child_pid), 5), "the child outlived its supervisor"


def test_stop_all_stops_gently_and_kills_a_child_that_ignores_sigterm(tmp_path: Path) -> None:
    gentle = ManagedProcess(
        "gentle", [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "gentle.log"
    )
    stubborn = ManagedProcess(
        "stubborn",
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ignoring SIGTERM', flush=True); time.sleep(60)",
        ],
        tmp_path / "stubborn.log",
    )
    gentle.start()
    stubborn.start()
    assert wait_for(lambda: "ignoring" in tail(stubborn.log_path), 10)
    killed: list[str] = []

    began = time.monotonic()
    stop_all([[gentle], [stubborn]], budget=1.0, on_kill=lambda p: killed.append(p.name))

    assert time.monotonic() - began < 3
    assert killed == ["stubborn"]
    assert gentle.describe_exit() == "killed by SIGTERM"
    assert stubborn.describe_exit() == "killed by SIGKILL"


def test_a_child_writes_its_output_to_its_log_and_tail_shows_the_last_lines(
    tmp_path: Path,
) -> None:
    proc = ManagedProcess(
        "counter",
        [sys.executable, "-c", "for i in range(50): print('line', i)"],
        tmp_path / "logs" / "counter.log",
    )
    proc.start()
    assert proc.wait(10)
    assert proc.describe_exit() == "exited with code 0"
    assert tail(proc.log_path, 3).splitlines() == ["line 47", "line 48", "line 49"]
    assert tail(tmp_path / "missing.log") == ""
