"""Child processes of ``ioa up``: each in its own session, its output in its own log file,
and tied to the supervisor's life so that none outlives it, even after a SIGKILL.
"""

import ctypes
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(sig: int = signal.SIGKILL) -> Callable[[], None]:
    """A ``preexec_fn`` that makes the kernel send ``sig`` to the child when its parent dies.

    The kernel watches the thread that forked the child, so call ``Popen`` from a
    thread that lives as long as the supervisor (its main thread).
    """
    parent = os.getpid()

    def preexec() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0:
            os._exit(126)
        # The parent may have died between fork and prctl; then nobody would signal us.
        if os.getppid() != parent:
            os._exit(1)

    return preexec


def tail(path: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of a log file ('' if it does not exist)."""
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            text = f.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class ManagedProcess:
    """One supervised child: its command, started again after a death (``start`` once
    more), every run's output appended to ``log_path``."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | subprocess.Popen[str] | None = None
        self.started_at = 0.0

    def start(self, banner: str = "") -> None:
        """Start the command; ``banner``, if any, goes into the log first (a line that
        marks where a restarted child's output begins)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            if banner:
                log.write(f"{banner}\n".encode())
                log.flush()
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
                preexec_fn=die_with_parent(),
            )
        self.started_at = time.monotonic()

    def adopt(self, proc: subprocess.Popen[str]) -> None:
        """Supervise a process started elsewhere (nats-server starts through ``nats_server``)."""
        self.proc = proc
        self.started_at = time.monotonic()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def signal(self, sig: int) -> None:
        """Signal the child's whole process group (it leads its own session)."""
        if not self.alive:
            return
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            # The group is gone already, or the child left it: signal the child alone.
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the child to exit; True if it has."""
        if self.proc is None:
            return True
        try:
            self.proc.wait(max(0.0, timeout))
        except subprocess.TimeoutExpired:
            return False
        return True

    def log_tail(self, lines: int = 20) -> str:
        return tail(self.log_path, lines)

    def describe_exit(self) -> str:
        code = self.returncode
        if code is None:
            return "running"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exited with code {code}"


def stop(proc: "subprocess.Popen[Any]", timeout: float, sig: int = signal.SIGTERM) -> None:
    """Stop a plain child (not a :class:`ManagedProcess`): ``sig``, up to ``timeout``
    seconds to exit, then SIGKILL; reaped either way. Nothing if it has exited already."""
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def stop_all(
    steps: Sequence[Sequence[ManagedProcess]],
    *,
    budget: float = 7.0,
    step_limit: float = 4.0,
    step_minimum: float = 0.2,
    on_kill: Callable[[ManagedProcess], None] | None = None,
) -> None:
    """Stop ``steps`` in reverse order with SIGTERM, each step given up to ``step_limit``
    seconds within an overall ``budget`` (but at least ``step_minimum``, so a slow step
    does not leave the next no time at all); SIGKILL whatever is left at the end.

    Reverse order lets services drain against a NATS server that is still up.
    """
    deadline = time.monotonic() + budget
    for step in reversed(steps):
        for proc in step:
            proc.signal(signal.SIGTERM)
        now = time.monotonic()
        step_deadline = max(min(deadline, now + step_limit), now + step_minimum)
        for proc in step:
            proc.wait(step_deadline - time.monotonic())
    for step in steps:
        for proc in step:
            if proc.alive:
                if on_kill:
                    on_kill(proc)
                proc.signal(signal.SIGKILL)
                proc.wait(1.0)
