"""A whole network for coordinator tests: real registry, chat, agents and coordinator,
in this process, on the session's real nats-server; only the LLM is scripted."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protocol.agent import Agent
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import Unavailable
from protocol.kinds import (
    TERMINAL_STATES,
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
from protocol.lifecycle import cancel_until_done
from protocol.llm import Llm, LlmSettings
from protocol.settings import ServiceSettings
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
from services.coordinator.state import ConversationStore, Record
from tests.support.scripted_llm import Script, scripted_llm

WRITER = Path(__file__).parents[3] / "services/agents/assistant/personas/writer.json"


@dataclass
class Network:
    stack: AsyncExitStack
    settings: ServiceSettings
    llm_url: str

    async def add(self, agent: Agent) -> Agent:
        return await self.stack.enter_async_context(agent)


class Decliner(Agent):
    """Says no to every invitation."""

    async def on_invite(self, env: Envelope[TeamInvite]) -> TeamDecline | None:
        return TeamDecline(conversation=env.body.conversation, reason="too busy")


class Sleeper(Agent):
    """Accepts, then never finishes its tasks (it records them). When it is stopped the
    task in hand ends without an answer at once, so the agent does not sit out the
    inbox's grace for a message in hand (8 s) at the end of every test."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tasks: list[str] = []
        self._stopped = asyncio.Event()

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        self.tasks.append(env.body.task_id)
        await self._stopped.wait()
        return None

    async def __aexit__(self, *exc: Any) -> None:
        self._stopped.set()
        await super().__aexit__(*exc)


class Tally(Agent):
    """Does every task it gets, taking ``delay`` seconds, and counts each task id."""

    def __init__(self, *args: Any, delay: float = 0.1, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.delay = delay
        self.handled: Counter[str] = Counter()

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        self.handled[env.body.task_id] += 1
        await asyncio.sleep(self.delay)
        return TaskResult(task_id=env.body.task_id, text=f"counted for {env.conversation}")


class Lead(Agent):
    """Hands its task to a sub-team for ``goal``."""

    def __init__(self, *args: Any, goal: str = "Compute 12*(3+4)", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.goal = goal

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        await self.request_sub_team(env, self.goal, max_team=1)
        return None


class Drafter(Agent):
    """Takes a while over its task, so the flow goes on meanwhile."""

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        await asyncio.sleep(1.5)
        return TaskResult(task_id=env.body.task_id, text="Dear customer, here is your note.")


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
    sweep_seconds: float = 1.0,
) -> AsyncIterator[Network]:
    """Registry, chat, the calculator and writer agents, and the coordinator, all real."""
    common: dict[str, Any] = {"nats_url": nats_url, "subject_root": root, "log_format": "json"}
    with scripted_llm(script) as llm_url:
        llm_settings = LlmSettings(openai_base_url=llm_url, model="scripted")
        async with AsyncExitStack() as stack:
            db = f"sqlite:///{tmp_path}/r.db"
            await stack.enter_async_context(
                serve_registry(
                    RegistrySettings(**common, database_url=db, sweep_seconds=sweep_seconds)
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
            yield Network(stack, ServiceSettings(**common), llm_url)


async def start(conn: Connection, start: StartConversation) -> str:
    reply = await conn.request("coordinator", "start", start)
    conversation: str = reply.body.conversation
    return conversation


async def state_of(conn: Connection, conversation: str) -> ConversationState:
    reply = await conn.request("coordinator", "get", GetConversation(conversation=conversation))
    state: ConversationState = reply.body
    return state


async def wait_for(
    conn: Connection,
    conversation: str,
    states: frozenset[str] = TERMINAL_STATES,
    seconds: float = 30,
) -> ConversationState:
    state = None
    for _ in range(int(seconds * 10)):
        try:
            state = await state_of(conn, conversation)
        except Unavailable:  # a coordinator (re)starting
            await asyncio.sleep(0.1)
            continue
        if state.state in states:
            return state
        await asyncio.sleep(0.1)
    raise AssertionError(f"conversation {conversation} did not reach {states}: {state}")


async def finish(
    conn: Connection, body: StartConversation, seconds: float = 30
) -> ConversationState:
    return await wait_for(conn, await start(conn, body), seconds=seconds)


async def stop_heartbeats(agent: Agent) -> None:
    """Stop ``agent`` renewing its lease, as a frozen process would."""
    assert agent._heartbeat is not None
    await cancel_until_done(agent._heartbeat)


def resume_heartbeats(agent: Agent) -> None:
    """Have ``agent`` renew its lease again (it comes back online at its next heartbeat)."""
    agent._heartbeat = asyncio.create_task(agent._heartbeats(), name=f"{agent.id}-heartbeat")


async def hand_frozen_a_task(conn: Connection, frozen: Sleeper, turn_seconds: float) -> str:
    """Start a conversation whose first task goes to ``frozen`` (a :class:`Sleeper` with
    the card ``card("frozen", "xylophone", "tuning")``; the calculator is the other
    member); return its id once frozen holds the task."""
    conversation = await start(
        conn,
        StartConversation(
            goal="xylophone tuning",
            required=["frozen", "calculator"],
            max_team=2,
            budget=Budget(turn_seconds=turn_seconds),
        ),
    )
    for _ in range(100):
        if frozen.tasks:
            return conversation
        await asyncio.sleep(0.1)
    raise AssertionError(f"frozen never got its task in {conversation}")


def assert_handed_on_from_frozen(state: ConversationState) -> None:
    """Frozen's task failed as gone offline, and the calculator got the same task."""
    tasks = state.tasks
    assert tasks[0].assignee == "frozen" and tasks[0].outcome == "failed"
    assert tasks[0].result == "frozen went offline"
    assert tasks[1].assignee == "calculator" and tasks[1].description == tasks[0].description


async def group_messages(conn: Connection, group: str) -> list[dict[str, Any]]:
    page: HistoryPage = (await conn.request("chat", "history", History(group=group))).body
    return [m.envelope for m in page.messages]


async def records(conn: Connection, conversations: list[str]) -> list[Record]:
    """The conversations' records as stored, read straight from the coordinator's bucket
    (also while no coordinator is running)."""
    store = ConversationStore(await conn.js.key_value(conn.subjects.bucket("conversations")))
    return [await store.get(c) for c in conversations]
