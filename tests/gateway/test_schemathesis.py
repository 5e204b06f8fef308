"""Requests generated from the gateway's own OpenAPI document, against a real stack: no
request may get a server error (5xx).

Every operation the document lists is called with schemathesis' valid requests and its
invalid ones (negative mode: wrong types, missing fields, values out of range), as a
user, as an administrator and with no key. (Outside the document: the web UI's page and
static files, and the WebSocket routes, which OpenAPI cannot describe.) An event stream
that opens runs until its client leaves, so a request to one is judged by its status
line; chat completions wait for an answer at most ``IOA_ANSWER_SECONDS`` (1 s here).
"""

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from gateway.keys import create_key, open_engine
from tests.gateway.conftest import real_stack

# (mode, who, examples per operation): a user's valid and invalid requests, and a few of
# an administrator's (the admin routes refuse a user before reading much) and without a
# key (refused before anything is read). Small: every run costs CI time.
RUNS = [
    (GenerationMode.POSITIVE, "user", 5),
    (GenerationMode.NEGATIVE, "user", 4),
    (GenerationMode.POSITIVE, "admin", 2),
    (GenerationMode.POSITIVE, "nobody", 1),
]


@dataclass(frozen=True, slots=True)
class Gateway:
    url: str
    keys: dict[str, str]  # who -> key

    def headers(self, who: str) -> dict[str, str]:
        key = self.keys.get(who)
        return {"Authorization": f"Bearer {key}"} if key else {}


@pytest.fixture(scope="module")
def gateway(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """The real stack on its own event loop (schemathesis calls it synchronously)."""
    ready: list[Gateway] = []
    started, stop = threading.Event(), threading.Event()
    root = f"t{threading.get_ident() % 10**8}schema.ioa.v1"
    tmp: Path = tmp_path_factory.mktemp("schemathesis")

    async def serve() -> None:
        overrides = {"rate_per_second": 10_000.0, "answer_seconds": 1.0}
        async with real_stack(nats_url, root, tmp, **overrides) as stack:
            engine = open_engine(stack.settings.database_url)
            try:
                admin = create_key(engine, f"admin-{stack.names}", admin=True)[1]
            finally:
                engine.dispose()
            ready.append(Gateway(stack.url, {"user": stack.key, "admin": admin}))
            started.set()
            await asyncio.to_thread(stop.wait)

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    assert started.wait(60), "the stack did not start"
    yield ready[0]
    stop.set()
    thread.join(30)


@pytest.fixture(scope="module")
def api(gateway: Gateway) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_url(f"{gateway.url}/openapi.json")


def is_stream(operation: schemathesis.schemas.APIOperation) -> bool:
    ok = operation.definition.raw.get("responses", {}).get("200", {})
    return "text/event-stream" in ok.get("content", {})


def status_of_stream(case: schemathesis.Case, gateway: Gateway, who: str) -> int:
    """Open the stream, read its status line, leave."""
    request = case.as_transport_kwargs(base_url=gateway.url, headers=gateway.headers(who))
    with httpx.stream(
        request["method"],
        request["url"],
        params=request.get("params"),
        headers=request.get("headers"),
        cookies=request.get("cookies"),
        json=request.get("json"),
        timeout=20,
    ) as response:
        return response.status_code


def check(
    operation: schemathesis.schemas.APIOperation,
    gateway: Gateway,
    mode: GenerationMode,
    who: str,
    examples: int,
) -> None:
    """Send ``examples`` generated requests of ``operation``; fail on any 5xx."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def call(case: schemathesis.Case) -> None:
        if is_stream(operation):
            status = status_of_stream(case, gateway, who)
            assert status < 500, f"{case.as_curl_command()} -> {status}"
        else:
            case.call_and_validate(
                base_url=gateway.url,
                headers=gateway.headers(who),
                checks=[not_a_server_error],
                timeout=20,
            )

    call()


@pytest.mark.timeout(600)
def test_no_generated_request_gets_a_server_error(
    api: schemathesis.schemas.BaseSchema, gateway: Gateway
) -> None:
    called: dict[str, set[str]] = {}
    for result in api.get_all_operations():
        operation = result.ok()
        for mode, who, examples in RUNS:
            try:
                check(operation, gateway, mode, who, examples)
            except Unsatisfiable:
                # Nothing in it can be made invalid (no parameters, no body): skip only that.
                assert mode is GenerationMode.NEGATIVE, operation.label
                assert not operation.body and not any(operation.iter_parameters())
                continue
            called.setdefault(operation.label, set()).add(f"{mode.value} as {who}")

    operations = {result.ok().label for result in api.get_all_operations()}
    assert set(called) == operations
    every = {f"{GenerationMode.POSITIVE.value} as {who}" for who in ("user", "admin", "nobody")}
    assert all(every <= ways for ways in called.values()), called
