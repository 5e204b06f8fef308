"""``GET /healthz`` follows the gateway's NATS connection."""

import asyncio
from pathlib import Path

import httpx

from gateway.settings import GatewaySettings
from ioa import nats_server
from tests.gateway.conftest import running_gateway


async def test_healthz_is_ok_while_nats_is_connected(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "nats": True}


async def test_healthz_is_503_once_nats_is_gone(
    gateway_settings: GatewaySettings, tmp_path: Path
) -> None:
    # A NATS server of this test's own, so stopping it disturbs no other test.
    port = nats_server.free_port()
    server = nats_server.start(port, tmp_path / "nats")
    settings = gateway_settings.model_copy(update={"nats_url": f"nats://127.0.0.1:{port}"})
    try:
        async with (
            running_gateway(settings) as url,
            httpx.AsyncClient(base_url=url, timeout=5) as client,
        ):
            assert (await client.get("/healthz")).status_code == 200
            nats_server.stop(server)
            for _ in range(100):
                response = await client.get("/healthz")
                if response.status_code == 503:
                    break
                await asyncio.sleep(0.05)

            assert response.status_code == 503
            assert response.json() == {"status": "unavailable", "nats": False}
    finally:
        nats_server.stop(server)


async def test_the_openapi_document_lists_every_endpoint(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    assert set(paths) >= {
        "/v1/conversations",
        "/v1/conversations/{conversation}",
        "/v1/conversations/{conversation}/messages",
        "/v1/conversations/{conversation}/events",
        "/v1/agents",
        "/healthz",
    }
    assert (await client.get("/docs")).status_code == 200
