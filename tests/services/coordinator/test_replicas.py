"""Two coordinator replicas at once on one store: they share the conversations, and when
one stops abruptly the other finishes its conversations, each ending exactly once and
no task handed out twice.

Both replicas run in this process (real registry, chat and agents beside them); the
one that stops is cancelled in the middle of its work, its leases left to run out.
"""

import asyncio
from collections import Counter
from contextlib import suppress
from pathlib import Path
from typing import Any

from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import DeliverPolicy

from protocol.connection import Connection
from protocol.kinds import TERMINAL_STATES, ConversationState, StartConversation
from services.coordinator.app import Coordinator
from services.coordinator.app import serve as serve_coordinator
from services.coordinator.settings import CoordinatorSettings
from tests.services.coordinator.network import (
    Tally,
    card,
    group_messages,
    network,
    records,
    start,
    wait_for,
)
from tests.support.scripted_llm import Script

PER_BATCH = 5


async def replica(settings: CoordinatorSettings, up: "asyncio.Future[Coordinator]") -> None:
    async with serve_coordinator(settings) as coordinator:
        up.set_result(coordinator)
        await asyncio.Event().wait()


async def run_replica(settings: CoordinatorSettings) -> tuple[asyncio.Task[None], Coordinator]:
    up: asyncio.Future[Coordinator] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(replica(settings, up))
    return task, await up


async def endings(conn: Connection) -> Counter[str]:
    """How many final-state events each conversation has on the events stream."""
    sub = await conn.js.subscribe(
        conn.subjects.event("conversation", ">"),
        ordered_consumer=True,
        deliver_policy=DeliverPolicy.ALL,
    )
    found: Counter[str] = Counter()
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=1)
            except NatsTimeout:
                return found
            env = conn.read_event(msg)
            if env is not None and isinstance(env.body, ConversationState):
                if env.body.state in TERMINAL_STATES:
                    found[env.body.conversation] += 1
    finally:
        await sub.unsubscribe()


async def test_two_replicas_share_the_work_and_one_stopping_abruptly_loses_nothing(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    common: dict[str, Any] = {"nats_url": nats_url, "subject_root": subject_root}
    settings = CoordinatorSettings(
        **common, log_format="json", use_llm=False, lease_seconds=1.5, scan_seconds=0.3
    )
    goal = StartConversation(goal="xylophone", required=["tally-a", "tally-b"], max_team=2)
    async with network(nats_url, subject_root, tmp_path, Script(), coordinator=False) as net:
        tallies = [
            await net.add(Tally(card(f"tally-{n}", "xylophone"), net.settings, delay=0.5))
            for n in "ab"
        ]
        first, a = await run_replica(settings)
        second: asyncio.Task[None] | None = None
        try:
            async with Connection(net.settings, "gateway") as conn:
                # The first batch is the first replica's alone; the second, started with
                # both up, is shared as their queue group and the shared inbox deal it.
                batch = [start(conn, goal) for _ in range(PER_BATCH)]
                conversations = list(await asyncio.gather(*batch))
                second, b = await run_replica(settings)
                batch = [start(conn, goal) for _ in range(PER_BATCH)]
                conversations += await asyncio.gather(*batch)
                first.cancel()  # in the middle of its work, as abruptly as a task can stop
                with suppress(asyncio.CancelledError):
                    await first
                at_stop = await records(conn, conversations)
                final = [await wait_for(conn, c, seconds=30) for c in conversations]
                ended = await endings(conn)
                logs = [await group_messages(conn, s.group or "") for s in final]
                after = await records(conn, conversations)
        finally:
            for task in (first, second):
                if task is not None:
                    task.cancel()
                    with suppress(asyncio.CancelledError):
                        await task

    orphaned = {r.id for r in at_stop if r.owner == a.scheduler.owner and not r.finished}
    assert orphaned, "the first replica had finished everything before it stopped"
    assert [s.state for s in final] == ["concluded"] * len(conversations), [s.reason for s in final]
    assert all(r.owner == b.scheduler.owner for r in after if r.id in orphaned)
    assert {c: ended[c] for c in conversations} == dict.fromkeys(conversations, 1)
    assert [[m["type"] for m in log].count("conclusion") for log in logs] == [1] * len(logs)
    for state in final:
        assert [(t.assignee, t.outcome) for t in state.tasks] == [
            ("tally-a", "done"),
            ("tally-b", "done"),
        ]
    handled = tallies[0].handled + tallies[1].handled
    assert len(handled) == 2 * len(conversations)
    assert set(handled.values()) == {1}, "a task was handed out twice"
