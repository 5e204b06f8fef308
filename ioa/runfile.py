"""``<data>/run.json``: what a running ``ioa up`` tells other commands (``ioa demo``).

It names the gateway, the NATS server, the supervisor's pid and every child
process with its log file and, for our Python processes, its Prometheus
metrics URL. It exists only while the supervisor runs.
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


def process_table(entries: list[ProcessEntry], metrics: dict[str, str] | None = None) -> str:
    """The processes as an aligned table: name, pid, log file (and metrics URL, if any)."""
    width = max([len("name"), *(len(e.name) for e in entries)])
    if not metrics:
        lines = [f"  {'name':<{width}}  {'pid':>7}  log"]
        lines += [f"  {e.name:<{width}}  {e.pid:>7}  {e.log}" for e in entries]
        return "\n".join(lines)
    urls = [metrics.get(e.name, "-") for e in entries]
    url_width = max(len("metrics"), *(len(u) for u in urls))
    lines = [f"  {'name':<{width}}  {'pid':>7}  {'metrics':<{url_width}}  log"]
    lines += [
        f"  {e.name:<{width}}  {e.pid:>7}  {url:<{url_width}}  {e.log}"
        for e, url in zip(entries, urls, strict=True)
    ]
    return "\n".join(lines)
