"""Errors come back as problem details with the protocol's error code."""

import asyncio
import os
import signal
from pathlib import Path

import httpx
import pytest

from gateway.problems import problem_for
from gateway.settings import GatewaySettings
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
from protocol.settings import ServiceSettings
from services.chat.app import serve as serve_chat
from services.chat.settings import ChatSettings
from tests.gateway.conftest import Stack, bearer, running_gateway
from tests.services.coordinator.test_restart import coordinator_process

PROBLEM = "application/problem+json"


async def test_an_unknown_conversation_is_a_404_problem_with_its_code(stack: Stack) -> None:
    for path in ("", "/messages", "/events"):
        async with stack.client() as client:
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
    # This gateway's subject root has no services at all: nobody answers.
    response = await client.post("/v1/conversations", json={"goal": "anyone there?"})

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "unavailable"
    assert "coordinator" in response.json()["detail"]


async def test_an_invalid_body_is_a_422_problem_and_never_reaches_the_coordinator(
    stack: Stack,
) -> None:
    bodies = ({}, {"goal": ""}, {"goal": "x", "max_team": 0}, {"goal": "x", "nope": 1})
    async with stack.starts() as starts, stack.client() as client:
        responses = [await client.post("/v1/conversations", json=body) for body in bodies]
        # One good start after them: the wire carries it, and only it.
        valid = await client.post("/v1/conversations", json={"goal": "a valid goal"})

    for body, response in zip(bodies, responses, strict=True):
        assert response.status_code == 422, body
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["code"] == "invalid_message"
    assert valid.status_code == 201
    assert [start.body.goal for start in starts] == ["a valid goal"]


async def test_a_conversation_id_that_is_not_subject_safe_is_a_422_problem(stack: Stack) -> None:
    async with stack.client() as client:
        response = await client.get("/v1/conversations/a.b*c")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_message"


async def test_an_unknown_path_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nothing-here")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "http_error"


async def test_a_coordinator_that_answers_too_late_is_a_504_problem(
    gateway_settings: GatewaySettings, settings: ServiceSettings, api_key: str, tmp_path: Path
) -> None:
    """A real coordinator process, stopped with SIGSTOP: it holds the request (NATS
    routes it there) and answers only once it runs again, too late for the gateway."""
    nats = {"nats_url": settings.nats_url, "subject_root": settings.subject_root}
    hasty = gateway_settings.model_copy(update={"request_timeout": 0.5})
    async with serve_chat(ChatSettings(**nats, log_format="json")):  # its inbox lives there
        coordinator = coordinator_process(nats, "http://127.0.0.1:9/v1", tmp_path / "c.log")
        try:
            async with (
                running_gateway(hasty) as url,
                httpx.AsyncClient(base_url=url, headers=bearer(api_key)) as client,
            ):
                for _ in range(300):  # until it serves
                    before = await client.get("/v1/conversations")
                    if before.status_code == 200:
                        break
                    await asyncio.sleep(0.1)
                os.kill(coordinator.pid, signal.SIGSTOP)
                late = await client.get("/v1/conversations")
                os.kill(coordinator.pid, signal.SIGCONT)
                after = await client.get("/v1/conversations")
        finally:
            coordinator.terminate()
            coordinator.wait(10)

    assert before.status_code == 200
    assert late.status_code == 504
    assert late.headers["content-type"] == PROBLEM
    assert late.json()["code"] == "timeout"
    assert after.status_code == 200  # it was slow, not gone


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
