"""Fixtures for the security tests: a nats-server in operator mode of each test's own,
and the one scene the rogue tests share."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.security.rogues import Scene, rogue_scene
from tests.support.secured import SecuredNats, secured_nats


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SecuredNats]:
    with secured_nats(tmp_path / "nats") as secured:
        yield secured


@pytest.fixture(scope="package")
async def scene(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Scene]:
    """One rogue scene for every rogue test of the package (it takes a while to set)."""
    async with rogue_scene(tmp_path_factory.mktemp("rogues")) as built:
        yield built
