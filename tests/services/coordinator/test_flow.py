"""Each move, each policy, and each way a conversation can go wrong, end to end.

Real registry, chat, agents and coordinator on the session's nats-server; the
LLM is a scripted OpenAI-compatible server.
"""

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from protocol.agent import Agent
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import Conflict
from protocol.kinds import (
    Budget,
    ChatMessage,
    ContinueConversation,
    StartConversation,
    TaskAssign,
    TaskFailed,
    TaskResult,
    TeamDecline,
    TeamInvite,
)
from tests.services.coordinator.network import (
    Drafter,
    Lead,
    Sleeper,
    assert_handed_on_from_frozen,
    card,
    finish,
    group_messages,
    hand_frozen_a_task,
    network,
    start,
    state_of,
    stop_heartbeats,
    wait_for,
)
from tests.support.scripted_llm import Rule, Script


class Speaker(Agent):
    """Answers a turn and names the next speaker (for the autonomous policy)."""

    def __init__(self, *args: Any, says: str, passes_to: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.says, self.passes_to = says, passes_to

    async def on_turn(self, env: Envelope[ChatMessage]) -> ChatMessage:
        return ChatMessage(text=self.says, next_speakers=self.passes_to)


class Doubler(Agent):
    """A program, not a model: doubles the value its predecessor in the chain computed."""

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed:
        previous = env.body.inputs.get("previous") or []
        if not previous or "value" not in (previous[-1].get("data") or {}):
            return TaskFailed(task_id=env.body.task_id, reason="no value to double")
        value = Decimal(str(previous[-1]["data"]["value"])) * 2  # the calculator's is exact
        return TaskResult(
            task_id=env.body.task_id, text=f"doubled: {value}", data={"value": str(value)}
        )


class RetryingLead(Agent):
    """Asks for its sub-team twice at once and once more, as a client retrying would."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.children: list[str] = []

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        ask = [self.request_sub_team(env, "Compute 12*(3+4)", max_team=1) for _ in range(2)]
        answers = [*await asyncio.gather(*ask), await self.request_sub_team(env, "again")]
        self.children = [child.conversation for child in answers]
        return None


class SlowJoiner(Agent):
    """Thinks a while before it joins; remembers the discussion messages it sees."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.heard: list[str] = []

    async def on_invite(self, env: Envelope[TeamInvite]) -> TeamDecline | None:
        await asyncio.sleep(1.0)
        return None

    async def on_group_message(self, env: Envelope[Any]) -> None:
        if isinstance(env.body, ChatMessage):
            self.heard.append(env.body.text)

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        return TaskResult(task_id=env.body.task_id, text="done, in a hurry")


def types_and_senders(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(m["type"], m["sender"]) for m in messages]


async def test_round_robin_lets_each_member_speak_once_then_concludes(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script(rules=[Rule("You are the writer", "Dear customer, it is 470.")])
    async with network(nats_url, subject_root, tmp_path, script) as net:
        async with Connection(net.settings, "gateway") as conn:
            conversation = await start(
                conn,
                StartConversation(
                    goal="What is 17.5% of 2,480 plus 36? Then write a customer note about it.",
                    policy="round_robin",
                ),
            )
            state = await wait_for(conn, conversation)
            messages = await group_messages(conn, conversation)
    assert state.state == "concluded", state.reason
    assert types_and_senders(messages)[1:5] == [
        ("chat_message", "coordinator"),
        ("chat_message", "calculator"),
        ("chat_message", "coordinator"),
        ("chat_message", "writer"),
    ]
    assert messages[1]["body"]["next_speakers"] == ["calculator"]
    assert messages[2]["in_reply_to"] == messages[1]["id"]
    assert state.turns == 2
    assert "470" in (state.conclusion or "")


async def test_the_moderator_asks_assigns_in_the_background_pauses_and_concludes(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script(
        rules=[
            Rule(
                "MODERATOR MOVE",
                '{"move": "assign_async", "agent": "drafter", "text": "Draft a customer note."}',
                then=[
                    '{"move": "ask", "agent": "calculator", "text": "What is 2,480 * 0.175 + 36?"}',
                    '{"move": "pause"}',
                    '{"move": "conclude"}',
                ],
            ),
            Rule("CONCLUSION", "Done: 470 and a note."),
        ]
    )
    async with network(nats_url, subject_root, tmp_path, script) as net:
        await net.add(Drafter(card("drafter", "draft"), net.settings))
        async with Connection(net.settings, "gateway") as conn:
            conversation = await start(
                conn,
                StartConversation(
                    goal="Sums and a note for a customer",
                    policy="moderated",
                    required=["drafter", "calculator"],
                    max_team=2,
                ),
            )
            state = await wait_for(conn, conversation)
            messages = await group_messages(conn, conversation)
    assert state.state == "concluded", state.reason
    moves = [(m["type"], m["body"]) for m in messages if m["sender"] == "coordinator"]
    assert moves[1][0] == "task_assign" and moves[1][1]["mode"] == "async"
    assert moves[2] == (
        "chat_message",
        {
            "text": "What is 2,480 * 0.175 + 36?",
            "next_speakers": ["calculator"],
            "mentions": ["calculator"],
            "parts": [],
        },
    )
    assert moves[3][0] == "pause" and moves[3][1]["triggers"] == [moves[1][1]["task_id"]]
    assert moves[4][0] == "conclusion"
    answered = [m for m in messages if m["sender"] == "calculator"]
    assert "470" in answered[0]["body"]["text"]
    pause_at = messages.index(next(m for m in messages if m["type"] == "pause"))
    result_at = messages.index(next(m for m in messages if m["type"] == "task_result"))
    assert pause_at < result_at  # the flow waited for the background task
    assert [t.outcome for t in state.tasks] == ["done"]
    assert state.conclusion and state.conclusion.startswith("Done: 470 and a note.")


async def test_autonomous_members_pass_the_word_until_nobody_is_named(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        await net.add(
            Speaker(
                card("alpha", "xylophone"), net.settings, says="over to beta", passes_to=["beta"]
            )
        )
        await net.add(Speaker(card("beta", "xylophone"), net.settings, says="done", passes_to=[]))
        async with Connection(net.settings, "gateway") as conn:
            conversation = await start(
                conn,
                StartConversation(
                    goal="xylophone", policy="autonomous", required=["alpha", "beta"], max_team=2
                ),
            )
            state = await wait_for(conn, conversation)
            messages = await group_messages(conn, conversation)
    assert state.state == "concluded", state.reason
    said = [(m["sender"], m["body"].get("text")) for m in messages if m["type"] == "chat_message"]
    assert said[2:] == [("alpha", "over to beta"), ("beta", "done")]
    assert state.turns == 2  # the first question, then beta's turn


async def test_a_concluded_conversation_continues_with_a_follow_up_goal_and_the_same_team(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        async with Connection(net.settings, "gateway") as conn:
            conversation = await start(conn, StartConversation(goal="Compute 12*(3+4)", max_team=1))
            first = await wait_for(conn, conversation)
            await conn.request(
                "coordinator",
                "continue",
                ContinueConversation(conversation=conversation, goal="Compute 84 / 2"),
            )
            second = await wait_for(conn, conversation, states=frozenset({"concluded"}))
            for _ in range(50):
                second = await wait_for(conn, conversation)
                if second.conclusion and "42" in second.conclusion:
                    break
                await asyncio.sleep(0.1)
            messages = await group_messages(conn, conversation)
    assert first.state == second.state == "concluded"
    assert second.group == first.group
    assert [m.agent for m in second.members] == [m.agent for m in first.members] == ["calculator"]
    assert "42" in (second.conclusion or "")
    assert [m["type"] for m in messages].count("conclusion") == 2


async def test_a_task_whose_assignee_goes_offline_is_given_to_another_member(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script(), sweep_seconds=0.2) as net:
        frozen = await net.add(
            Sleeper(card("frozen", "xylophone", "tuning"), net.settings, lease_seconds=4.5)
        )
        async with Connection(net.settings, "gateway") as conn:
            conversation = await hand_frozen_a_task(conn, frozen, turn_seconds=60)
            await stop_heartbeats(frozen)
            state = await wait_for(conn, conversation, seconds=30)
    assert_handed_on_from_frozen(state)


async def test_a_task_missed_twice_is_marked_failed_and_the_conversation_fails_with_the_reasons(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        await net.add(Sleeper(card("slow-a", "xylophone"), net.settings))
        await net.add(Sleeper(card("slow-b", "xylophone"), net.settings))
        async with Connection(net.settings, "gateway") as conn:
            conversation = await start(
                conn,
                StartConversation(
                    goal="xylophone",
                    required=["slow-a", "slow-b"],
                    max_team=2,
                    budget=Budget(turn_seconds=1, max_turns=1),
                ),
            )
            state = await wait_for(conn, conversation)
    assert state.state == "failed"
    assert [(t.assignee, t.outcome) for t in state.tasks] == [
        ("slow-a", "failed"),
        ("slow-b", "failed"),
    ]
    assert "slow-a missed its deadline" in (state.reason or "")
    assert "slow-b missed its deadline" in (state.reason or "")


async def test_a_spent_turn_budget_concludes_with_what_the_team_has(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        async with Connection(net.settings, "gateway") as conn:
            conversation = await start(
                conn,
                StartConversation(
                    goal="Compute 12*(3+4). Then write a customer note.",
                    budget=Budget(max_turns=1),
                ),
            )
            state = await wait_for(conn, conversation)
    assert state.state == "concluded", state.reason
    assert state.turns == 1
    assert [t.assignee for t in state.tasks] == ["calculator"]


async def test_a_member_can_hand_its_task_to_a_sub_team_whose_conclusion_is_the_result(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        await net.add(Lead(card("lead", "xylophone"), net.settings))
        async with Connection(net.settings, "gateway") as conn:
            conversation = await start(
                conn, StartConversation(goal="xylophone", required=["lead"], max_team=1)
            )
            parent = await wait_for(conn, conversation)
            child = await wait_for(conn, parent.children[0])
    assert child.state == "concluded" and child.parent == conversation
    assert [m.agent for m in child.members] == ["calculator"]
    assert parent.state == "concluded", parent.reason
    assert parent.tasks[0].outcome == "done"
    assert parent.tasks[0].result == child.conclusion
    assert "84" in (parent.conclusion or "")


async def test_a_sequential_chain_hands_each_result_to_the_next_member_in_its_inputs(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        await net.add(Doubler(card("doubler", "double"), net.settings))
        async with Connection(net.settings, "gateway") as conn:
            chain = ["calculator", "doubler"]
            # The whole goal goes to each required member: the calculator must be able to
            # answer all of it (it declines words it cannot account for, like "double it").
            goal = StartConversation(goal="Compute 12*(3+4)", required=chain, max_team=2)
            state = await finish(conn, goal)
            messages = await group_messages(conn, state.conversation)
    assert state.state == "concluded", state.reason
    assigned = [m["body"] for m in messages if m["type"] == "task_assign"]
    assert [a["assignee"] for a in assigned] == ["calculator", "doubler"]
    assert assigned[0]["inputs"]["previous"] == []
    [previous] = assigned[1]["inputs"]["previous"]
    first = state.tasks[0]
    assert previous["task_id"] == first.task_id and previous["agent"] == "calculator"
    assert previous["result"] == first.result and previous["data"]["value"] == "84"
    assert [(t.assignee, t.outcome, t.result) for t in state.tasks][1] == (
        "doubler",
        "done",
        "doubled: 168",
    )


async def test_a_retried_sub_team_request_gets_the_same_child(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        lead = await net.add(RetryingLead(card("lead", "xylophone"), net.settings))
        async with Connection(net.settings, "gateway") as conn:
            goal = StartConversation(goal="xylophone", required=["lead"], max_team=1)
            parent = await finish(conn, goal)
            child = await wait_for(conn, parent.children[0])
    assert parent.state == "concluded", parent.reason
    assert lead.children == [child.conversation] * 3
    assert parent.children == [child.conversation]
    assert child.goal == "Compute 12*(3+4)" and parent.tasks[0].result == child.conclusion


async def test_a_message_sent_while_the_team_forms_is_posted_once_the_group_exists(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        joiner = await net.add(SlowJoiner(card("slowpoke", "xylophone"), net.settings))
        async with Connection(net.settings, "gateway") as conn:
            conversation = await start(
                conn, StartConversation(goal="xylophone", required=["slowpoke"], max_team=1)
            )
            forming = await state_of(conn, conversation)
            said = Envelope.of(
                ChatMessage(text="please hurry", next_speakers=["slowpoke"]),
                sender="gateway",
                conversation=conversation,
            )
            for _ in range(2):  # a retry is kept once
                await conn.send("coordinator", "post", said)
            state = await wait_for(conn, conversation)
            messages = await group_messages(conn, conversation)
            too_late = Envelope.of(
                ChatMessage(text="one more thing"), sender="gateway", conversation=conversation
            )
            with pytest.raises(Conflict, match="continue it with a follow-up goal"):
                await conn.send("coordinator", "post", too_late)
    assert forming.state == "forming" and forming.group is None
    assert state.state == "concluded", state.reason
    relayed = "gateway wrote while the team was forming: please hurry"
    assert [(m["type"], m["body"].get("text")) for m in messages][:3] == [
        ("chat_message", messages[0]["body"]["text"]),  # the roster
        ("chat_message", relayed),
        ("task_assign", None),
    ]
    assert messages[1]["sender"] == "coordinator"
    assert messages[1]["body"]["next_speakers"] == ["slowpoke"]
    assert relayed in joiner.heard
