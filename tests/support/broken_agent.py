"""A deliberately broken agent for the conformance tests: it registers, heartbeats and
accepts invitations like a good agent, but it never answers a task or a discussion turn.
"""

from protocol.agent import Agent
from protocol.envelope import Envelope
from protocol.kinds import AgentCard, Skill, TaskAssign, TaskFailed, TaskResult


def silent_card(agent: str = "silent") -> AgentCard:
    return AgentCard(
        id=agent,
        name="Silent",
        description="Accepts every task and never answers (broken on purpose).",
        skills=[Skill(id="nothing", name="Nothing", tags=["broken"])],
    )


class SilentAgent(Agent):
    """Takes every task and never posts its outcome; never speaks when named."""

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        return None  # "the result comes another way", and it never does
