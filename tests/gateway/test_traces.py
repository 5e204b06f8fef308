"""``GET /v1/conversations/{id}/trace``: a conversation's spans, for its owner only."""

from pathlib import Path

from tests.gateway.conftest import Stack, gateway_before, wait_for_state
from tests.support.spans import written_to


async def test_a_conversations_trace_is_shown_to_its_owner_and_nobody_else(
    stack: Stack, tmp_path: Path
) -> None:
    traces = tmp_path / "traces"
    with written_to(traces):
        async with gateway_before(stack.net, tmp_path / "traced", trace_dir=traces) as traced:
            async with traced.client() as alice:
                started = await alice.post(
                    "/v1/conversations", json={"goal": "Compute 6*7", "max_team": 1}
                )
                conversation = started.json()["id"]
                await wait_for_state(alice, conversation, "concluded")
                mine = await alice.get(f"/v1/conversations/{conversation}/trace")
                unknown = await alice.get("/v1/conversations/01NOSUCHCONVERSATION/trace")
            async with traced.client(traced.key_for("mallory")) as mallory:
                theirs = await mallory.get(f"/v1/conversations/{conversation}/trace")
    # A gateway that keeps no traces says where to look instead.
    async with stack.client() as client:
        other = await client.post("/v1/conversations", json={"goal": "Compute 1+1"})
        untraced = await client.get(f"/v1/conversations/{other.json()['id']}/trace")

    assert mine.status_code == 200
    assert mine.json()["trace_id"] == started.json()["trace_id"]
    names = {span["name"] for span in mine.json()["spans"]}
    assert {"POST /v1/conversations", "process coordinator.start"} <= names
    assert theirs.status_code == 404 and theirs.json()["code"] == "not_found"
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    assert untraced.status_code == 404 and "IOA_TRACE_DIR" in untraced.json()["detail"]
