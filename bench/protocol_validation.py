"""What validation and tracing cost per message, next to raw JSON in the same run.

For a typical chat message and a task result (the envelopes of
``protocol.catalogue.examples``), in microseconds per message, best of several rounds:

- ``json.loads`` / ``json.dumps`` of the same bytes / dict: the floor;
- ``decode``: parse + size check + version check + pydantic validation of envelope and body;
- ``decode`` + CONSUMER span: what a service or inbox does per message (span from the
  ``traceparent`` header, annotated with the envelope's ids);
- ``Envelope.of`` + ``encode``: building and serialising a message;
- ``Envelope.of`` + ``encode`` + PRODUCER span: what a publish costs before the socket.

Spans go to a real OpenTelemetry SDK tracer provider with a batch processor and an exporter
that drops them, as in a service. No network is involved.

Run: ``python -m bench.protocol_validation [--count N]``.
"""

import argparse
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from bench.report import table, write_results
from protocol import tracing
from protocol.catalogue.examples import EXAMPLES
from protocol.envelope import Envelope, decode
from protocol.subjects import Subjects

NAME = "protocol_validation"
ROUNDS = 5
KINDS = ("chat_message", "task_result")


class DiscardSpans(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def best_us(fn: Callable[[], object], count: int) -> float:
    """The best of ``ROUNDS`` rounds of ``count`` calls, in microseconds per call."""
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(count):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / count * 1e6


def cases(env: Envelope[Any], subject: str) -> dict[str, Callable[[], object]]:
    raw = env.encode()
    as_dict = env.to_dict()
    with tracing.producer_span(subject, env) as headers:
        pass  # a real traceparent for the consumer side

    def consume() -> None:
        with tracing.consumer_span(subject, headers) as span:
            tracing.annotate(span, decode(raw))

    def build() -> bytes:
        return Envelope.of(env.body, sender=env.sender, group=env.group).encode()

    def produce() -> None:
        fresh = Envelope.of(env.body, sender=env.sender, group=env.group)
        with tracing.producer_span(subject, fresh):
            fresh.encode()

    return {
        "json.loads (raw)": lambda: json.loads(raw),
        "decode (validation)": lambda: decode(raw),
        "decode + consumer span": consume,
        "json.dumps (raw)": lambda: json.dumps(as_dict),
        "Envelope.of + encode": build,
        "Envelope.of + encode + producer span": produce,
    }


def run(count: int = 10_000) -> dict[str, Any]:
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(DiscardSpans(), max_queue_size=65_536))
    # The same code path as a service, on a provider of our own (the global one may be set).
    saved, tracing.tracer = tracing.tracer, provider.get_tracer("ioa.protocol")
    results: dict[str, dict[str, float]] = {}
    try:
        subjects = Subjects()
        for kind in KINDS:
            env = EXAMPLES[kind]
            subject = subjects.inbox("calculator", "group", env.group or "g")
            results[kind] = {
                name: round(best_us(fn, count), 2) for name, fn in cases(env, subject).items()
            }
            results[kind]["bytes"] = len(env.encode())
    finally:
        tracing.tracer = saved
        provider.shutdown()

    rows = []
    for kind, figures in results.items():
        floor_in, floor_out = figures["json.loads (raw)"], figures["json.dumps (raw)"]
        for name, us in figures.items():
            if name == "bytes":
                continue
            floor = floor_in if "loads" in name or "decode" in name else floor_out
            rows.append([f"{kind} ({int(figures['bytes'])} B)", name, us, round(us / floor, 1)])
    print(table(["message", "step", "µs/msg", "x raw json"], rows))
    figures = {"count": count, "rounds": ROUNDS, "unit": "microseconds per message", **results}
    path = write_results(NAME, figures)
    print(f"\nwrote {path}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="calls per round")
    run(parser.parse_args().count)


if __name__ == "__main__":
    main()
