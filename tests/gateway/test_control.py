"""Steering a conversation over HTTP, against the real coordinator, chat and registry:
a user's message reaches the team, cancel stops it, continue gives it a follow-up."""

from tests.gateway.conftest import Stack, wait_for_state

HELD = {"goal": "turnstile", "required": ["gatekeeper"], "max_team": 1}


async def test_a_user_message_reaches_the_team_and_the_conversation_can_continue(
    stack: Stack,
) -> None:
    gatekeeper = stack.gatekeeper
    assert gatekeeper is not None
    async with stack.client() as client:
        conversation = (await client.post("/v1/conversations", json=HELD)).json()["id"]
        url = f"/v1/conversations/{conversation}"
        await gatekeeper.holding(conversation)  # the team is at work
        said = await client.post(f"{url}/messages", json={"text": "please hurry"})
        gatekeeper.release(conversation)
        done = await wait_for_state(client, conversation, "concluded")
        follow_up = await client.post(f"{url}/continue", json={"goal": "turnstile again"})
        again = await wait_for_state(client, conversation, "concluded", "failed")

    assert said.status_code == 201 and said.json()["seq"] > 0
    assert gatekeeper.heard[conversation] == ["please hurry"]
    assert [m["agent"] for m in done["members"]] == ["gatekeeper"]
    assert follow_up.status_code == 200 and follow_up.json()["state"] == "executing"
    assert again["state"] == "concluded"
    assert [t["description"] for t in again["tasks"]] == ["turnstile", "turnstile again"]


async def test_a_user_can_cancel_a_running_conversation(stack: Stack) -> None:
    gatekeeper = stack.gatekeeper
    assert gatekeeper is not None
    async with stack.client() as client:
        conversation = (await client.post("/v1/conversations", json=HELD)).json()["id"]
        url = f"/v1/conversations/{conversation}"
        await gatekeeper.holding(conversation)
        try:
            cancelled = await client.post(f"{url}/cancel", json={"reason": "no longer needed"})
            final = await wait_for_state(client, conversation, "cancelled")
            too_late = await client.post(f"{url}/continue", json={"goal": "more"})
        finally:
            gatekeeper.release(conversation)

    assert cancelled.status_code == 200
    assert final["reason"] == "no longer needed"
    assert [t["outcome"] for t in final["tasks"]] == ["cancelled"]
    assert too_late.status_code == 409
    assert too_late.json()["code"] == "conflict"
