"""The A2A bridge against a real A2A 1.0 server (a2a-sdk, uvicorn on a free port): the
remote card becomes ours, tasks and turns are relayed, and the remote states map to ours."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from protocol.connection import Connection
from protocol.envelope import Envelope, from_dict
from protocol.kinds import (
    AgentInfo,
    ChatMessage,
    GetAgent,
    History,
    HistoryPage,
    TaskAssign,
    TaskFailed,
    TaskResult,
)
from protocol.settings import ServiceSettings
from protocol.subjects import CHAT, REGISTRY
from services.agents.a2a_bridge.agent import A2ABridge
from services.agents.a2a_bridge.card import ioa_card
from services.agents.a2a_bridge.relay import A2ARelay
from services.agents.a2a_bridge.settings import A2ABridgeSettings
from tests.services.agents.a2a_server import AdderExecutor, a2a_server
from tests.services.agents.conftest import create_group, outcome_of


@pytest.fixture(params=[True, False], ids=["streaming", "not-streaming"])
async def bridge(
    request: Any, settings: ServiceSettings, coordinator: Connection
) -> AsyncIterator[tuple[A2ABridge, AdderExecutor]]:
    with a2a_server(streaming=request.param) as (url, executor):
        bridge_settings = A2ABridgeSettings(
            nats_url=settings.nats_url, subject_root=settings.subject_root, a2a_url=url
        )
        async with A2ARelay(url, timeout=20) as relay:
            assert relay.card is not None and relay.streaming is request.param
            async with A2ABridge(ioa_card(relay.card), bridge_settings, relay) as agent:
                yield agent, executor


async def assign(conn: Connection, group: str, task_id: str, text: str) -> Envelope[Any]:
    task = TaskAssign(task_id=task_id, assignee="remote-adder", description=text)
    await conn.send(CHAT, "post", Envelope.of(task, sender=conn.identity, group=group))
    return await outcome_of(conn, group, task_id)


async def messages(conn: Connection, group: str) -> list[Envelope[Any]]:
    page = (await conn.request(CHAT, "history", History(group=group))).body
    assert isinstance(page, HistoryPage)
    return [from_dict(m.envelope) for m in page.messages]


async def test_the_remote_card_is_registered_as_ours_one_to_one(
    coordinator: Connection, bridge: tuple[A2ABridge, AdderExecutor]
) -> None:
    info = (await coordinator.request(REGISTRY, "get_agent", GetAgent(agent="remote-adder"))).body

    assert isinstance(info, AgentInfo) and info.online
    card = info.card
    assert (card.name, card.version) == ("Remote Adder", "2.1.0")
    assert card.description == "Adds whole numbers; an A2A agent from another stack."
    assert card.provider is not None and card.provider.organization == "Elsewhere Inc."
    assert [(s.id, s.name, s.tags, s.examples) for s in card.skills] == [
        ("add", "Add numbers", ["math", "add", "sum"], ["add 2 and 40"])
    ]
    assert card.default_input_modes == ["text/plain"]


async def test_a_task_is_relayed_and_a_completed_remote_task_is_our_result(
    coordinator: Connection, bridge: tuple[A2ABridge, AdderExecutor]
) -> None:
    group = await create_group(coordinator, ["remote-adder"])
    outcome = await assign(coordinator, group, "t1", "add 2 and 40")
    kinds = [env.type for env in await messages(coordinator, group)]

    assert isinstance(outcome.body, TaskResult)
    assert outcome.body.text == "The sum is 42."
    assert bridge[1].seen == ["add 2 and 40"]
    if bridge[0].relay.streaming:
        # The remote "working" status arrived while it worked: a progress note first.
        assert kinds.index("task_progress") < kinds.index("task_result")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("please fail", "Remote Adder failed: the adder broke"),
        ("reject this", "Remote Adder rejected the task: not my job"),
    ],
)
async def test_failed_and_rejected_remote_tasks_are_our_task_failures(
    coordinator: Connection, bridge: tuple[A2ABridge, AdderExecutor], text: str, reason: str
) -> None:
    group = await create_group(coordinator, ["remote-adder"])
    outcome = await assign(coordinator, group, "t1", text)

    assert isinstance(outcome.body, TaskFailed) and outcome.body.reason == reason


async def test_input_required_becomes_a_question_to_the_group_and_the_answer_finishes_it(
    coordinator: Connection, bridge: tuple[A2ABridge, AdderExecutor]
) -> None:
    group = await create_group(coordinator, ["remote-adder"])
    task = TaskAssign(task_id="t1", assignee="remote-adder", description="make a booking")
    await coordinator.send(CHAT, "post", Envelope.of(task, sender="coordinator", group=group))
    question = None
    for _ in range(100):
        said = [e for e in await messages(coordinator, group) if isinstance(e.body, ChatMessage)]
        if said:
            question = said[0]
            break
        await asyncio.sleep(0.1)
    assert question is not None and question.sender == "remote-adder"
    assert question.body.text == "Which date should the booking be for?"
    assert question.body.mentions == ["coordinator"]

    answer = ChatMessage(text="the first of May", mentions=["remote-adder"])
    await coordinator.send(CHAT, "post", Envelope.of(answer, sender="coordinator", group=group))
    outcome = await outcome_of(coordinator, group, "t1")

    assert isinstance(outcome.body, TaskResult)
    assert outcome.body.text == "Booked for the first of May."


async def test_a_discussion_turn_is_relayed_and_answered_in_the_group(
    coordinator: Connection, bridge: tuple[A2ABridge, AdderExecutor]
) -> None:
    group = await create_group(coordinator, ["remote-adder"])
    turn = ChatMessage(text="add 1 and 2", next_speakers=["remote-adder"])
    await coordinator.send(CHAT, "post", Envelope.of(turn, sender="coordinator", group=group))
    reply = None
    for _ in range(100):
        replies = [e for e in await messages(coordinator, group) if e.sender == "remote-adder"]
        if replies:
            reply = replies[0]
            break
        await asyncio.sleep(0.1)

    assert reply is not None and isinstance(reply.body, ChatMessage)
    assert reply.body.text == "The sum is 3."


async def test_an_open_question_survives_a_restart_of_the_bridge(
    settings: ServiceSettings, coordinator: Connection
) -> None:
    with a2a_server(streaming=True) as (url, _):
        bridge_settings = A2ABridgeSettings(
            nats_url=settings.nats_url, subject_root=settings.subject_root, a2a_url=url
        )
        async with A2ARelay(url, timeout=20) as relay:
            card = ioa_card(relay.card)
            async with A2ABridge(card, bridge_settings, relay):
                group = await create_group(coordinator, ["remote-adder"])
                task = TaskAssign(task_id="t1", assignee="remote-adder", description="booking")
                await coordinator.send(
                    CHAT, "post", Envelope.of(task, sender="coordinator", group=group)
                )
                for _ in range(100):
                    said = [
                        e for e in await messages(coordinator, group) if e.sender == "remote-adder"
                    ]
                    if any(isinstance(e.body, ChatMessage) for e in said):
                        break
                    await asyncio.sleep(0.1)
                else:
                    raise AssertionError("the bridge never asked its question")
            # Stopped with the question open; the answer comes while it is down.
            answer = ChatMessage(text="the first of May", mentions=["remote-adder"])
            await coordinator.send(
                CHAT, "post", Envelope.of(answer, sender="coordinator", group=group)
            )
            async with A2ABridge(card, bridge_settings, relay):
                outcome = await outcome_of(coordinator, group, "t1")

    assert isinstance(outcome.body, TaskResult)
    assert outcome.body.text == "Booked for the first of May."
