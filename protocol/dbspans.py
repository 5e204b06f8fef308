"""Database calls as spans: :func:`trace_engine` makes every statement a SQLAlchemy
engine runs a CLIENT span (the OpenTelemetry database conventions).

A statement gets a span only inside a recorded span (a request being handled), so
background work (lease sweeps, batched heartbeats) never starts traces of its own.
Work run on a thread pool keeps its span only if the context travels with it
(``contextvars.copy_context().run``, as ``asyncio.to_thread`` does).

For services that own a database (the registry, the gateway's keys); SQLAlchemy
is theirs, so it is imported only when an engine is handed in.
"""

import re
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

tracer = trace.get_tracer("ioa.db")

_SPANS = "ioa_spans"
_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE|TABLE)\s+[\"`]?(\w+)", re.IGNORECASE)
_MAX_QUERY = 2000


def trace_engine(engine: Any) -> None:
    """Give every statement on ``engine`` a span named ``<OPERATION> <table>``."""
    from sqlalchemy import event

    system = engine.dialect.name
    database = Path(engine.url.database).name if engine.url.database else None

    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if not trace.get_current_span().is_recording():
            return
        operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        table = _TABLE.search(statement[:500])
        attributes: dict[str, Any] = {
            "db.system.name": system,
            "db.operation.name": operation,
            "db.query.text": statement[:_MAX_QUERY],
        }
        if database:
            attributes["db.namespace"] = database
        if table:
            attributes["db.collection.name"] = table.group(1)
        span = tracer.start_span(
            f"{operation} {table.group(1)}" if table else operation,
            kind=SpanKind.CLIENT,
            attributes=attributes,
        )
        conn.info.setdefault(_SPANS, []).append(span)

    def after(conn: Any, *_: Any) -> None:
        spans = conn.info.get(_SPANS)
        if spans:
            spans.pop().end()

    def failed(context: Any) -> None:
        spans = context.connection.info.get(_SPANS) if context.connection is not None else None
        if spans:
            span = spans.pop()
            span.record_exception(context.original_exception)
            span.set_status(Status(StatusCode.ERROR, str(context.original_exception)[:500]))
            span.end()

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "handle_error", failed)
