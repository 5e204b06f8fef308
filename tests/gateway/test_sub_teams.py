"""A sub-team's conversation is readable through the gateway by whoever may read its
parent (its observers are the parent's), and by nobody else.

A real gateway in front of a real network of its own; the lead agent hands its task
to a sub-team; the LLM is scripted.
"""

from pathlib import Path

from tests.gateway.conftest import real_stack, wait_for_state
from tests.services.coordinator.network import Lead, card


async def test_the_owner_of_a_conversation_reads_its_sub_team_and_a_stranger_does_not(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with real_stack(nats_url, subject_root, tmp_path) as stack:
        await stack.net.add(Lead(card("lead", "xylophone"), stack.net.settings))
        async with stack.client() as alice, stack.client(stack.key_for("mallory")) as mallory:
            created = await alice.post(
                "/v1/conversations",
                json={"goal": "xylophone", "required": ["lead"], "max_team": 1},
            )
            parent = await wait_for_state(alice, created.json()["id"], "concluded", "failed")
            [child_id] = parent["children"]
            child = await alice.get(f"/v1/conversations/{child_id}")
            messages = await alice.get(f"/v1/conversations/{child_id}/messages")
            strangers = await mallory.get(f"/v1/conversations/{child_id}")
    assert parent["state"] == "concluded", parent["reason"]
    assert child.status_code == 200, child.text
    assert child.json()["parent"] == parent["id"] and child.json()["state"] == "concluded"
    assert messages.status_code == 200 and messages.json()["messages"]
    assert strangers.status_code == 404
