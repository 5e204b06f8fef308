"""``ioa trace``: one conversation's spans from the embedded run's OTLP JSON files,
as a tree with durations and the critical path.

The critical path is the chain of spans that decided how long the whole took:
from the root, always the child whose own work (with all it started) finished last.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(slots=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    service: str
    start: int
    end: int
    attributes: dict[str, Any]
    children: list["Span"] = field(default_factory=list)

    @property
    def ms(self) -> float:
        return (self.end - self.start) / 1e6


def _value(v: dict[str, Any]) -> Any:
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in v:
            return v[key]
    if "intValue" in v:
        return int(v["intValue"])
    return str(v)


def read_spans(trace_dir: Path) -> Iterator[Span]:
    """Every span in ``trace_dir/*.jsonl`` (lines of OTLP JSON ``resourceSpans``)."""
    for path in sorted(trace_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                doc = json.loads(line)
            except ValueError:
                continue  # a line cut off by a crash
            for rs in doc.get("resourceSpans", []):
                resource = {a["key"]: _value(a["value"]) for a in rs["resource"]["attributes"]}
                service = str(resource.get("service.name", path.stem))
                for scope in rs.get("scopeSpans", []):
                    for s in scope.get("spans", []):
                        yield Span(
                            trace_id=s["traceId"],
                            span_id=s["spanId"],
                            parent_id=s.get("parentSpanId"),
                            name=s["name"],
                            service=service,
                            start=int(s["startTimeUnixNano"]),
                            end=int(s["endTimeUnixNano"]),
                            attributes={
                                a["key"]: _value(a["value"]) for a in s.get("attributes", [])
                            },
                        )


def trace_ids_of(spans: Iterable[Span], wanted: str) -> set[str]:
    """The traces a conversation id (or a trace id) names."""
    ids = set()
    for span in spans:
        if span.trace_id == wanted or span.attributes.get("ioa.conversation") == wanted:
            ids.add(span.trace_id)
    return ids


def build_tree(spans: list[Span]) -> list[Span]:
    """Link children to parents; the roots are spans whose parent is not in the list."""
    by_id = {s.span_id: s for s in spans}
    roots = []
    for span in sorted(spans, key=lambda s: s.start):
        parent = by_id.get(span.parent_id or "")
        if parent is None:
            roots.append(span)
        else:
            parent.children.append(span)
    return roots


def _descendants(spans: list[Span]) -> Iterator[Span]:
    for span in spans:
        yield span
        yield from _descendants(span.children)


def _finish(span: Span) -> int:
    """When the span and everything it started was done."""
    return max([span.end, *(_finish(child) for child in span.children)])


def critical_path(root: Span) -> set[str]:
    path, span = {root.span_id}, root
    while span.children:
        span = max(span.children, key=_finish)
        path.add(span.span_id)
    return path


def render(roots: list[Span], *, width: int = 40) -> str:
    """The span trees as text: offset and duration in ms, * marks the critical path."""
    if not roots:
        return "no spans"
    every = list(_descendants(roots))
    origin = min(s.start for s in every)
    end = max(s.end for s in every)  # work may go on after its root span ended
    main = max(roots, key=lambda r: r.end - r.start)
    hot = critical_path(main)
    lines = [f"{len(roots)} root span(s), {(end - origin) / 1e6:,.1f} ms in all; * = critical path"]

    def walk(span: Span, depth: int) -> None:
        start = (span.start - origin) / 1e6
        bar_at = int(width * (span.start - origin) / max(end - origin, 1))
        bar_len = max(1, int(width * (span.end - span.start) / max(end - origin, 1)))
        bar = " " * bar_at + "█" * bar_len
        mark = "*" if span.span_id in hot else " "
        lines.append(
            f"{mark} {start:9.1f} {span.ms:9.1f}  {bar:<{width}}  "
            f"{'  ' * depth}{span.service}: {span.name}"
        )
        for child in span.children:
            walk(child, depth + 1)

    lines.append(f"  {'start ms':>9} {'took ms':>9}  {'':<{width}}  service: span")
    for root in roots:
        walk(root, 0)
    return "\n".join(lines)


def show(data_dir: Path, wanted: str) -> int:
    trace_dir = data_dir / "traces"
    if not trace_dir.is_dir():
        print(f"no traces under {trace_dir}; is this the data folder of 'ioa up' (--data-dir)?")
        return 1
    spans = list(read_spans(trace_dir))
    ids = trace_ids_of(spans, wanted)
    if not ids:
        print(f"no spans of {wanted!r} in {trace_dir}; give a conversation id or a trace id")
        return 1
    for trace_id in sorted(ids):
        print(f"trace {trace_id}")
        print(render(build_tree([s for s in spans if s.trace_id == trace_id])))
    return 0


def group_by_trace(spans: Iterable[Span]) -> dict[str, list[Span]]:
    out: dict[str, list[Span]] = defaultdict(list)
    for span in spans:
        out[span.trace_id].append(span)
    return out
