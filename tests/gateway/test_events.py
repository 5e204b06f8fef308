"""``/v1/conversations/{id}/events``: states and the group log as Server-Sent Events."""

import asyncio

import httpx

from protocol.kinds import ChatMessage, Conclusion, TaskAssign, TaskResult
from tests.gateway.conftest import read_events
from tests.gateway.stand_in_coordinator import StandInCoordinator


async def _start(client: httpx.AsyncClient, goal: str = "What is 17 * 23?") -> str:
    response = await client.post("/v1/conversations", json={"goal": goal})
    assert response.status_code == 201, response.text
    conversation: str = response.json()["id"]
    return conversation


async def test_events_stream_states_and_messages_in_order_and_end_after_a_terminal_state(
    client: httpx.AsyncClient, coordinator: StandInCoordinator
) -> None:
    conversation = await _start(client)
    group = "g-" + conversation
    await coordinator.change(conversation, state="discussing", group=group)
    # Logged before anyone follows: the stream still starts from the beginning.
    first = await coordinator.log(group, ChatMessage(text="Let us compute."))

    opened = asyncio.Event()
    reader = asyncio.create_task(
        read_events(client, f"/v1/conversations/{conversation}/events", opened=opened)
    )
    await opened.wait()
    await coordinator.change(conversation, state="executing")
    await coordinator.log(
        group, TaskAssign(task_id="t1", assignee="calculator", description="17*23")
    )
    await coordinator.log(group, TaskResult(task_id="t1", text="391"), sender="calculator")
    last = await coordinator.log(group, Conclusion(text="17 * 23 = 391"))
    await coordinator.change(conversation, state="concluded", conclusion="17 * 23 = 391")
    stream = await reader

    assert stream.events[-1].event == "end"
    assert stream.events[-1].data == {"state": "concluded", "last_seq": last}
    states = [e.data["state"] for e in stream.of("state")]
    assert states == ["discussing", "executing", "concluded"]
    messages = stream.of("message")
    assert [m.data["envelope"]["type"] for m in messages] == [
        "chat_message",
        "task_assign",
        "task_result",
        "conclusion",
    ]
    seqs = [m.data["seq"] for m in messages]
    assert seqs[0] == first and seqs[-1] == last and seqs == sorted(seqs)
    assert [m.id for m in messages] == [str(s) for s in seqs]
    assert all(m.data["envelope"]["group"] == group for m in messages)


async def test_a_conversation_that_is_over_streams_its_whole_log_and_ends(
    client: httpx.AsyncClient, coordinator: StandInCoordinator
) -> None:
    conversation = await _start(client)
    group = "g-" + conversation
    seqs = [await coordinator.log(group, ChatMessage(text=f"m{i}")) for i in range(5)]
    await coordinator.change(conversation, state="failed", group=group, reason="budget spent")

    stream = await read_events(client, f"/v1/conversations/{conversation}/events")

    assert [e.event for e in stream.events] == ["state", *["message"] * 5, "end"]
    assert stream.events[0].data["reason"] == "budget spent"
    assert [e.data["seq"] for e in stream.of("message")] == seqs


async def test_events_resume_after_the_last_event_id(
    client: httpx.AsyncClient, coordinator: StandInCoordinator
) -> None:
    conversation = await _start(client)
    group = "g-" + conversation
    seqs = [await coordinator.log(group, ChatMessage(text=f"m{i}")) for i in range(4)]
    await coordinator.change(conversation, state="concluded", group=group, conclusion="done")
    url = f"/v1/conversations/{conversation}/events"

    by_header = await read_events(client, url, headers={"Last-Event-ID": str(seqs[1])})
    by_query = await read_events(client, f"{url}?after={seqs[2]}")

    assert [e.data["seq"] for e in by_header.of("message")] == seqs[2:]
    assert [e.data["envelope"]["body"]["text"] for e in by_header.of("message")] == ["m2", "m3"]
    assert [e.data["seq"] for e in by_query.of("message")] == seqs[3:]
    assert by_query.events[-1].event == "end"


async def test_a_conversation_that_failed_before_it_had_a_group_ends_at_once(
    client: httpx.AsyncClient, coordinator: StandInCoordinator
) -> None:
    conversation = await _start(client)
    await coordinator.change(conversation, state="failed", reason="no agent fits the goal")

    stream = await read_events(client, f"/v1/conversations/{conversation}/events")

    assert [e.event for e in stream.events] == ["state", "end"]
    assert stream.events[1].data == {"state": "failed", "last_seq": 0}
