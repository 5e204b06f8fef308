"""Errors come back as problem details with the protocol's error code."""

import asyncio

import httpx
import pytest

from gateway.problems import problem_for
from gateway.settings import GatewaySettings
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import (
    Forbidden,
    Internal,
    InvalidMessage,
    IoaError,
    NotAMember,
    NotFound,
    RateLimited,
    Timeout,
    TooLarge,
    Unavailable,
)
from protocol.kinds import Ack, ListConversations
from protocol.service import Service
from protocol.settings import ServiceSettings
from tests.gateway.conftest import running_gateway
from tests.gateway.stand_in_coordinator import StandInCoordinator

PROBLEM = "application/problem+json"


async def test_an_unknown_conversation_is_a_404_problem_with_its_code(
    client: httpx.AsyncClient, coordinator: StandInCoordinator
) -> None:
    for path in ("", "/messages", "/events"):
        response = await client.get(f"/v1/conversations/01NOSUCHCONVERSATION{path}")

        assert response.status_code == 404, path
        assert response.headers["content-type"] == PROBLEM
        problem = response.json()
        assert problem["code"] == "not_found"
        assert problem["status"] == 404
        assert "01NOSUCHCONVERSATION" in problem["detail"]
        assert problem["type"].endswith("/not_found")


async def test_when_no_coordinator_runs_starting_a_conversation_is_a_503_problem(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/conversations", json={"goal": "anyone there?"})

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "unavailable"
    assert "coordinator" in response.json()["detail"]


async def test_an_invalid_body_is_a_422_problem(
    client: httpx.AsyncClient, coordinator: StandInCoordinator
) -> None:
    for body in ({}, {"goal": ""}, {"goal": "x", "max_team": 0}, {"goal": "x", "nope": 1}):
        response = await client.post("/v1/conversations", json=body)

        assert response.status_code == 422, body
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["code"] == "invalid_message"
    assert coordinator.starts == []


async def test_a_conversation_id_that_is_not_subject_safe_is_a_422_problem(
    client: httpx.AsyncClient, coordinator: StandInCoordinator
) -> None:
    response = await client.get("/v1/conversations/a.b*c")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_message"


async def test_an_unknown_path_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nothing-here")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "http_error"


async def test_a_coordinator_that_answers_too_late_is_a_504_problem(
    gateway_settings: GatewaySettings, settings: ServiceSettings, api_key: str
) -> None:
    async with Connection(settings, "coordinator") as conn:
        slow = Service(conn, "coordinator", "0.0.0-slow-stand-in")

        @slow.handler("list")
        async def list_(env: Envelope[ListConversations]) -> Ack:
            await asyncio.sleep(2)
            return Ack()

        hasty = gateway_settings.model_copy(update={"request_timeout": 0.3})
        async with (
            slow,
            running_gateway(hasty) as url,
            httpx.AsyncClient(base_url=url, headers={"X-API-Key": api_key}) as client,
        ):
            response = await client.get("/v1/conversations")

    assert response.status_code == 504
    assert response.json()["code"] == "timeout"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound, 404),
        (InvalidMessage, 422),
        (Unavailable, 503),
        (Timeout, 504),
        (Forbidden, 403),
        (NotAMember, 403),
        (RateLimited, 429),
        (TooLarge, 413),
        (Internal, 500),
    ],
)
def test_each_protocol_error_maps_to_its_http_status(error: type[IoaError], status: int) -> None:
    problem = problem_for(error("why"))

    assert problem.status == status
    assert problem.code == error.code.value
    assert problem.detail == "why"
