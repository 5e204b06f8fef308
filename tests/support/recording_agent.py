"""``python -m tests.support.recording_agent``: a team member that writes down everything it
handles, for fault tests that kill, freeze and restart it.

Each event is one JSON line appended to ``IOA_TEST_WORK_FILE``, written before the agent
moves on, so a SIGKILL loses nothing that was written:

- ``{"e": "got", "id", "group", "type"}``: a group message handled (after its hooks);
- ``{"e": "start" | "done", "task", "id", "group"}``: a task begun and finished (``id``:
  the ``task_assign`` envelope);
- ``{"e": "posted", "id", "group", "seq", "duplicate"}``: the chat service's answer to one
  of its posts (task outcomes, turn answers);
- ``{"e": "counts", "duplicates", "handled"}``: its inbox's counters, when they change
  (``duplicates``: redelivered messages it had handled already and skipped).

Every line carries ``agent``, ``pid`` and ``t`` (Unix time). Environment: the usual
``IOA_*`` settings, plus ``IOA_TEST_AGENT`` (its id), ``IOA_TEST_WORK_FILE``,
``IOA_TEST_TASK_SECONDS`` (how long a task takes, default 0.5) and
``IOA_TEST_LEASE_SECONDS`` (its registry lease, default 6).
"""

import asyncio
import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

from protocol.agent import Agent
from protocol.envelope import Envelope
from protocol.kinds import AgentCard, Body, ChatMessage, Posted, Skill, TaskAssign, TaskResult
from protocol.lifecycle import until_signalled
from protocol.settings import NatsSettings


def recorder_card(agent: str) -> AgentCard:
    return AgentCard(
        id=agent,
        name=agent,
        description="Records every message and task it handles (a fault-test member).",
        skills=[Skill(id="record", name="Record work", tags=["chaos", "record"])],
    )


class RecordingAgent(Agent):
    """Does each task by waiting ``task_seconds``; answers a turn with the text reversed."""

    def __init__(
        self,
        card: AgentCard,
        settings: NatsSettings,
        work: Path,
        *,
        task_seconds: float,
        lease: float,
    ) -> None:
        super().__init__(card, settings, lease_seconds=lease)
        self.work = work
        self.task_seconds = task_seconds
        self._counts: dict[str, int] = {}

    def record(self, event: str, **fields: Any) -> None:
        line = json.dumps(
            {"e": event, "agent": self.id, "pid": os.getpid(), "t": time.time(), **fields}
        )
        with self.work.open("a") as f:
            f.write(line + "\n")

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult:
        task = {"task": env.body.task_id, "id": env.id, "group": env.group}
        self.record("start", **task)
        await asyncio.sleep(self.task_seconds)
        self.record("done", **task)
        return TaskResult(task_id=env.body.task_id, text=f"{self.id} did {env.body.task_id}")

    async def on_turn(self, env: Envelope[ChatMessage]) -> str:
        return env.body.text[::-1]

    async def on_group_message(self, env: Envelope[Any]) -> None:
        self.record("got", id=env.id, group=env.group, type=env.type)

    async def post(self, group: str, body: Body, **kwargs: Any) -> Posted:
        posted = await super().post(group, body, **kwargs)
        self.record(
            "posted", id=kwargs.get("id"), group=group, seq=posted.seq, duplicate=posted.duplicate
        )
        return posted

    async def report_counts(self) -> None:
        """Write the inbox's counters whenever they change (the skipped duplicates are
        visible nowhere else)."""
        while True:
            # The runtime keeps its inbox private; a test agent may look inside.
            counts = {k: self._inbox.counts[k] for k in ("duplicates", "handled")}
            if counts != self._counts:
                self._counts = counts
                self.record("counts", **counts)
            await asyncio.sleep(0.2)


async def main() -> None:
    card = recorder_card(os.environ["IOA_TEST_AGENT"])
    work = Path(os.environ["IOA_TEST_WORK_FILE"])
    task_seconds = float(os.environ.get("IOA_TEST_TASK_SECONDS", "0.5"))
    lease = float(os.environ.get("IOA_TEST_LEASE_SECONDS", "6"))
    stopped = asyncio.create_task(until_signalled())
    await asyncio.sleep(0)
    agent = RecordingAgent(card, NatsSettings(), work, task_seconds=task_seconds, lease=lease)
    async with agent:
        reporter = asyncio.create_task(agent.report_counts())
        await stopped
        reporter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reporter


if __name__ == "__main__":
    asyncio.run(main())
