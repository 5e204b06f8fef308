"""An SDK agent rides out a NATS outage: its durable inbox loses nothing.

This test runs its own nats-server (the session's server is shared), stops it
while the agent has tasks waiting in its inbox and one in hand, and starts it
again on the same port and store directory. The registry and the chat service
run in this process against that server.
"""

import asyncio
from collections import Counter
from pathlib import Path

from ioa import nats_server
from ioa.processes import die_with_parent
from protocol.agent import Agent
from protocol.connection import Connection
from protocol.envelope import Envelope, from_dict
from protocol.errors import Timeout, Unavailable
from protocol.kinds import (
    AgentCard,
    CreateGroup,
    History,
    Skill,
    TaskAssign,
    TaskFailed,
    TaskResult,
)
from protocol.settings import NatsSettings
from tests.support.network import network

TASKS_BEFORE, TASKS_AFTER = 4, 4


class Slow(Agent):
    """Takes a moment per task, so the outage finds work waiting in its inbox."""

    handled: list[str]

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed:
        await asyncio.sleep(0.3)
        self.handled.append(env.body.task_id)
        return TaskResult(task_id=env.body.task_id, text=f"done {env.body.description}")


async def post_until_accepted(conn: Connection, env: Envelope[TaskAssign]) -> None:
    """Post, retrying the same envelope (the same id) while NATS comes back."""
    for _ in range(60):
        try:
            await conn.send("chat", "post", env, timeout=2)
            return
        except (Unavailable, Timeout):
            await asyncio.sleep(0.25)
    raise AssertionError("the chat service did not come back")


async def outcomes(conn: Connection, group: str) -> Counter[str]:
    page = (await conn.request("chat", "history", History(group=group, limit=1000))).body
    found: Counter[str] = Counter()
    for logged in page.messages:
        env = from_dict(logged.envelope)
        if isinstance(env.body, TaskResult | TaskFailed):
            found[env.body.task_id] += 1
    return found


async def test_inbox_messages_waiting_during_a_nats_outage_are_all_handled_once(
    tmp_path: Path, subject_root: str
) -> None:
    port, store = nats_server.free_port(), tmp_path / "nats"
    server = nats_server.start(port, store, preexec_fn=die_with_parent())
    try:
        url = f"nats://127.0.0.1:{port}"
        card = AgentCard(id="slow", name="Slow", skills=[Skill(id="s", name="slow work")])
        Slow.handled = []
        async with (
            network(url, subject_root, tmp_path) as settings,
            Slow(card, NatsSettings(**settings.model_dump()), lease_seconds=3) as agent,
            Connection(settings, "tester") as conn,
        ):
            info = await conn.request("chat", "create_group", CreateGroup(members=["slow"]))
            group = info.body.group

            def task(n: int) -> Envelope[TaskAssign]:
                body = TaskAssign(task_id=f"t{n}", assignee="slow", description=f"task {n}")
                return Envelope.of(body, sender="tester", group=group)

            for n in range(TASKS_BEFORE):
                await post_until_accepted(conn, task(n))
            # The agent has one task in hand and the rest waiting: NATS goes away.
            await asyncio.sleep(0.4)
            nats_server.stop(server)
            handled_before_outage = len(agent.handled)
            await asyncio.sleep(1.5)
            server = nats_server.start(port, store, preexec_fn=die_with_parent())
            for n in range(TASKS_BEFORE, TASKS_BEFORE + TASKS_AFTER):
                await post_until_accepted(conn, task(n))

            expected = {f"t{n}" for n in range(TASKS_BEFORE + TASKS_AFTER)}
            found: Counter[str] = Counter()
            for _ in range(150):
                try:
                    found = await outcomes(conn, group)
                except (Unavailable, Timeout):
                    pass
                if set(found) == expected:
                    break
                await asyncio.sleep(0.2)
    finally:
        nats_server.stop(server)
    # Work was waiting in the inbox when NATS went away (else this test proves nothing).
    assert handled_before_outage < TASKS_BEFORE
    assert set(found) == expected, f"missing {sorted(expected - set(found))}"
    assert all(count == 1 for count in found.values()), found
