"""``GET /v1/conversations/{id}/trace``: a conversation's trace, its spans read from the
embedded run's OTLP JSON files.

In the embedded run every process writes its spans to ``IOA_TRACE_DIR``; this reads
them back so the web UI can show a conversation's whole trace. Only who may read the
conversation may read it (the coordinator's word, asked as the caller; 404 for anyone
else, like every conversation route); which trace is the conversation's is the
coordinator's word too, not the caller's. Where traces go to a
collector instead (no ``IOA_TRACE_DIR``), the answer is 404 and Jaeger is the place.
"""

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Path as PathParam
from pydantic import BaseModel

from gateway.auth import CallerDep
from gateway.deps import ConnDep, SettingsDep
from gateway.feed import get_state
from gateway.problems import Problem
from protocol.errors import NotFound
from protocol.ids import ID_PATTERN

router = APIRouter(prefix="/v1/conversations", tags=["traces"], responses={404: {"model": Problem}})

MAX_FILE_BYTES = 200_000_000  # never read more than this per trace file


class SpanOut(BaseModel):
    service: str
    name: str
    span_id: str
    parent_span_id: str | None
    start_ns: int
    end_ns: int
    attributes: dict[str, Any]


class TraceOut(BaseModel):
    trace_id: str
    spans: list[SpanOut]


def _attributes(raw: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in raw or []:
        value = item.get("value", {})
        out[item.get("key", "?")] = next(iter(value.values()), None) if value else None
    return out


def _spans(folder: Path, trace_id: str) -> list[SpanOut]:
    found: list[SpanOut] = []
    for path in sorted(folder.glob("*.jsonl")):
        if path.stat().st_size > MAX_FILE_BYTES:
            continue
        with path.open() as lines:
            for line in lines:
                if trace_id not in line:
                    continue
                for rs in json.loads(line).get("resourceSpans", []):
                    service = _attributes(rs.get("resource", {}).get("attributes", [])).get(
                        "service.name", path.stem
                    )
                    for ss in rs.get("scopeSpans", []):
                        for span in ss.get("spans", []):
                            if span.get("traceId") != trace_id:
                                continue
                            found.append(
                                SpanOut(
                                    service=str(service),
                                    name=span.get("name", ""),
                                    span_id=span.get("spanId", ""),
                                    parent_span_id=span.get("parentSpanId") or None,
                                    start_ns=int(span.get("startTimeUnixNano", 0)),
                                    end_ns=int(span.get("endTimeUnixNano", 0)),
                                    attributes=_attributes(span.get("attributes", [])),
                                )
                            )
    return sorted(found, key=lambda s: s.start_ns)


@router.get("/{conversation}/trace", response_model=TraceOut)
async def read_trace(
    conversation: Annotated[str, PathParam(pattern=ID_PATTERN, description="The conversation.")],
    conn: ConnDep,
    settings: SettingsDep,
    caller: CallerDep,
) -> TraceOut:
    """Every span of the conversation's trace, oldest first (from ``IOA_TRACE_DIR``)."""
    trace_id = (await get_state(conn, conversation, reader=caller.user)).trace_id
    if trace_id is None:
        raise NotFound(f"conversation {conversation} was started without a trace")
    folder = settings.trace_dir
    if folder is None or not folder.is_dir():
        raise NotFound("traces are not kept here (no IOA_TRACE_DIR); look in your trace backend")
    spans = await asyncio.to_thread(_spans, folder, trace_id)
    if not spans:
        raise NotFound(f"no spans of trace {trace_id} (yet)")
    return TraceOut(trace_id=trace_id, spans=spans)
