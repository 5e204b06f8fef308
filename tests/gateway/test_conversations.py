"""Starting and reading conversations through the gateway (against the stand-in coordinator)."""

import asyncio

import httpx
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.gateway.stand_in_coordinator import StandInCoordinator


async def _server_span(spans: InMemorySpanExporter, trace_id: str, name: str):
    for _ in range(100):
        for span in spans.get_finished_spans():
            ctx = span.get_span_context()
            if format(ctx.trace_id, "032x") == trace_id and span.name == name:
                return span
        await asyncio.sleep(0.02)
    raise AssertionError(f"no span {name!r} in trace {trace_id}")


async def test_starting_a_conversation_returns_its_id_state_and_the_trace_begun_at_the_gateway(
    client: httpx.AsyncClient, coordinator: StandInCoordinator, spans: InMemorySpanExporter
) -> None:
    response = await client.post("/v1/conversations", json={"goal": "What is 17 * 23?"})

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] in coordinator.states
    assert body["state"] == "forming"
    assert body["goal"] == "What is 17 * 23?"
    # The coordinator handled start inside the trace the gateway's request began.
    assert body["trace_id"] and body["trace_id"] == coordinator.start_trace_ids[0]
    assert response.headers["x-trace-id"] == body["trace_id"]
    assert response.headers["traceparent"].split("-")[1] == body["trace_id"]
    start = coordinator.starts[0]
    assert start.sender == "user:alice"  # the gateway speaks for the key's user
    assert start.body.observers == ["gateway"]

    root = await _server_span(spans, body["trace_id"], "POST /v1/conversations")
    assert root.kind == SpanKind.SERVER
    assert root.parent is None
    assert root.attributes["http.route"] == "/v1/conversations"
    assert root.attributes["http.request.method"] == "POST"
    assert root.attributes["http.response.status_code"] == 201


async def test_an_incoming_traceparent_is_continued(
    client: httpx.AsyncClient, coordinator: StandInCoordinator
) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = await client.post(
        "/v1/conversations",
        json={"goal": "continue my trace"},
        headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"},
    )

    assert response.status_code == 201
    assert response.json()["trace_id"] == trace_id
    assert coordinator.start_trace_ids == [trace_id]


async def test_team_size_and_budget_are_passed_to_the_coordinator(
    client: httpx.AsyncClient, coordinator: StandInCoordinator
) -> None:
    response = await client.post(
        "/v1/conversations",
        json={"goal": "plan a trip", "max_team": 2, "budget": {"max_turns": 4}},
    )

    assert response.status_code == 201
    start = coordinator.starts[0].body
    assert start.max_team == 2
    assert start.budget.max_turns == 4


async def test_reading_a_conversation_returns_its_current_state(
    client: httpx.AsyncClient, coordinator: StandInCoordinator
) -> None:
    created = (await client.post("/v1/conversations", json={"goal": "add 2 and 3"})).json()
    await coordinator.change(created["id"], state="discussing", turns=2)

    response = await client.get(f"/v1/conversations/{created['id']}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == body["conversation"] == created["id"]
    assert body["state"] == "discussing"
    assert body["turns"] == 2
