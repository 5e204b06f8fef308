"""``<data>/run.json``: what a running ``ioa up`` tells other commands (``ioa demo``,
``ioa status``).

It names the gateway, the NATS server, the supervisor's pid and every child
process with its log file, its state and restarts and, for our Python processes,
its Prometheus metrics URL. The supervisor rewrites it whenever a child dies or is
restarted. It exists only while the supervisor runs.
"""

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RUN_FILE = "run.json"


@dataclass(slots=True)
class ProcessEntry:
    name: str
    pid: int
    log: str
    state: str = "running"
    """``running``, ``restarting`` (dead, waiting out its backoff) or ``down`` (given up)."""
    restarts: int = 0
    last_exit: str = ""
    """How its last process ended (``killed by SIGKILL``), '' if none has."""


@dataclass(slots=True)
class RunInfo:
    gateway_url: str
    nats_url: str
    pid: int
    processes: list[ProcessEntry] = field(default_factory=list)
    llm_url: str | None = None
    data_dir: str = ""
    api_key: str = ""
    """The gateway key of this run (user ``user:local``); the file is readable only by its owner."""
    metrics: dict[str, str] = field(default_factory=dict)
    """Each process's Prometheus scrape URL, by process name."""
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "RunInfo":
        processes = [ProcessEntry(**p) for p in data.get("processes", [])]
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["processes"] = processes
        return cls(**known)


def path_in(data_dir: Path) -> Path:
    return data_dir / RUN_FILE


def write(data_dir: Path, info: RunInfo) -> Path:
    """Write run.json atomically, so a reader never sees half a file."""
    target = path_in(data_dir)
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(info.to_json(), indent=2) + "\n")
    tmp.chmod(0o600)  # it holds the run's API key
    tmp.replace(target)
    return target


def read(data_dir: Path) -> RunInfo | None:
    """The run info, or None when there is none (or it cannot be read)."""
    try:
        return RunInfo.from_json(json.loads(path_in(data_dir).read_text()))
    except (FileNotFoundError, ValueError, TypeError, KeyError):
        return None


def remove(data_dir: Path) -> None:
    path_in(data_dir).unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_table(
    entries: list[ProcessEntry], metrics: dict[str, str] | None = None, *, status: bool = False
) -> str:
    """The processes as an aligned table: name, pid, (with ``status``: state, restarts),
    metrics URL (if any are given), log file (and, with ``status``, how each last ended)."""
    columns = ["name", "pid", *(["state", "restarts"] if status else [])]
    columns += [*(["metrics"] if metrics else []), "log", *(["last exit"] if status else [])]

    def cells(e: ProcessEntry) -> list[str]:
        every = {
            "name": e.name,
            "pid": str(e.pid),
            "state": e.state,
            "restarts": str(e.restarts),
            "metrics": (metrics or {}).get(e.name, "-"),
            "log": e.log,
            "last exit": e.last_exit or "-",
        }
        return [every[c] for c in columns]

    return _aligned([columns, *map(cells, entries)], right={"pid", "restarts"})


def _aligned(rows: list[list[str]], right: set[str]) -> str:
    """Columns padded to their widest cell (the last one not), those named in ``right``
    aligned right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    flush = [name in right for name in rows[0]]
    lines = []
    for row in rows:
        cells = [
            cell if i == len(row) - 1 else cell.rjust(w) if flush[i] else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  " + "  ".join(cells))
    return "\n".join(lines)
