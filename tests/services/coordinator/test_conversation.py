"""Whole conversations through the real registry, chat service, agents and coordinator.

Everything runs in this process against the session's real nats-server; only
the LLM is scripted (a real OpenAI-compatible HTTP server).
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from protocol.agent import Agent
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import InvalidMessage
from protocol.kinds import (
    AgentCard,
    Budget,
    ConversationState,
    GetConversation,
    History,
    HistoryPage,
    Skill,
    StartConversation,
    TaskAssign,
    TaskFailed,
    TaskResult,
    TeamDecline,
    TeamInvite,
)
from protocol.llm import Llm, LlmSettings
from registry.app import serve as serve_registry
from registry.settings import RegistrySettings
from services.agents.assistant.agent import Assistant
from services.agents.assistant.persona import Persona
from services.agents.assistant.settings import AssistantSettings
from services.agents.calculator.agent import Calculator
from services.agents.calculator.card import calculator_card
from services.agents.calculator.settings import CalculatorSettings
from services.chat.app import serve as serve_chat
from services.chat.settings import ChatSettings
from services.coordinator.app import serve as serve_coordinator
from services.coordinator.settings import CoordinatorSettings
from tests.support.scripted_llm import Rule, Script, scripted_llm

GOAL = (
    "What is 17.5% of 2,480 plus 36? Work it out, then write a short friendly note to a "
    "customer explaining the result."
)
WRITER = Path(__file__).parents[3] / "services/agents/assistant/personas/writer.json"

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


class Decliner(Agent):
    """Says no to every invitation."""

    async def on_invite(self, env: Envelope[TeamInvite]) -> TeamDecline | None:
        return TeamDecline(conversation=env.body.conversation, reason="too busy")


class Sleeper(Agent):
    """Accepts, then never finishes its task."""

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")


def card(agent: str, *tags: str) -> AgentCard:
    return AgentCard(
        id=agent,
        name=agent,
        description=f"{agent} agent",
        skills=[Skill(id="main", name=" ".join(tags), tags=list(tags))],
    )


@asynccontextmanager
async def network(
    nats_url: str,
    root: str,
    tmp_path: Path,
    script: Script,
    *,
    coordinator: bool = True,
    invite_seconds: float = 5.0,
) -> AsyncIterator[tuple[AsyncExitStack, dict[str, object], str]]:
    """Registry, chat, the calculator and writer agents, and the coordinator, all real."""
    common = {"nats_url": nats_url, "subject_root": root, "log_format": "json"}
    with scripted_llm(script) as llm_url:
        llm_settings = LlmSettings(openai_base_url=llm_url, model="scripted")
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(
                serve_registry(
                    RegistrySettings(**common, database_url=f"sqlite:///{tmp_path}/r.db")
                )
            )
            await stack.enter_async_context(serve_chat(ChatSettings(**common)))
            llm = Llm(llm_settings)
            stack.push_async_callback(llm.close)
            await stack.enter_async_context(
                Calculator(calculator_card(), CalculatorSettings(**common))
            )
            await stack.enter_async_context(
                Assistant(Persona.load(WRITER), AssistantSettings(**common), llm)
            )
            if coordinator:
                await stack.enter_async_context(
                    serve_coordinator(
                        CoordinatorSettings(**common, invite_seconds=invite_seconds), llm_settings
                    )
                )
            yield stack, common, llm_url


async def finish(
    conn: Connection, start: StartConversation, seconds: float = 30
) -> ConversationState:
    started = await conn.request("coordinator", "start", start)
    conversation = started.body.conversation
    for _ in range(int(seconds * 10)):
        state: ConversationState = (
            await conn.request("coordinator", "get", GetConversation(conversation=conversation))
        ).body
        if state.state in ("concluded", "failed", "cancelled"):
            return state
        await asyncio.sleep(0.1)
    raise AssertionError(f"conversation {conversation} did not end: {state}")


async def group_messages(conn: Connection, group: str) -> list[dict]:
    page: HistoryPage = (await conn.request("chat", "history", History(group=group))).body
    return [m.envelope for m in page.messages]


@pytest.fixture
def script() -> Script:
    return Script(rules=list(TEAM_RULES))


async def test_a_goal_is_done_by_the_team_the_llm_chose_and_concluded(
    nats_url: str, subject_root: str, tmp_path: Path, script: Script
) -> None:
    async with network(nats_url, subject_root, tmp_path, script) as (_, common, _url):
        async with Connection(ServiceSettingsLike(common), "gateway") as conn:
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
    async with network(nats_url, subject_root, tmp_path, script) as (_, common, _url):
        async with Connection(ServiceSettingsLike(common), "gateway") as conn:
            state = await finish(conn, StartConversation(goal=GOAL))
    assert state.state == "concluded", state.reason
    assert [m.agent for m in state.members] == ["calculator", "writer"]
    assert "best match" in state.members[0].reason
    # The LLM wrote no conclusion (empty answer), so the results speak for themselves.
    assert state.conclusion is not None
    assert state.conclusion.startswith("- calculator: 17.5% of 2480 = 434; 434 + 36 = 470.")


async def test_when_the_llm_is_unreachable_the_conversation_still_concludes(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script(rules=[Rule("", "the model is down", status=503)])
    async with network(nats_url, subject_root, tmp_path, script) as (_, common, _url):
        async with Connection(ServiceSettingsLike(common), "gateway") as conn:
            state = await finish(conn, StartConversation(goal="Compute 12*(3+4)", max_team=1))
    assert state.state == "concluded", state.reason
    assert [m.agent for m in state.members] == ["calculator"]
    assert "84" in (state.conclusion or "")


async def test_a_goal_no_agent_can_serve_fails_with_a_reason(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as (_, common, _url):
        async with Connection(ServiceSettingsLike(common), "gateway") as conn:
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
    async with network(nats_url, subject_root, tmp_path, script) as (stack, common, _url):
        await stack.enter_async_context(
            Decliner(card("busy-math", "percent", "math"), ServiceSettingsLike(common))
        )
        async with Connection(ServiceSettingsLike(common), "gateway") as conn:
            state = await finish(
                conn, StartConversation(goal="Percent math: what is 17.5% of 2,480?", max_team=1)
            )
    assert state.state == "concluded", state.reason
    assert [m.agent for m in state.members] == ["calculator"]
    assert "stands in for busy-math" in state.members[0].reason


async def test_a_member_that_never_answers_ends_the_conversation_within_its_budget(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script(rules=[Rule("", "", status=503)])
    async with network(nats_url, subject_root, tmp_path, script) as (stack, common, _url):
        await stack.enter_async_context(
            Sleeper(card("sleepy", "xylophone", "tuning"), ServiceSettingsLike(common))
        )
        async with Connection(ServiceSettingsLike(common), "gateway") as conn:
            state = await finish(
                conn,
                StartConversation(
                    goal="xylophone tuning", budget=Budget(max_seconds=2, turn_seconds=60)
                ),
            )
    assert state.state == "failed"
    assert state.reason == "ran out of time: the budget is 2 s"


async def test_an_impossible_team_size_is_refused(
    nats_url: str, subject_root: str, tmp_path: Path, script: Script
) -> None:
    async with network(nats_url, subject_root, tmp_path, script) as (_, common, _url):
        async with Connection(ServiceSettingsLike(common), "gateway") as conn:
            with pytest.raises(InvalidMessage, match="min_team"):
                await conn.request(
                    "coordinator", "start", StartConversation(goal="x", min_team=3, max_team=2)
                )


def ServiceSettingsLike(common: dict[str, object]) -> CalculatorSettings:
    """Plain NATS settings for a test client or agent (any ServiceSettings subclass will do)."""
    return CalculatorSettings(**common)
