"""How much the protocol runtime costs per message.

Publishes the same number of same-sized messages to a local nats-server twice:
(a) raw nats-py core publish of JSON bytes, and (b) through the protocol runtime
(``Envelope.of`` + encode + PRODUCER span with trace headers + ``Connection.publish``,
with the OpenTelemetry SDK recording spans). A subscriber on its own connection
counts receipt; the clock stops when it has seen every message.

Run: ``python -m bench.protocol_throughput [--count N]``.
"""

import argparse
import asyncio
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import nats
import structlog
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from bench.report import table, write_results
from ioa import nats_server
from protocol.connection import Connection, flush
from protocol.envelope import Envelope
from protocol.kinds import ChatMessage
from protocol.settings import NatsSettings

NAME = "protocol_throughput"
TEXT = "The result is 470. " * 10


class DiscardSpans(SpanExporter):
    """Spans are recorded and batched as in a service, then dropped instead of written."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


async def timed(
    url: str, subject: str, count: int, publish_all: Callable[[], Awaitable[None]]
) -> float:
    """Seconds from the first publish until a subscriber has received ``count`` messages."""
    sub_nc = await nats.connect(url)
    received = 0
    done = asyncio.Event()

    async def on_message(_: Any) -> None:
        nonlocal received
        received += 1
        if received == count:
            done.set()

    await sub_nc.subscribe(subject, cb=on_message, pending_msgs_limit=count + 1)
    await flush(sub_nc)
    began = time.perf_counter()
    await publish_all()
    await asyncio.wait_for(done.wait(), timeout=120)
    elapsed = time.perf_counter() - began
    await sub_nc.drain()
    return elapsed


async def measure(url: str, count: int) -> dict[str, Any]:
    settings = NatsSettings(nats_url=url)
    subjects = settings.subjects
    sample = Envelope.of(ChatMessage(text=TEXT), sender="bench", group="g1").encode()

    raw_nc = await nats.connect(url)
    raw_subject = subjects.event("bench", "raw")

    async def raw() -> None:
        for _ in range(count):
            await raw_nc.publish(raw_subject, sample)
        await flush(raw_nc)

    raw_seconds = await timed(url, raw_subject, count, raw)
    await raw_nc.drain()

    async with Connection(settings, "bench") as conn:
        proto_subject = subjects.event("bench", "protocol")

        async def protocol() -> None:
            for _ in range(count):
                env = Envelope.of(ChatMessage(text=TEXT), sender="bench", group="g1")
                await conn.publish(proto_subject, env)
            await flush(conn.nc)

        protocol_seconds = await timed(url, proto_subject, count, protocol)

    rows = [
        {"path": "raw nats-py publish", "seconds": raw_seconds, "msgs_per_s": count / raw_seconds},
        {
            "path": "protocol runtime publish",
            "seconds": protocol_seconds,
            "msgs_per_s": count / protocol_seconds,
        },
    ]
    return {
        "params": {"count": count, "payload_bytes": len(sample)},
        "results": rows,
        # How many times as many messages per second raw nats-py publishes.
        "raw_over_protocol": protocol_seconds / raw_seconds,
    }


def run(count: int = 20_000) -> dict[str, Any]:
    # Keep the table readable: the connection's "disconnected" notice on close is expected.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(DiscardSpans()))
    trace.set_tracer_provider(provider)
    port = nats_server.free_port()
    with tempfile.TemporaryDirectory() as store:
        server = nats_server.start(port, Path(store))
        try:
            figures = asyncio.run(measure(f"nats://127.0.0.1:{port}", count))
        finally:
            nats_server.stop(server)
            provider.shutdown()
    rows = figures["results"]
    print(
        f"\nprotocol throughput: {count:,} messages of {figures['params']['payload_bytes']} bytes"
    )
    print(
        table(
            ["path", "seconds", "msgs/s"],
            [[r["path"], r["seconds"], round(r["msgs_per_s"])] for r in rows],
        )
    )
    print(f"raw is {figures['raw_over_protocol']:.2f}x as fast as the protocol runtime")
    path = write_results(NAME, figures)
    print(f"results: {path}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    run(parser.parse_args().count)


if __name__ == "__main__":
    main()
