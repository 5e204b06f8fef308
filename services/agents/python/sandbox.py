"""Run untrusted Python in a separate process with limits, and collect what it produced.

Limits: CPU seconds (``RLIMIT_CPU``), address space (``RLIMIT_AS``), processes
(``RLIMIT_NPROC``, as ``nobody`` when the agent runs as root), file size
(``RLIMIT_FSIZE``), wall time (the whole process group is killed), and output
size (reading stops and the group is killed). Each run gets a fresh working
directory that is deleted afterwards. The network is cut with a network
namespace (made privileged as root, else inside an unprivileged user namespace)
where the kernel allows it; :func:`probe_isolation` says whether it

does on this machine, and nothing claims isolation that is not there.
"""

import asyncio
import base64
import contextlib
import json
import mimetypes
import os
import shutil
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LAUNCHER = Path(__file__).with_name("launcher.py")
NO_ISOLATION = 97
NOBODY = 65534


@dataclass(frozen=True, slots=True)
class Limits:
    cpu_seconds: int = 5
    wall_seconds: float = 10.0
    memory_bytes: int = 512 * 1024 * 1024
    processes: int = 32
    output_bytes: int = 64 * 1024
    file_bytes: int = 8 * 1024 * 1024
    inline_file_bytes: int = 32 * 1024
    max_files: int = 20


@dataclass(slots=True)
class ProducedFile:
    name: str
    size: int
    media_type: str
    content: bytes | None
    """The bytes when small enough to return inline; ``None`` when only listed."""


@dataclass(slots=True)
class Run:
    """What one run did."""

    exit_status: int | None
    stdout: str
    stderr: str
    seconds: float
    limit: str | None = None
    """Which limit stopped the program: cpu, wall, memory, processes, output, file size."""
    signal: str | None = None
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    files: list[ProducedFile] = field(default_factory=list)
    network_isolated: bool = False

    def record(self) -> dict[str, Any]:
        """The run as JSON data (files listed without their bytes)."""
        return {
            "exit_status": self.exit_status,
            "signal": self.signal,
            "limit": self.limit,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "stdout_truncated": self.stdout_truncated,
            "stderr_truncated": self.stderr_truncated,
            "seconds": round(self.seconds, 3),
            "network_isolated": self.network_isolated,
            "files": [
                {
                    "name": f.name,
                    "size": f.size,
                    "media_type": f.media_type,
                    "inline": bool(f.content is not None),
                }
                for f in self.files
            ],
        }


@dataclass(frozen=True, slots=True)
class Isolation:
    """Whether runs get no network here, and why not when they do not."""

    network: bool
    detail: str


class SandboxError(RuntimeError):
    """The sandbox could not be set up (not the program's fault)."""


Progress = Callable[[float], Awaitable[None]]


def pick_interpreter(preferred: str | None = None) -> str:
    """The Python the programs run with; as root it must be runnable by ``nobody``."""
    candidates = [
        preferred,
        sys.executable,
        getattr(sys, "_base_executable", None),
        shutil.which("python3"),
        "/usr/bin/python3",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            if os.geteuid() != 0 or _world_runnable(Path(candidate)):
                return candidate
    raise SandboxError("no Python interpreter that the unprivileged user 'nobody' can run")


def _world_runnable(path: Path) -> bool:
    """Every folder on the way is world-searchable and the file world-executable."""
    real = path.resolve()
    if not real.stat().st_mode & stat.S_IXOTH:
        return False
    return all(parent.stat().st_mode & stat.S_IXOTH for parent in real.parents)


async def probe_isolation(python: str) -> Isolation:
    """Try a network namespace once and look inside it: only a loopback may be there."""
    code = (
        "import socket, json, pathlib\n"
        "own_users = not pathlib.Path('/proc/self/uid_map').read_text().strip()\n"
        "print(json.dumps([[n for _, n in socket.if_nameindex()], own_users]))"
    )
    try:
        run = await run_code(code, Limits(wall_seconds=10), isolate_network=True, python=python)
    except SandboxError as exc:
        return Isolation(False, str(exc))
    if run.exit_status == NO_ISOLATION:
        return Isolation(False, run.stderr.strip() or "the kernel refused a network namespace")
    try:
        interfaces, own_users = json.loads(run.stdout)
    except ValueError:
        return Isolation(False, f"the probe failed: {run.stderr.strip()[-300:]}")
    if interfaces != ["lo"]:
        return Isolation(False, f"interfaces still visible in the namespace: {interfaces}")
    how = " inside an unprivileged user namespace" if own_users else ""
    return Isolation(True, f"each run gets its own network namespace{how} (loopback only, down)")


async def run_code(
    code: str,
    limits: Limits,
    *,
    isolate_network: bool,
    python: str,
    progress: Progress | None = None,
    progress_every: float = 5.0,
) -> Run:
    """Run ``code`` under ``limits`` in a throw-away directory."""
    root = Path(tempfile.mkdtemp(prefix="ioa-python-"))
    try:
        workdir = root / "work"
        workdir.mkdir()
        script = root / "main.py"
        script.write_text(code, encoding="utf-8")
        if os.geteuid() == 0:
            # The program runs as nobody: it may write its directory and read its script.
            os.chown(workdir, NOBODY, NOBODY)
            os.chmod(root, 0o755)
            os.chmod(script, 0o644)
        spec = {
            "isolate_network": isolate_network,
            "cpu_seconds": limits.cpu_seconds,
            "memory_bytes": limits.memory_bytes,
            "file_bytes": limits.file_bytes,
            "processes": limits.processes,
            "workdir": str(workdir),
            "script": str(script),
            "python": python,
        }
        run = await _supervise(spec, limits, progress, progress_every)
        run.network_isolated = isolate_network and run.exit_status != NO_ISOLATION
        run.files = _collect(workdir, limits)
        return run
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def _supervise(
    spec: dict[str, Any], limits: Limits, progress: Progress | None, every: float
) -> Run:
    started = time.monotonic()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-I",
            str(LAUNCHER),
            json.dumps(spec),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        raise SandboxError(f"cannot start the sandbox: {exc}") from exc
    assert proc.stdout is not None and proc.stderr is not None
    overflow = asyncio.Event()
    out = asyncio.create_task(_read(proc.stdout, limits.output_bytes, overflow))
    err = asyncio.create_task(_read(proc.stderr, limits.output_bytes, overflow))
    limit: str | None = None
    deadline = started + limits.wall_seconds
    waiter = asyncio.create_task(proc.wait())
    overflowed = asyncio.create_task(overflow.wait())
    try:
        while not waiter.done():
            left = deadline - time.monotonic()
            if left <= 0:
                limit = "wall"
                break
            await asyncio.wait(
                {waiter, overflowed}, timeout=min(left, every), return_when=asyncio.FIRST_COMPLETED
            )
            if overflow.is_set() and not waiter.done():
                limit = "output"
                break
            if not waiter.done() and progress is not None:
                await progress(time.monotonic() - started)
    finally:
        # The program's children may outlive it and hold the pipes: end the whole group.
        _kill_group(proc.pid)
        overflowed.cancel()
    status = await waiter
    seconds = time.monotonic() - started
    try:
        stdout, out_cut = await asyncio.wait_for(out, 5)
        stderr, err_cut = await asyncio.wait_for(err, 5)
    except TimeoutError:
        out.cancel()
        err.cancel()
        stdout, out_cut, stderr, err_cut = b"", True, b"", True
    if overflow.is_set() and limit is None:
        limit = "output"
    sig = signal.Signals(-status).name if status < 0 else None
    if limit is None:
        limit = _limit_hit(sig, stderr.decode("utf-8", "replace"))
    return Run(
        exit_status=status,
        stdout=stdout.decode("utf-8", "replace"),
        stderr=stderr.decode("utf-8", "replace"),
        seconds=seconds,
        limit=limit,
        signal=sig,
        stdout_truncated=out_cut,
        stderr_truncated=err_cut,
    )


def _limit_hit(sig: str | None, stderr: str) -> str | None:
    # The soft CPU limit sends SIGXCPU, the hard one a second later SIGKILL.
    if sig in ("SIGXCPU", "SIGKILL"):
        return "cpu"
    if sig == "SIGXFSZ" or "File too large" in stderr:
        return "file size"
    tail = stderr[-2000:]
    if "MemoryError" in tail or "Cannot allocate memory" in tail:
        return "memory"
    if "BlockingIOError: [Errno 11]" in tail or "Resource temporarily unavailable" in tail:
        return "processes"
    return None


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


async def _read(
    stream: asyncio.StreamReader, limit: int, overflow: asyncio.Event
) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes; then set ``overflow`` and drain the rest unread."""
    data = bytearray()
    total = 0
    cut = False
    while chunk := await stream.read(65536):
        total += len(chunk)
        if len(data) < limit:
            data += chunk[: limit - len(data)]
        if total > limit and not cut:
            cut = True
            overflow.set()
    return bytes(data), cut


def _collect(workdir: Path, limits: Limits) -> list[ProducedFile]:
    """Regular files the program left, biggest last; never through a link (no /etc/shadow)."""
    files: list[ProducedFile] = []
    for dirpath, dirnames, filenames in os.walk(workdir, followlinks=False):
        for name in sorted(filenames):
            path = Path(dirpath) / name
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
                continue
            rel = str(path.relative_to(workdir))
            media = mimetypes.guess_type(name)[0] or "application/octet-stream"
            content = None
            if info.st_size <= limits.inline_file_bytes:
                with contextlib.suppress(OSError):
                    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
                    with os.fdopen(fd, "rb") as handle:
                        content = handle.read(limits.inline_file_bytes + 1)
            files.append(ProducedFile(rel, info.st_size, media, content))
            if len(files) >= limits.max_files:
                return files
        dirnames.sort()
    return files


def inline(file: ProducedFile) -> dict[str, Any]:
    """A small file as JSON: UTF-8 text as ``text``, anything else as ``base64``."""
    record: dict[str, Any] = {"name": file.name, "size": file.size, "media_type": file.media_type}
    assert file.content is not None
    try:
        record["text"] = file.content.decode("utf-8")
    except UnicodeDecodeError:
        record["base64"] = base64.b64encode(file.content).decode("ascii")
    return record
