"""``python -m tests.support.slow_agent``: an agent whose every turn takes a while, and
which writes down when it starts and finishes each one, for crash tests.

Environment: the usual ``IOA_*`` settings, plus ``IOA_TEST_AGENT`` (its id),
``IOA_TEST_WORK_FILE`` (where it appends ``start <pid> <message id>`` and
``done <pid> <message id>``), ``IOA_TEST_TURN_SECONDS`` (how long a turn takes).
"""

import asyncio
import os
from pathlib import Path

from protocol.agent import Agent
from protocol.envelope import Envelope
from protocol.kinds import AgentCard, ChatMessage, Skill
from protocol.lifecycle import until_signalled
from protocol.settings import NatsSettings


class SlowAgent(Agent):
    """Answers every turn with the text reversed, slowly, keeping a work log."""

    def __init__(self, card: AgentCard, settings: NatsSettings, work: Path, turn: float) -> None:
        super().__init__(card, settings, ack_wait=2.0)
        self.work = work
        self.turn = turn

    def _note(self, what: str, env: Envelope[ChatMessage]) -> None:
        with self.work.open("a") as f:
            f.write(f"{what} {os.getpid()} {env.id}\n")
            f.flush()
            os.fsync(f.fileno())

    async def on_turn(self, env: Envelope[ChatMessage]) -> str | None:
        self._note("start", env)
        await asyncio.sleep(self.turn)
        self._note("done", env)
        return env.body.text[::-1]


async def main() -> None:
    agent = os.environ["IOA_TEST_AGENT"]
    card = AgentCard(
        id=agent,
        name="Slow",
        description="Reverses text, slowly (a crash-test agent).",
        skills=[Skill(id="reverse", name="Reverse", tags=["test"])],
    )
    work = Path(os.environ["IOA_TEST_WORK_FILE"])
    turn = float(os.environ.get("IOA_TEST_TURN_SECONDS", "0.3"))
    async with SlowAgent(card, NatsSettings(), work, turn):
        await until_signalled()


if __name__ == "__main__":
    asyncio.run(main())
