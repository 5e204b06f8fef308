"""Deliberately broken agents for the conformance tests. They register, heartbeat and
accept invitations like a good agent, but :class:`SilentAgent` never answers a task or a
discussion turn, and :class:`ForgetfulAgent` does a redelivered task twice.
"""

from typing import Any

from protocol.agent import Agent
from protocol.envelope import Envelope
from protocol.kinds import AgentCard, ChatMessage, Skill, TaskAssign, TaskFailed, TaskResult
from protocol.settings import NatsSettings


def broken_card(agent: str, how: str) -> AgentCard:
    return AgentCard(
        id=agent,
        name=agent.capitalize(),
        description=f"{how} (broken on purpose).",
        skills=[Skill(id="nothing", name="Nothing", tags=["broken"])],
    )


class SilentAgent(Agent):
    """Takes every task and never posts its outcome; never speaks when named."""

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        return None  # "the result comes another way", and it never does


class ForgetfulAgent(Agent):
    """Forgets which messages it handled, so a redelivered task is done again; with
    ``fresh_ids`` each answer also gets a new envelope id (instead of the SDK's
    deterministic reply id), so the group log shows both."""

    def __init__(self, card: AgentCard, settings: NatsSettings, *, fresh_ids: bool, **kw: Any):
        super().__init__(card, settings, seen_size=0, **kw)
        self.fresh_ids = fresh_ids

    async def on_turn(self, env: Envelope[ChatMessage]) -> str:
        return "here"

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        result = TaskResult(task_id=env.body.task_id, text="done")
        if not self.fresh_ids:
            return result
        assert env.group is not None
        await self.post(env.group, result, conversation=env.conversation, in_reply_to=env.id)
        return None
