"""Every span this test process finishes, for tests that check tracing in-process.

The OpenTelemetry SDK takes one tracer provider per process; this installs it (or
joins the one a fixture installed) and collects finished spans in memory.
"""

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from protocol.telemetry import JsonLinesSpanExporter


@functools.cache
def collected() -> InMemorySpanExporter:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def in_trace(trace_id: int) -> list[ReadableSpan]:
    """The finished spans of one trace."""
    return [
        span
        for span in collected().get_finished_spans()
        if span.context is not None and span.context.trace_id == trace_id
    ]


class _Gated(SimpleSpanProcessor):
    """Passes spans on only while open (a provider's processors cannot be removed)."""

    open = True

    def on_end(self, span: ReadableSpan) -> None:
        if self.open:
            super().on_end(span)


@contextmanager
def written_to(folder: Path) -> Iterator[None]:
    """While inside, finished spans are also written into ``folder`` as OTLP JSON lines,
    as the embedded run's processes write them (for readers of ``IOA_TRACE_DIR``)."""
    collected()
    processor = _Gated(JsonLinesSpanExporter(folder / "spans.jsonl"))
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    provider.add_span_processor(processor)
    try:
        yield
    finally:
        processor.open = False
        processor.shutdown()
