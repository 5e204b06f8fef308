"""Hooks without a subclass: ``@agent.hook`` makes a plain :class:`Agent` a full agent."""

from pathlib import Path

import pytest

from ioa.conformance import Options, check_agent, passed, table
from protocol.agent import Agent
from protocol.envelope import Envelope
from protocol.kinds import AgentCard, ChatMessage, Skill, TaskAssign, TaskResult
from protocol.settings import NatsSettings
from tests.support.network import network

CARD = AgentCard(id="shouter", name="Shouter", skills=[Skill(id="shout", name="Shout")])


def test_a_function_not_named_after_a_hook_is_refused() -> None:
    agent = Agent(CARD, NatsSettings())

    async def on_tsak(env: Envelope[TaskAssign]) -> TaskResult:
        raise AssertionError("never called")

    with pytest.raises(ValueError, match="'on_tsak' is not a hook"):
        agent.hook(on_tsak)


async def test_an_agent_built_from_hooks_passes_conformance(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path) as settings:
        agent = Agent(CARD, settings, lease_seconds=3)

        @agent.hook
        async def on_task(env: Envelope[TaskAssign]) -> TaskResult:
            return TaskResult(task_id=env.body.task_id, text=env.body.description.upper())

        @agent.hook
        async def on_turn(env: Envelope[ChatMessage]) -> str:
            return "SHOUTER HERE"

        async with agent:
            checks = await check_agent(
                settings, "shouter", Options(lease_wait=6, answer_wait=5, settle=0.3)
            )
    assert passed(checks), table(checks)
    found = {c.name: c.detail for c in checks}
    assert found["returns a task result or a task failure"] == "task_result 'WHAT IS 6 * 7?'"
    assert found["replies in a group when named"].startswith("said 'SHOUTER HERE'")
