"""Fixtures for the security tests: a nats-server in operator mode of each test's own."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.secured import SecuredNats, secured_nats


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SecuredNats]:
    with secured_nats(tmp_path / "nats") as secured:
        yield secured
