"""Property-based requests generated from the gateway's own OpenAPI document, against
a real stack: no request, valid or not, may get a server error (5xx).

Bounded: a few examples per operation. Streams (SSE) and the answers that wait for a
conclusion (chat completions) are left out: they hold the connection by design.
"""

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.gateway.conftest import real_stack


@pytest.fixture(scope="module")
def stack_in_a_thread(
    nats_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """The real stack on its own event loop (schemathesis calls it synchronously)."""
    ready: list[tuple[str, str]] = []
    started, stop = threading.Event(), threading.Event()
    root = f"t{threading.get_ident() % 10**8}schema.ioa.v1"
    tmp: Path = tmp_path_factory.mktemp("schemathesis")

    async def serve() -> None:
        async with real_stack(nats_url, root, tmp, rate_per_second=10_000.0) as stack:
            ready.append((stack.url, stack.key))
            started.set()
            await asyncio.to_thread(stop.wait)

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    assert started.wait(60), "the stack did not start"
    yield ready[0]
    stop.set()
    thread.join(30)


@pytest.fixture(scope="module")
def api(stack_in_a_thread: tuple[str, str]) -> schemathesis.schemas.BaseSchema:
    url, _ = stack_in_a_thread
    return schemathesis.openapi.from_url(f"{url}/openapi.json").exclude(
        path_regex=r"events$|chat/completions$"
    )


@pytest.mark.timeout(300)
def test_no_generated_request_gets_a_server_error(
    api: schemathesis.schemas.BaseSchema, stack_in_a_thread: tuple[str, str]
) -> None:
    url, key = stack_in_a_thread
    checked = []
    for result in api.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=url,
                headers={"Authorization": f"Bearer {key}"},
                checks=[not_a_server_error],
                timeout=20,
            )

        call()
        checked.append(operation.label)

    assert len(checked) >= 10, checked
