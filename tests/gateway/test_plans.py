"""Flow a user can steer, through every door: ``POST /v1/conversations`` takes a plan and
a conclusion policy, the OpenAI door takes them in ``metadata.ioa`` (an object, or as
OpenAI's string values have it, a JSON string), the A2A door in ``metadata.ioa``.

A real gateway in front of the session's real network; the LLM is scripted.
"""

import json
from typing import Any

from tests.gateway.conftest import Stack, wait_for_state
from tests.gateway.test_a2a_server import a2a, ask, sent

OPTIONS: dict[str, Any] = {
    "required": ["calculator"],
    "max_team": 1,
    "plan": [{"id": "sum"}],  # no agent, no text: the member's part of the goal
    "conclusion_policy": "results",
}


async def test_a_plan_and_a_conclusion_policy_are_followed_from_the_rest_api(
    stack: Stack,
) -> None:
    async with stack.starts() as starts, stack.client() as client:
        created = await client.post("/v1/conversations", json={"goal": "Compute 2+3", **OPTIONS})
        state = await wait_for_state(client, created.json()["id"], "concluded", "failed")
    assert created.status_code == 201, created.text
    assert state["state"] == "concluded" and state["policy"] == "planned"
    assert state["conclusion"].startswith("Answer: 5")
    [start] = starts
    assert [s.id for s in start.body.plan] == ["sum"]
    assert start.body.conclusion_policy == "results"


async def test_the_openai_door_takes_the_options_in_metadata(stack: Stack) -> None:
    asked = {"model": "ioa", "messages": [{"role": "user", "content": "Compute 2+3"}]}
    async with stack.starts() as starts, stack.client() as client:
        answered = await client.post(
            "/v1/chat/completions", json={**asked, "metadata": {"ioa": json.dumps(OPTIONS)}}
        )
        refused = await client.post(
            "/v1/chat/completions", json={**asked, "metadata": {"ioa": {"plan": "all of it"}}}
        )
    assert answered.status_code == 200, answered.text
    assert answered.json()["choices"][0]["message"]["content"].startswith("Answer: 5")
    assert refused.status_code == 422 and "metadata.ioa" in refused.json()["detail"]
    [start] = starts
    assert start.body.policy == "sequential"  # the coordinator makes it planned
    assert [s.id for s in start.body.plan] == ["sum"]
    assert start.body.conclusion_policy == "results"


async def test_the_a2a_door_takes_the_options_in_metadata(stack: Stack) -> None:
    async with stack.starts() as starts, a2a(stack, stack.key, streaming=False) as client:
        (first,) = await sent(client, ask("Compute 2+3", **OPTIONS))
    assert "5" in first.task.artifacts[0].parts[0].text
    [start] = starts
    assert [s.id for s in start.body.plan] == ["sum"]
    assert start.body.conclusion_policy == "results"
