"""``GET /v1/agents`` lists the agents of the real registry, online or not."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from protocol.connection import Connection
from protocol.errors import Unavailable
from protocol.kinds import AgentCard, Register, Skill
from protocol.settings import ServiceSettings
from registry.app import serve
from registry.settings import RegistrySettings


@pytest.fixture
async def registry(settings: ServiceSettings, tmp_path: Path) -> AsyncIterator[None]:
    registry_settings = RegistrySettings(
        nats_url=settings.nats_url,
        subject_root=settings.subject_root,
        database_url=f"sqlite:///{tmp_path / 'registry.db'}",
        log_format="json",
    )
    async with serve(registry_settings):
        yield


async def test_agents_lists_every_registered_card_with_its_status(
    client: httpx.AsyncClient, registry: None, settings: ServiceSettings
) -> None:
    card = AgentCard(
        id="calculator",
        name="Calculator",
        skills=[Skill(id="arithmetic", name="Arithmetic", tags=["math"])],
    )
    async with Connection(settings, "calculator") as conn:
        await conn.request("registry", "register", Register(card=card, lease_seconds=30))

    response = await client.get("/v1/agents")

    assert response.status_code == 200
    hits = response.json()
    assert [h["card"]["id"] for h in hits] == ["calculator"]
    assert hits[0]["online"] is True
    assert hits[0]["card"]["skills"][0]["id"] == "arithmetic"
    assert isinstance(hits[0]["score"], float)


async def test_agents_without_a_registry_is_a_503_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/agents")

    assert response.status_code == 503
    assert response.json()["code"] == Unavailable.code.value


async def test_one_agent_is_shown_by_its_id_with_its_status(
    client: httpx.AsyncClient, registry: None, settings: ServiceSettings
) -> None:
    card = AgentCard(id="calculator", name="Calculator", description="exact arithmetic")
    async with Connection(settings, "calculator") as conn:
        await conn.request("registry", "register", Register(card=card, lease_seconds=30))

    found = await client.get("/v1/agents/calculator")
    missing = await client.get("/v1/agents/ghost")
    unsafe = await client.get("/v1/agents/a.b")

    assert found.status_code == 200
    assert found.json()["card"]["description"] == "exact arithmetic"
    assert found.json()["online"] is True and found.json()["last_seen"]
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert unsafe.status_code == 422
