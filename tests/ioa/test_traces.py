"""`ioa trace` and `ioa logs` read what the embedded run's processes wrote."""

import json
from pathlib import Path

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

from ioa import logs, traces
from protocol.telemetry import JsonLinesSpanExporter
from protocol.tracing import extract, inject


def provider(trace_dir: Path, service: str) -> TracerProvider:
    p = TracerProvider(resource=Resource.create({"service.name": service}))
    p.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(trace_dir / f"{service}.jsonl")))
    return p


def write_a_conversation(trace_dir: Path) -> str:
    """A gateway request whose trace continues in the coordinator, as over NATS headers."""
    gateway = provider(trace_dir, "gateway").get_tracer("t")
    coordinator = provider(trace_dir, "coordinator").get_tracer("t")
    with gateway.start_as_current_span("POST /v1/conversations", kind=SpanKind.SERVER) as root:
        headers = inject({})
        with coordinator.start_as_current_span(
            "process coordinator.start",
            context=extract(headers),
            attributes={"ioa.conversation": "c1"},
        ):
            with coordinator.start_as_current_span("search"):
                pass
            with coordinator.start_as_current_span("invite"):
                pass
    return format(root.get_span_context().trace_id, "032x")


def test_a_conversation_id_finds_its_trace_and_prints_the_tree_with_the_critical_path(
    tmp_path: Path, capsys
) -> None:
    trace_id = write_a_conversation(tmp_path / "traces")
    assert traces.show(tmp_path, "c1") == 0
    out = capsys.readouterr().out
    assert f"trace {trace_id}" in out
    rows = [line for line in out.splitlines() if ": " in line and "█" in line]
    assert [r.split("  ")[-1].strip() for r in rows] == [
        "gateway: POST /v1/conversations",
        "coordinator: process coordinator.start",
        "coordinator: search",
        "coordinator: invite",
    ]
    # The root, the coordinator span, and the child that finished last are critical.
    assert [r.startswith("*") for r in rows] == [True, True, False, True]
    # Children are indented under their parents.
    assert rows[2].endswith("    coordinator: search")


def test_an_unknown_id_says_what_to_give(tmp_path: Path, capsys) -> None:
    write_a_conversation(tmp_path / "traces")
    assert traces.show(tmp_path, "nope") == 1
    assert "give a conversation id or a trace id" in capsys.readouterr().out


def test_logs_gathers_one_conversations_lines_from_every_process_in_time_order(
    tmp_path: Path, capsys
) -> None:
    trace_id = write_a_conversation(tmp_path / "traces")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "coordinator.log").write_text(
        "\n".join(
            json.dumps(line)
            for line in [
                {
                    "timestamp": "2026-01-01T00:00:02Z",
                    "level": "info",
                    "event": "started",
                    "conversation": "c1",
                },
                {
                    "timestamp": "2026-01-01T00:00:05Z",
                    "level": "info",
                    "event": "other",
                    "conversation": "c2",
                },
            ]
        )
        + "\nnot json\n"
    )
    (tmp_path / "logs" / "calculator.log").write_text(
        json.dumps(
            {
                "timestamp": "2026-01-01T00:00:03Z",
                "level": "info",
                "event": "task computed",
                "trace_id": trace_id,
                "value": 470,
            }
        )
        + "\n"
    )
    assert logs.show(tmp_path, "c1") == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert "coordinator" in out[0] and "started" in out[0]
    assert "calculator" in out[1] and "task computed" in out[1] and "value=470" in out[1]
