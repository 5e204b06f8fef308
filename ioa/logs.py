"""``ioa logs CONVERSATION``: one conversation's log lines from every process of the
embedded run, in time order.

A line belongs to the conversation when it names it, or when it carries the trace id
of one of the conversation's traces (read from the run's trace files).
"""

import json
from pathlib import Path
from typing import Any

from ioa.traces import read_spans, trace_ids_of

SKIP = {"timestamp", "level", "event", "service", "trace_id", "span_id", "conversation"}


def lines_of(data_dir: Path, conversation: str) -> list[dict[str, Any]]:
    traces = set()
    if (data_dir / "traces").is_dir():
        traces = trace_ids_of(read_spans(data_dir / "traces"), conversation)
    found = []
    for path in sorted((data_dir / "logs").glob("*.log")):
        for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if not raw.startswith("{"):
                continue
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if line.get("conversation") == conversation or line.get("trace_id") in traces:
                line.setdefault("service", path.stem)
                found.append(line)
    return sorted(found, key=lambda line: str(line.get("timestamp", "")))


def format_line(line: dict[str, Any]) -> str:
    extra = " ".join(f"{k}={v}" for k, v in line.items() if k not in SKIP)
    return (
        f"{line.get('timestamp', '')}  {line.get('service', ''):<12} "
        f"{line.get('level', ''):<7} {line.get('event', '')}  {extra}"
    ).rstrip()


def show(data_dir: Path, conversation: str) -> int:
    if not (data_dir / "logs").is_dir():
        print(f"no logs under {data_dir / 'logs'}; is this the data folder of 'ioa up'?")
        return 1
    lines = lines_of(data_dir, conversation)
    if not lines:
        print(f"no log lines of {conversation!r} under {data_dir / 'logs'}")
        return 1
    for line in lines:
        print(format_line(line))
    return 0
