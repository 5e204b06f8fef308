"""Trace context in NATS headers, and the messaging spans around publish and handling.

Spans follow the OpenTelemetry messaging conventions: PRODUCER when a message
is published, CONSUMER when it is handled, ``messaging.system=nats``. The
context travels in the ``traceparent`` / ``tracestate`` headers, never in the body.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

tracer = trace.get_tracer("ioa.protocol")

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
def producer_span(subject: str, envelope: Any | None = None) -> Iterator[dict[str, str]]:
    """A PRODUCER span for one publish; yields the headers to send with it."""
    with tracer.start_as_current_span(
        f"send {_kind_of(subject)}",
        kind=SpanKind.PRODUCER,
        attributes={**_attributes(subject, envelope), "messaging.operation.type": "send"},
    ):
        yield inject()


@contextmanager
def consumer_span(
    subject: str, headers: Mapping[str, str] | None, name: str | None = None
) -> Iterator[Span]:
    """A CONSUMER span for handling one message, child of the sender's context."""
    with tracer.start_as_current_span(
        name or f"process {_kind_of(subject)}",
        context=extract(headers),
        kind=SpanKind.CONSUMER,
        attributes={**_attributes(subject, None), "messaging.operation.type": "process"},
    ) as span:
        yield span


def annotate(span: Span, envelope: Any) -> None:
    """Add an envelope's ids to a span once it is decoded."""
    for key, value in _attributes("", envelope).items():
        if key != "messaging.destination.name":
            span.set_attribute(key, value)


def record_error(span: Span, exc: BaseException) -> None:
    span.record_exception(exc)
    span.set_status(Status(StatusCode.ERROR, str(exc)))


def _kind_of(subject: str) -> str:
    """A low-cardinality span name: the subject with its ids left out."""
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
        return ".".join(parts[i:])
    return subject
