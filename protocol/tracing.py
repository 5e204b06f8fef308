"""Trace context in NATS headers, and the messaging spans around publish and handling.

Spans follow the OpenTelemetry messaging conventions: PRODUCER when a message
is published, CONSUMER when it is handled, ``messaging.system=nats``. The
context travels in the ``traceparent`` / ``tracestate`` headers, never in the body.

The same two context managers count what they wrap (:mod:`protocol.metrics`):
each publish, and each handling with its duration and whether it failed
(:func:`record_error` inside a handling marks it failed), whether or not the
trace is sampled.
"""

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from protocol import metrics

tracer = trace.get_tracer("ioa.protocol")


@dataclass(slots=True)
class _Handling:
    """What the metrics need to know of the message being handled."""

    kind: str
    message_type: str | None = None
    failed: bool = False


_handling: ContextVar[_Handling | None] = ContextVar("ioa_handling", default=None)

TRACE_HEADERS = ("traceparent", "tracestate")


def inject(headers: dict[str, str] | None = None) -> dict[str, str]:
    """Headers carrying the current trace context (added to ``headers`` if given)."""
    carrier = headers if headers is not None else {}
    propagate.inject(carrier)
    return carrier


def extract(headers: Mapping[str, str] | None) -> context.Context:
    return propagate.extract(dict(headers or {}))


def current_trace_id() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None


def _attributes(subject: str, envelope: Any | None) -> dict[str, Any]:
    attrs: dict[str, Any] = {"messaging.system": "nats", "messaging.destination.name": subject}
    if envelope is not None:
        attrs["messaging.message.id"] = envelope.id
        attrs["ioa.message.type"] = envelope.type
        attrs["ioa.sender"] = envelope.sender
        if envelope.conversation:
            attrs["ioa.conversation"] = envelope.conversation
        if envelope.group:
            attrs["ioa.group"] = envelope.group
    return attrs


@contextmanager
def producer_span(
    subject: str, envelope: Any | None = None, *, traced: bool = True
) -> Iterator[dict[str, str]]:
    """A PRODUCER span for one publish; yields the headers to send with it.

    ``traced=False``: routine upkeep (heartbeats) that would only bury the traces
    that matter: counted, but no span and no trace headers.
    """
    kind = _kind_of(subject)
    metrics.published.add(
        1, metrics.message_attributes(kind, envelope.type if envelope is not None else None)
    )
    if not traced:
        yield {}
        return
    with tracer.start_as_current_span(
        f"send {kind}",
        kind=SpanKind.PRODUCER,
        attributes={**_attributes(subject, envelope), "messaging.operation.type": "send"},
    ):
        yield inject()


@contextmanager
def consumer_span(
    subject: str,
    headers: Mapping[str, str] | None,
    name: str | None = None,
    *,
    root: bool = True,
) -> Iterator[Span]:
    """A CONSUMER span for handling one message, child of the sender's context.

    ``root=False``: a message that carries no trace context starts no trace of its own
    (routine upkeep); it is still counted, and one that does carry a context is traced.
    """
    handling = _Handling(_kind_of(subject))
    token = _handling.set(handling)
    started = time.perf_counter()
    parent = extract(headers)
    try:
        if not root and not trace.get_current_span(parent).get_span_context().is_valid:
            with trace.use_span(trace.INVALID_SPAN) as span:
                yield span
        else:
            with tracer.start_as_current_span(
                name or f"process {handling.kind}",
                context=parent,
                kind=SpanKind.CONSUMER,
                attributes={**_attributes(subject, None), "messaging.operation.type": "process"},
            ) as span:
                yield span
    except BaseException:
        handling.failed = True
        raise
    finally:
        _handling.reset(token)
        attrs = metrics.message_attributes(handling.kind, handling.message_type)
        metrics.handling_duration.record(time.perf_counter() - started, attrs)
        (metrics.failed if handling.failed else metrics.handled).add(1, attrs)


def annotate(span: Span, envelope: Any) -> None:
    """Add an envelope's ids to a span once it is decoded."""
    handling = _handling.get()
    if handling is not None:
        handling.message_type = envelope.type
    for key, value in _attributes("", envelope).items():
        if key != "messaging.destination.name":
            span.set_attribute(key, value)


def record_error(span: Span, exc: BaseException) -> None:
    """Mark ``span`` failed; inside a :func:`consumer_span`, the handling counts as failed."""
    handling = _handling.get()
    if handling is not None:
        handling.failed = True
    span.record_exception(exc)
    span.set_status(Status(StatusCode.ERROR, str(exc)))


def _kind_of(subject: str) -> str:
    """A low-cardinality span name and metric attribute: the subject with its ids left
    out (an event's kind is its first token: ``events.conversation.<id>`` is
    ``events.conversation``)."""
    parts = subject.split(".")
    if "from" in parts:
        i = parts.index("from")
        return ".".join(parts[i + 2 :]) or subject
    if "to" in parts:
        return "inbox"
    if "group" in parts:
        return "group.log"
    if "events" in parts:
        i = parts.index("events")
        return ".".join(parts[i : i + 2])
    return subject
