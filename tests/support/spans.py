"""Every span this test process finishes, for tests that check tracing in-process.

The OpenTelemetry SDK takes one tracer provider per process; this installs it (or
joins the one a fixture installed) and collects finished spans in memory.
"""

import functools

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


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
