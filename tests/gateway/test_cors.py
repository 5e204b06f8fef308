"""CORS from settings: a browser page from an allowed origin may call the API; another
origin's page gets no CORS headers, so its browser refuses the answer."""

import httpx

from gateway.settings import GatewaySettings
from tests.gateway.conftest import bearer, running_gateway

ALLOWED = "https://ui.example.org"


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_a_preflight_from_an_allowed_origin_is_answered_and_another_origin_is_not(
    gateway_settings: GatewaySettings, api_key: str
) -> None:
    cors = gateway_settings.model_copy(update={"cors_origins": f"{ALLOWED}, https://b.example"})
    async with running_gateway(cors) as url, httpx.AsyncClient(base_url=url) as client:
        allowed = await client.options("/v1/conversations", headers=preflight(ALLOWED))
        other = await client.options("/v1/conversations", headers=preflight("https://evil.example"))
        call = await client.get("/v1/agents/x", headers={"Origin": ALLOWED, **bearer(api_key)})
        foreign = await client.get(
            "/v1/agents/x", headers={"Origin": "https://evil.example", **bearer(api_key)}
        )

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert {"authorization", "content-type"} <= {
        h.strip().lower() for h in allowed.headers["access-control-allow-headers"].split(",")
    }
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers
    # The answer itself carries the origin and the headers a page may read.
    assert call.headers["access-control-allow-origin"] == ALLOWED
    assert "x-trace-id" in call.headers["access-control-expose-headers"].lower()
    assert "access-control-allow-origin" not in foreign.headers


async def test_without_cors_origins_no_cors_headers_are_sent(gateway_url: str) -> None:
    async with httpx.AsyncClient(base_url=gateway_url) as client:
        answer = await client.options("/v1/conversations", headers=preflight(ALLOWED))

    assert "access-control-allow-origin" not in answer.headers
