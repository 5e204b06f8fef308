"""Admission before the chat service is up: a typed answer that says what to do, not a crash."""

from pathlib import Path
from typing import Any

import pytest

from protocol.connection import Connection
from protocol.errors import Unavailable
from protocol.kinds import Admit
from protocol.settings import ServiceSettings
from protocol.subjects import ADMIN, REGISTRY
from registry.app import serve as serve_registry
from registry.settings import RegistrySettings
from tests.support.secured import SecuredNats, secured_nats

ROOT = "early.ioa.v1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with secured_nats(tmp_path_factory.mktemp("secured")) as nats:
        yield nats


async def test_admitting_before_the_chat_service_made_the_inboxes_says_to_start_it(
    server: SecuredNats, tmp_path: Path
) -> None:
    creds = server.service_creds(ROOT)

    def settings(role: str) -> dict[str, Any]:
        return {"nats_url": server.url, "subject_root": ROOT, "nats_creds": creds[role]}

    registry = RegistrySettings(
        **settings(REGISTRY),
        database_url=f"sqlite:///{tmp_path}/registry.db",
        admission_account=server.authority.account_key,
        admission_signing_key=server.authority.signing_seed_file,
    )
    async with (
        serve_registry(registry) as running,
        Connection(ServiceSettings(**settings(ADMIN)), ADMIN) as admin,
    ):
        with pytest.raises(Unavailable, match="Start the chat service, then ask again"):
            await admin.request(REGISTRY, "admit", Admit(agent="early-bird"))
        assert running.service.counts["internal"] == 0
