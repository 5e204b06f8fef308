"""Whole conversations through the real registry, chat service, agents and coordinator.

Everything runs in this process against the session's real nats-server; only
the LLM is scripted (a real OpenAI-compatible HTTP server).
"""

from pathlib import Path

import pytest

from protocol.connection import Connection
from protocol.errors import InvalidMessage
from protocol.kinds import Budget, StartConversation
from tests.services.coordinator.network import (
    Decliner,
    Sleeper,
    card,
    finish,
    group_messages,
    network,
)
from tests.support.scripted_llm import Rule, Script

GOAL = (
    "What is 17.5% of 2,480 plus 36? Work it out, then write a short friendly note to a "
    "customer explaining the result."
)

TEAM_RULES = [
    Rule("CAPABILITY QUERIES", '{"queries": ["arithmetic percent", "write a customer note"]}'),
    Rule(
        "TEAM CHOICE",
        '{"members": [{"agent": "calculator", "reason": "does the sums", "task": '
        '"Compute 17.5% of 2,480 plus 36"}, {"agent": "writer", "reason": "writes the note", '
        '"task": "Write the customer a short note explaining the result"}]}',
    ),
    Rule("CONCLUSION", "The result is 470, and the customer has a friendly note explaining it."),
    Rule("You are the writer", "Dear customer, 17.5% of 2,480 plus 36 comes to 470."),
]


@pytest.fixture
def script() -> Script:
    return Script(rules=list(TEAM_RULES))


async def test_a_goal_is_done_by_the_team_the_llm_chose_and_concluded(
    nats_url: str, subject_root: str, tmp_path: Path, script: Script
) -> None:
    async with network(nats_url, subject_root, tmp_path, script) as net:
        async with Connection(net.settings, "gateway") as conn:
            state = await finish(conn, StartConversation(goal=GOAL, observers=["gateway"]))
            messages = await group_messages(conn, state.group or "")
    assert state.state == "concluded", state.reason
    assert state.conclusion is not None
    summary, team_words = state.conclusion.split("\n\nFrom the team:\n")
    assert summary == "The result is 470, and the customer has a friendly note explaining it."
    assert (
        team_words.splitlines()[1]
        == "- writer: Dear customer, 17.5% of 2,480 plus 36 comes to 470."
    )
    assert [m.agent for m in state.members] == ["calculator", "writer"]
    assert state.members[0].reason == "does the sums"
    # The record of the choice: the LLM's, from the goal's steps and its own queries.
    formation = state.formation
    assert formation is not None and formation.chosen_by == "llm"
    assert formation.why_rules is None
    sources = {q.query: q.source for q in formation.queries}
    assert sources["arithmetic percent"] == sources["write a customer note"] == "llm"
    assert sources["What is 17.5% of 2,480 plus 36?"] == "goal"
    for member in state.members:
        scores = [h.score for q in formation.queries for h in q.hits if h.agent == member.agent]
        assert member.score == max(scores)
    results = {m["sender"]: m["body"]["text"] for m in messages if m["type"] == "task_result"}
    assert "470" in results["calculator"]
    assert results["writer"] == "Dear customer, 17.5% of 2,480 plus 36 comes to 470."
    assert [m["type"] for m in messages] == [
        "chat_message",
        "task_assign",
        "task_result",
        "task_assign",
        "task_result",
        "conclusion",
    ]
    assert state.turns == 2
    # The writer saw the calculator's result: it was in its prompt as data.
    writer_prompt = next(r for r in script.requests if "You are the writer" in str(r))
    assert "470" in str(writer_prompt["messages"])


async def test_when_the_llm_answers_garbage_the_best_matches_form_the_team(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script(
        rules=[
            Rule("CAPABILITY QUERIES", "I think you should use agents"),
            Rule("TEAM CHOICE", '{"members": [{"agent": "nobody-real"}]}'),
            Rule("You are the writer", "Dear customer, the result is 470."),
        ],
        default="",
    )
    async with network(nats_url, subject_root, tmp_path, script) as net:
        async with Connection(net.settings, "gateway") as conn:
            state = await finish(conn, StartConversation(goal=GOAL))
    assert state.state == "concluded", state.reason
    assert [m.agent for m in state.members] == ["calculator", "writer"]
    assert "best match" in state.members[0].reason
    formation = state.formation
    assert formation is not None and formation.chosen_by == "rules"
    assert formation.why_rules == (
        "the LLM named 1 member(s), 0 of them real candidates; the team needs 1 to 4"
    )
    assert {q.source for q in formation.queries} == {"goal"}  # its queries were garbage
    # The LLM wrote no conclusion (empty answer): the coordinator writes it from the
    # results, the answer first, then who found it.
    assert state.conclusion is not None
    assert state.conclusion.startswith(
        "Answer: 470\n\nFound by calculator: 17.5% of 2480 = 434; 434 + 36 = 470."
    )


async def test_when_the_llm_is_unreachable_the_conversation_still_concludes(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script(rules=[Rule("", "the model is down", status=503)])
    async with network(nats_url, subject_root, tmp_path, script) as net:
        async with Connection(net.settings, "gateway") as conn:
            state = await finish(conn, StartConversation(goal="Compute 12*(3+4)", max_team=1))
    assert state.state == "concluded", state.reason
    assert [m.agent for m in state.members] == ["calculator"]
    assert "84" in (state.conclusion or "")


async def test_a_goal_no_agent_can_serve_fails_with_a_reason(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        async with Connection(net.settings, "gateway") as conn:
            state = await finish(conn, StartConversation(goal="Xyzzy plugh frobnicate"))
    assert state.state == "failed"
    assert "no online agent matches this goal" in (state.reason or "")


async def test_a_declined_invitation_is_replaced_by_the_next_best_candidate(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script(
        rules=[
            Rule(
                "TEAM CHOICE",
                '{"members": [{"agent": "busy-math", "reason": "r", "task": "17.5% of 2,480"}]}',
            )
        ]
    )
    async with network(nats_url, subject_root, tmp_path, script) as net:
        await net.add(Decliner(card("busy-math", "percent", "math"), net.settings))
        async with Connection(net.settings, "gateway") as conn:
            state = await finish(
                conn, StartConversation(goal="Percent math: what is 17.5% of 2,480?", max_team=1)
            )
    assert state.state == "concluded", state.reason
    assert [m.agent for m in state.members] == ["calculator"]
    assert "stands in for busy-math" in state.members[0].reason


async def test_a_required_member_that_declines_is_not_replaced_and_the_conversation_fails(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        await net.add(Decliner(card("busy-math", "percent", "math"), net.settings))
        async with Connection(net.settings, "gateway") as conn:
            state = await finish(
                conn,
                StartConversation(
                    goal="Percent math: what is 17.5% of 2,480?", max_team=1, required=["busy-math"]
                ),
            )
    assert state.state == "failed"
    assert "required member busy-math declined" in (state.reason or "")
    assert state.members == [] and state.group is None


async def test_a_member_that_never_answers_ends_the_conversation_within_its_budget(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script(rules=[Rule("", "", status=503)])
    async with network(nats_url, subject_root, tmp_path, script) as net:
        await net.add(Sleeper(card("sleepy", "xylophone", "tuning"), net.settings))
        async with Connection(net.settings, "gateway") as conn:
            state = await finish(
                conn,
                StartConversation(
                    goal="xylophone tuning", budget=Budget(max_seconds=2, turn_seconds=60)
                ),
            )
    assert state.state == "failed"
    task = state.tasks[0].task_id
    assert (
        state.reason
        == f"ran out of time: the budget is 2 s; still waiting for sleepy (task {task})"
    )


async def test_an_impossible_team_size_is_refused(
    nats_url: str, subject_root: str, tmp_path: Path, script: Script
) -> None:
    async with network(nats_url, subject_root, tmp_path, script) as net:
        async with Connection(net.settings, "gateway") as conn:
            with pytest.raises(InvalidMessage, match="min_team"):
                await conn.request(
                    "coordinator", "start", StartConversation(goal="x", min_team=3, max_team=2)
                )
