"""Shared fixtures: one real nats-server per test session, a fresh subject root per test.

``IOA_TEST_NATS=docker`` uses testcontainers' NATS container instead, where a
Docker engine is reachable.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ioa import nats_server
from ioa.processes import die_with_parent
from protocol.settings import ServiceSettings


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("IOA_TEST_NATS") == "docker":
        from testcontainers.community.nats import NatsContainer

        with NatsContainer("nats:2.10", jetstream=True) as container:
            yield container.nats_uri()
        return
    port = nats_server.free_port()
    store = tmp_path_factory.mktemp("nats")
    # A killed pytest takes its nats-server along.
    proc = nats_server.start(port, store, preexec_fn=die_with_parent())
    try:
        yield f"nats://127.0.0.1:{port}"
    finally:
        nats_server.stop(proc)


@pytest.fixture
def subject_root() -> str:
    """A root no other test uses, so tests share one server without crosstalk."""
    return f"t{uuid.uuid4().hex[:10]}.ioa.v1"


@pytest.fixture
def settings(nats_url: str, subject_root: str, tmp_path: Path) -> ServiceSettings:
    return ServiceSettings(nats_url=nats_url, subject_root=subject_root, log_format="json")
