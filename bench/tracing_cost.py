"""What tracing and metrics cost per message, with sampling on and off, in one run.

Per message, in microseconds (best of several rounds), for a typical chat message:

- *handle*: what a service or an inbox does with a message it receives: a CONSUMER
  span from the ``traceparent`` header, ``decode``, the envelope's ids on the span,
  and the handling counted (``protocol.metrics``);
- *publish*: ``Envelope.of``, a PRODUCER span with the trace headers, ``encode``, the
  publish counted.

Each is measured under four setups, one after another in the same process:

1. ``no SDK``: the OpenTelemetry API alone (what a bare third-party agent runs): the floor;
2. ``sampling off``: the SDK with ``IOA_TRACE_SAMPLE_RATIO=0``: context still travels,
   no span is recorded;
3. ``sampling on``: every span recorded, batched to an exporter that drops them;
4. ``sampling on + metrics``: the same, with a meter provider collecting the metrics.

The metrics setup comes last because a process takes one meter provider for good.
No network is involved: this is the CPU a message costs before and after the socket.

Run: ``python -m bench.tracing_cost [--count N]``.
"""

import argparse
from collections.abc import Callable
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from bench.protocol_validation import DiscardSpans, best_us
from bench.report import table, write_results
from protocol import tracing
from protocol.catalogue.examples import EXAMPLES
from protocol.envelope import Envelope, decode
from protocol.subjects import Subjects

NAME = "tracing_cost"
KIND = "chat_message"


def paths(subject: str, env: Envelope[Any]) -> dict[str, Callable[[], object]]:
    """The two per-message paths, with headers from a publish under the current setup."""
    raw = env.encode()
    with tracing.producer_span(subject, env) as headers:
        pass  # the traceparent a receiver gets (sampled or not, as the sender chose)

    def handle() -> None:
        with tracing.consumer_span(subject, headers) as span:
            tracing.annotate(span, decode(raw))

    def publish() -> None:
        fresh = Envelope.of(env.body, sender=env.sender, group=env.group)
        with tracing.producer_span(subject, fresh):
            fresh.encode()

    return {"handle": handle, "publish": publish}


def measure(tracer: trace.Tracer, subject: str, env: Envelope[Any], count: int) -> dict[str, float]:
    saved, tracing.tracer = tracing.tracer, tracer
    try:
        return {name: round(best_us(fn, count), 2) for name, fn in paths(subject, env).items()}
    finally:
        tracing.tracer = saved


def sdk(ratio: float) -> TracerProvider:
    provider = TracerProvider(sampler=ParentBased(TraceIdRatioBased(ratio)))
    provider.add_span_processor(BatchSpanProcessor(DiscardSpans(), max_queue_size=65_536))
    return provider


def run(count: int = 10_000) -> dict[str, Any]:
    env = EXAMPLES[KIND]
    subject = Subjects().inbox("calculator", "group", env.group or "g")
    results: dict[str, dict[str, float]] = {}
    results["no SDK"] = measure(trace.NoOpTracer(), subject, env, count)
    off, on = sdk(0.0), sdk(1.0)
    try:
        results["sampling off"] = measure(off.get_tracer("ioa.protocol"), subject, env, count)
        results["sampling on"] = measure(on.get_tracer("ioa.protocol"), subject, env, count)
        if isinstance(metrics.get_meter_provider(), MeterProvider):
            print("a meter provider is already set; metrics are on in every setup above")
        else:
            metrics.set_meter_provider(MeterProvider(metric_readers=[InMemoryMetricReader()]))
            results["sampling on + metrics"] = measure(
                on.get_tracer("ioa.protocol"), subject, env, count
            )
    finally:
        off.shutdown()
        on.shutdown()

    floor = results["no SDK"]
    rows = [
        [
            setup,
            figures["handle"],
            round(figures["handle"] - floor["handle"], 2),
            figures["publish"],
            round(figures["publish"] - floor["publish"], 2),
        ]
        for setup, figures in results.items()
    ]
    print(
        table(
            ["setup", "handle µs", "+ vs no SDK", "publish µs", "+ vs no SDK"],
            rows,
        )
    )
    figures = {
        "count": count,
        "message": KIND,
        "bytes": len(env.encode()),
        "unit": "microseconds per message",
        **results,
    }
    path = write_results(NAME, figures)
    print(f"\nwrote {path}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="calls per round")
    run(parser.parse_args().count)


if __name__ == "__main__":
    main()
