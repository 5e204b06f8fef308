"""Starting and reading conversations through the gateway, against the real coordinator."""

import asyncio

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.gateway.conftest import Stack, wait_for_state
from tests.services.coordinator.network import state_of


async def _server_span(spans: InMemorySpanExporter, trace_id: str, name: str) -> ReadableSpan:
    for _ in range(100):
        for span in spans.get_finished_spans():
            ctx = span.get_span_context()
            if format(ctx.trace_id, "032x") == trace_id and span.name == name:
                return span
        await asyncio.sleep(0.02)
    raise AssertionError(f"no span {name!r} in trace {trace_id}")


async def test_starting_a_conversation_returns_its_id_state_and_the_trace_begun_at_the_gateway(
    stack: Stack, spans: InMemorySpanExporter
) -> None:
    async with stack.starts() as starts, stack.client() as client:
        response = await client.post("/v1/conversations", json={"goal": "What is 17 * 23?"})
        body = response.json()
        async with stack.probe("admin") as probe:  # the administrator may read every one
            known = await state_of(probe, body["id"])

    assert response.status_code == 201, response.text
    assert known.goal == "What is 17 * 23?"  # the coordinator holds it under that id
    assert body["state"] == "forming"
    assert body["goal"] == "What is 17 * 23?"
    # The coordinator handled start inside the trace the gateway's request began.
    assert body["trace_id"] and known.trace_id == body["trace_id"]
    assert response.headers["x-trace-id"] == body["trace_id"]
    assert response.headers["traceparent"].split("-")[1] == body["trace_id"]
    [start] = starts
    assert start.sender == stack.user("alice")  # the gateway speaks for the key's user
    assert start.body.observers == ["gateway"]

    root = await _server_span(spans, body["trace_id"], "POST /v1/conversations")
    assert root.kind == SpanKind.SERVER
    assert root.parent is None
    assert root.attributes is not None
    assert root.attributes["http.route"] == "/v1/conversations"
    assert root.attributes["http.request.method"] == "POST"
    assert root.attributes["http.response.status_code"] == 201


async def test_an_incoming_traceparent_is_continued(stack: Stack) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    async with stack.client() as client:
        response = await client.post(
            "/v1/conversations",
            json={"goal": "continue my trace"},
            headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"},
        )
        async with stack.probe("admin") as probe:  # the administrator may read every one
            known = await state_of(probe, response.json()["id"])

    assert response.status_code == 201
    assert response.json()["trace_id"] == trace_id
    assert known.trace_id == trace_id


async def test_team_size_and_budget_are_passed_to_the_coordinator(stack: Stack) -> None:
    async with stack.starts() as starts, stack.client() as client:
        response = await client.post(
            "/v1/conversations",
            json={"goal": "plan a trip", "max_team": 2, "budget": {"max_turns": 4}},
        )

    assert response.status_code == 201
    [start] = starts
    assert start.body.max_team == 2
    assert start.body.budget.max_turns == 4


async def test_reading_a_conversation_returns_the_coordinators_current_state(
    stack: Stack,
) -> None:
    async with stack.client() as client:
        created = (await client.post("/v1/conversations", json={"goal": "add 2 and 3"})).json()
        await wait_for_state(client, created["id"], "concluded", "failed")
        response = await client.get(f"/v1/conversations/{created['id']}")
        async with stack.probe("admin") as probe:  # the administrator may read every one
            known = await state_of(probe, created["id"])

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == body["conversation"] == created["id"]
    assert body["state"] == known.state == "concluded"
    assert body["turns"] == known.turns >= 1
    assert body["conclusion"] == known.conclusion and "5" in body["conclusion"]
    assert [m["agent"] for m in body["members"]] == [m.agent for m in known.members]
    assert body["updated_at"] == known.model_dump(mode="json")["updated_at"]
