"""``/v1/conversations/{id}/events``: states and the group log as Server-Sent Events,
against the real coordinator and chat service."""

import asyncio
from typing import Any

import httpx

from tests.gateway.conftest import Stack, read_events, wait_for_state
from tests.services.coordinator.network import group_messages


async def _concluded(client: httpx.AsyncClient, goal: str = "Compute 17 * 23") -> str:
    created = await client.post("/v1/conversations", json={"goal": goal, "max_team": 1})
    assert created.status_code == 201, created.text
    conversation: str = created.json()["id"]
    await wait_for_state(client, conversation, "concluded")
    return conversation


async def _logged(stack: Stack, group: str) -> list[dict[str, Any]]:
    async with stack.probe("gateway") as observer:
        return await group_messages(observer, group)


async def test_events_stream_states_and_messages_in_order_and_end_after_a_terminal_state(
    stack: Stack,
) -> None:
    assert stack.gatekeeper is not None
    async with stack.client() as client:
        created = await client.post(
            "/v1/conversations", json={"goal": "turnstile", "required": ["gatekeeper"]}
        )
        conversation = created.json()["id"]
        await stack.gatekeeper.holding(conversation)
        # Logged before anyone follows: the stream still starts from the beginning.
        before = (await client.get(f"/v1/conversations/{conversation}/messages")).json()

        opened = asyncio.Event()
        reader = asyncio.create_task(
            read_events(client, f"/v1/conversations/{conversation}/events", opened=opened)
        )
        await opened.wait()
        stack.gatekeeper.release(conversation)
        stream = await reader
    logged = await _logged(stack, conversation)

    messages = stream.of("message")
    seqs = [m.data["seq"] for m in messages]
    assert [m.data["envelope"] for m in messages] == logged
    assert [m.data["envelope"] for m in messages[: len(before["messages"])]] == [
        m["envelope"] for m in before["messages"]
    ]
    assert [m["envelope"]["type"] for m in before["messages"]][-1] == "task_assign"
    assert [m.data["envelope"]["type"] for m in messages][-2:] == ["task_result", "conclusion"]
    assert seqs == sorted(seqs)
    assert [m.id for m in messages] == [str(s) for s in seqs]
    assert all(m.data["envelope"]["group"] == conversation for m in messages)
    # States as they changed while the stream was open, then the end.
    assert [e.data["state"] for e in stream.of("state")] == ["executing", "concluding", "concluded"]
    assert stream.events[-1].event == "end"
    assert stream.events[-1].data == {"state": "concluded", "last_seq": seqs[-1]}


async def test_a_conversation_that_is_over_streams_its_whole_log_and_ends(stack: Stack) -> None:
    async with stack.client() as client:
        conversation = await _concluded(client)
        stream = await read_events(client, f"/v1/conversations/{conversation}/events")
    logged = await _logged(stack, conversation)

    assert [e.event for e in stream.events] == ["state", *["message"] * len(logged), "end"]
    assert stream.events[0].data["state"] == "concluded"
    assert "391" in stream.events[0].data["conclusion"]
    assert [e.data["envelope"] for e in stream.of("message")] == logged


async def test_events_resume_after_the_last_event_id(stack: Stack) -> None:
    async with stack.client() as client:
        conversation = await _concluded(client)
        url = f"/v1/conversations/{conversation}/events"
        everything = await read_events(client, url)
        seqs = [e.data["seq"] for e in everything.of("message")]
        by_header = await read_events(client, url, headers={"Last-Event-ID": str(seqs[1])})
        by_query = await read_events(client, f"{url}?after={seqs[2]}")

    assert len(seqs) >= 4
    assert [e.data["seq"] for e in by_header.of("message")] == seqs[2:]
    assert [e.data for e in by_header.of("message")] == [e.data for e in everything.of("message")][
        2:
    ]
    assert [e.data["seq"] for e in by_query.of("message")] == seqs[3:]
    assert by_query.events[-1].event == "end"


async def test_a_conversation_that_failed_before_it_had_a_group_ends_at_once(
    stack: Stack,
) -> None:
    async with stack.client() as client:
        created = await client.post(
            "/v1/conversations", json={"goal": "wait", "required": ["nobody-here"]}
        )
        conversation = created.json()["id"]
        await wait_for_state(client, conversation, "failed")
        stream = await read_events(client, f"/v1/conversations/{conversation}/events")

    assert [e.event for e in stream.events] == ["state", "end"]
    assert "nobody-here" in stream.events[0].data["reason"]
    assert stream.events[1].data == {"state": "failed", "last_seq": 0}
