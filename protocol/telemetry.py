"""One call per process sets up logs, traces and metrics: :func:`setup_telemetry`.

- structlog: JSON lines (console output on a terminal) with ``trace_id``,
  ``span_id``, ``service`` and any bound ``conversation`` / ``agent``; the stdlib
  loggers of libraries go the same way.
- Secrets never leave the process: every log event and every span is scrubbed by
  :mod:`protocol.redaction` on its way out (API keys, tokens, seeds, DSN passwords).
- OpenTelemetry SDK: spans to OTLP JSON-lines files in ``trace_dir`` (the
  embedded run) and/or to an OTLP/HTTP endpoint when one is configured.
- Metrics (:mod:`protocol.metrics`): a Prometheus scrape endpoint on
  ``metrics_port`` (``IOA_METRICS_PORT``) and/or OTLP/HTTP export to the same
  endpoint as spans; with neither, no meter provider is set and the
  instruments stay no-ops.

Needs the ``opentelemetry-sdk`` package, which services install; the bare SDK
for third-party agents does not import this module.
"""

import json
import logging
import sys
import threading
from collections.abc import Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import structlog
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from protocol.redaction import scrub, scrub_event, scrub_value
from protocol.settings import TelemetrySettings


def _add_trace_ids(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid:
        event["trace_id"] = format(ctx.trace_id, "032x")
        event["span_id"] = format(ctx.span_id, "016x")
    return event


def setup_logging(service: str, settings: TelemetrySettings) -> None:
    console = settings.log_format == "console" or (
        settings.log_format == "auto" and sys.stderr.isatty()
    )
    renderer: Any = (
        structlog.dev.ConsoleRenderer() if console else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _add_trace_ids,
            structlog.processors.format_exc_info,
            scrub_event,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    root = logging.getLogger()  # libraries' warnings: JSON and scrubbed too
    if not any(isinstance(h, ToStructlog) for h in root.handlers):
        root.addHandler(ToStructlog())


class ToStructlog(logging.Handler):
    """Sends a stdlib log record (a library's: uvicorn, nats-py) through structlog, so it
    is JSON like ours, and scrubbed like ours, traceback and all."""

    def emit(self, record: logging.LogRecord) -> None:
        error = {"exc_info": record.exc_info} if record.exc_info else {}
        structlog.get_logger(record.name).log(record.levelno, record.getMessage(), **error)


class Scrubbed(SpanExporter):
    """Hands ``exporter`` copies of the spans with their secrets scrubbed: attributes
    (``url.query`` carries what a client put in the URL), events and status."""

    def __init__(self, exporter: SpanExporter) -> None:
        self.exporter = exporter

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.exporter.export([_scrubbed(span) for span in spans])

    def shutdown(self) -> None:
        self.exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.exporter.force_flush(timeout_millis)


def _scrubbed(span: ReadableSpan) -> ReadableSpan:
    status = span.status
    if status.description:
        status = type(status)(status.status_code, scrub(status.description))
    return ReadableSpan(
        name=scrub(span.name),
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=scrub_value(dict(span.attributes or {})),
        events=[
            Event(e.name, scrub_value(dict(e.attributes or {})), e.timestamp) for e in span.events
        ],
        links=span.links,
        kind=span.kind,
        status=status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class JsonLinesSpanExporter(SpanExporter):
    """Appends finished spans to a file, one OTLP-JSON ``resourceSpans`` object a line."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if not spans:
            return SpanExportResult.SUCCESS
        line = json.dumps(otlp_json(spans), separators=(",", ":"))
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        with self._lock:
            self._file.close()


def _value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, list | tuple):
        return {"arrayValue": {"values": [_value(v) for v in value]}}
    return {"stringValue": str(value)}


def _attributes(attrs: Any) -> list[dict[str, Any]]:
    return [{"key": k, "value": _value(v)} for k, v in (attrs or {}).items()]


def otlp_json(spans: Sequence[ReadableSpan]) -> dict[str, Any]:
    """Spans in the OTLP/JSON shape (``resourceSpans``), as the OTLP file exporter writes."""
    resource = spans[0].resource
    out = []
    for span in spans:
        ctx = span.get_span_context()
        assert ctx is not None
        item: dict[str, Any] = {
            "traceId": format(ctx.trace_id, "032x"),
            "spanId": format(ctx.span_id, "016x"),
            "name": span.name,
            "kind": span.kind.value + 1,  # OTLP numbers kinds from 1 (INTERNAL)
            "startTimeUnixNano": str(span.start_time),
            "endTimeUnixNano": str(span.end_time),
            "attributes": _attributes(span.attributes),
            "status": {"code": span.status.status_code.value},
        }
        if span.parent is not None:
            item["parentSpanId"] = format(span.parent.span_id, "016x")
        if span.links:
            item["links"] = [
                {
                    "traceId": format(link.context.trace_id, "032x"),
                    "spanId": format(link.context.span_id, "016x"),
                }
                for link in span.links
            ]
        out.append(item)
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": _attributes(resource.attributes)},
                "scopeSpans": [{"scope": {"name": "ioa"}, "spans": out}],
            }
        ]
    }


def _resource(service: str, version: str) -> Resource:
    return Resource.create({"service.name": service, "service.version": version})


def setup_tracing(service: str, version: str, settings: TelemetrySettings) -> TracerProvider:
    provider = TracerProvider(
        resource=_resource(service, version),
        sampler=ParentBased(TraceIdRatioBased(settings.trace_sample_ratio)),
    )
    if settings.trace_dir is not None:
        exporter = Scrubbed(JsonLinesSpanExporter(settings.trace_dir / f"{service}.jsonl"))
        provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=500))
    if settings.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.otlp_endpoint.rstrip("/") + "/v1/traces"
        otlp = Scrubbed(OTLPSpanExporter(endpoint=endpoint))
        provider.add_span_processor(BatchSpanProcessor(otlp))
    trace.set_tracer_provider(provider)
    return provider


@contextmanager
def serve_metrics(service: str, version: str, settings: TelemetrySettings) -> Iterator[None]:
    """Export :mod:`protocol.metrics` while inside: Prometheus on ``metrics_port``, OTLP
    when an endpoint is set; nothing at all when neither is."""
    readers: list[MetricReader] = []
    server = None
    if settings.metrics_port is not None:
        from opentelemetry.exporter.prometheus import PrometheusMetricReader
        from prometheus_client import start_http_server

        readers.append(PrometheusMetricReader())
        try:
            server, _ = start_http_server(settings.metrics_port, addr=settings.metrics_host)
        except OSError as exc:
            raise OSError(
                f"cannot serve metrics on {settings.metrics_host}:{settings.metrics_port} ({exc});"
                " choose another IOA_METRICS_PORT, or unset it to turn the endpoint off"
            ) from exc
        structlog.get_logger("ioa.telemetry").info(
            "metrics served",
            url=f"http://{settings.metrics_host}:{server.server_address[1]}/metrics",
        )
    if settings.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        endpoint = settings.otlp_endpoint.rstrip("/") + "/v1/metrics"
        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=endpoint)))
    if not readers:
        yield
        return
    provider = MeterProvider(resource=_resource(service, version), metric_readers=readers)
    metrics.set_meter_provider(provider)
    try:
        yield
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        provider.shutdown()


@contextmanager
def setup_telemetry(service: str, version: str, settings: TelemetrySettings) -> Iterator[None]:
    """Configure logs, traces and metrics for this process; flush them on the way out."""
    setup_logging(service, settings)
    provider = setup_tracing(service, version, settings)
    try:
        with serve_metrics(service, version, settings):
            yield
    finally:
        provider.shutdown()
