"""Secrets are scrubbed from what a process records, by their shape, wherever they are."""

import json
import subprocess
import sys

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from protocol.redaction import MASK, scrub, scrub_event, scrub_value
from protocol.telemetry import Scrubbed

KEY = "ioa_91257400a19dea6d_2Q-Q3cxxFacPNo4i2_Ai1hZd4UQRiPVmqsRhniMCT5I"
JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJBQUFBIiwiaWF0IjoxfQ.c2lnX3BhcnQ"
SEED = "SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4"


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        (f"GET /v1/events?api_key={KEY}&after=3 HTTP/1.1", KEY, "after=3"),
        (f"signed in with {KEY}", "2Q-Q3cxx", "ioa_91257400a19dea6d_"),  # the id names it
        ("Authorization: Bearer abcdefghijklmnop", "abcdefghijklmnop", "Authorization"),
        ("could not connect to postgresql://ioa:s3cretpw@db:5432/ioa", "s3cretpw", "@db:5432"),
        (f"-----BEGIN NATS USER JWT-----\n{JWT}\n------END", JWT, "BEGIN NATS USER JWT"),
        (f"seed {SEED}", SEED, "seed"),
        ("OPENAI_API_KEY=sk-abcdefghijklmnopqrstuv", "sk-abcdef", "OPENAI_API_KEY="),
        ('{"ticket": "t-1234abcd", "n": 1}', "t-1234abcd", '"n": 1'),
        ("nats://alice:hunter2hunter2@127.0.0.1:4222", "hunter2", "127.0.0.1:4222"),
    ],
)
def test_a_secret_is_scrubbed_by_its_shape_and_the_rest_kept(
    text: str, secret: str, kept: str
) -> None:
    clean = scrub(text)
    assert secret not in clean
    assert MASK in clean and kept in clean


def test_counts_and_ids_that_only_look_like_secret_names_are_kept() -> None:
    text = "input_tokens=10 max_tokens=500 conversation=01M98939BM47J0VVJ5JJR3S378"
    assert scrub(text) == text
    assert scrub_value({"tokens": 12, "max_tokens": 5, "auth_enabled": True}) == {
        "tokens": 12,
        "max_tokens": 5,
        "auth_enabled": True,
    }


def test_a_field_named_for_a_secret_is_masked_whole_at_any_depth() -> None:
    event = {
        "event": "request",
        "x-api-key": "anything at all",
        "headers": {"Authorization": "Basic dXNlcjpwYXNz", "accept": "text/html"},
        "urls": [f"/v1/live?api_key={KEY}"],
        "nats_password": "p",
    }
    assert scrub_event(None, "info", event) == {
        "event": "request",
        "x-api-key": MASK,
        "headers": {"Authorization": MASK, "accept": "text/html"},
        "urls": [f"/v1/live?api_key=ioa_91257400a19dea6d_{MASK}"],  # the id names the key
        "nats_password": MASK,
    }


def test_an_api_key_keeps_its_id_even_in_a_parameter_named_for_a_secret() -> None:
    assert (
        scrub(f"/v1/ws?api_key={KEY}&after=2")
        == f"/v1/ws?api_key=ioa_91257400a19dea6d_{MASK}&after=2"
    )
    assert scrub("password=hunter2[redacted]") == f"password={MASK}"


def test_a_librarys_error_is_logged_with_its_traceback_scrubbed() -> None:
    program = f"""
import logging
from protocol.settings import TelemetrySettings
from protocol.telemetry import setup_logging
setup_logging("test", TelemetrySettings(log_format="json"))
try:
    raise ConnectionError("no postgresql://ioa:s3cretpw@db/ioa for {KEY}")
except ConnectionError:
    logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
"""
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=30, check=True
    )
    line = json.loads(done.stderr.splitlines()[-1])
    assert line["event"] == "Exception in ASGI application" and line["level"] == "error"
    assert "ConnectionError: no postgresql://ioa:[redacted]@db/ioa" in line["exception"]
    assert "s3cretpw" not in done.stderr and "2Q-Q3cxx" not in done.stderr


def test_spans_leave_the_process_scrubbed() -> None:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(Scrubbed(memory)))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("GET /v1/live") as span:
        span.set_attribute("url.query", f"api_key={KEY}")
        span.set_attribute("http.request.header.authorization", "Bearer abcdefghijklmnop")
        span.add_event("error", {"exception.message": f"bad key {KEY}"})
        span.set_status(Status(StatusCode.ERROR, f"refused {KEY}"))
    (done,) = memory.get_finished_spans()
    recorded = f"{done.attributes} {[e.attributes for e in done.events]} {done.status.description}"
    assert "2Q-Q3cxx" not in recorded and "abcdefghijklmnop" not in recorded
    assert (
        done.attributes is not None and done.attributes["url.query"] == f"api_key={KEY[:21]}{MASK}"
    )
    assert done.name == "GET /v1/live" and done.status.status_code == StatusCode.ERROR
