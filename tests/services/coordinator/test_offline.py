"""An agent that goes offline while no coordinator runs: its event waits in the events
stream, and the coordinator that starts next hands the agent's task on at once rather
than at the task's deadline; but an agent that is back online by then (it lost its
lease for a moment and is still working) keeps its task: no task runs twice.

Real registry, chat and agents; the coordinator runs twice in this process, stopped in
between. The LLM is not used.
"""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from protocol.connection import Connection
from protocol.envelope import decode
from protocol.kinds import AgentStatus, Budget, StartConversation
from services.coordinator.app import serve as serve_coordinator
from services.coordinator.settings import CoordinatorSettings
from tests.services.coordinator.network import (
    Network,
    Sleeper,
    Tally,
    assert_handed_on_from_frozen,
    card,
    hand_frozen_a_task,
    network,
    resume_heartbeats,
    start,
    stop_heartbeats,
    wait_for,
)
from tests.support.scripted_llm import Script


@pytest.fixture
def coordinator_settings(nats_url: str, subject_root: str) -> CoordinatorSettings:
    """A coordinator that adopts conversations quickly and asks no LLM."""
    common: dict[str, Any] = {"nats_url": nats_url, "subject_root": subject_root}
    return CoordinatorSettings(
        **common, log_format="json", use_llm=False, lease_seconds=1.5, scan_seconds=0.3
    )


@pytest.fixture
async def net(nats_url: str, subject_root: str, tmp_path: Path) -> AsyncIterator[Network]:
    """The network without a coordinator (the tests start theirs), its leases swept fast."""
    async with network(
        nats_url, subject_root, tmp_path, Script(), coordinator=False, sweep_seconds=0.2
    ) as net:
        yield net


async def test_an_agent_gone_offline_while_no_coordinator_ran_is_followed_when_one_starts(
    net: Network, coordinator_settings: CoordinatorSettings
) -> None:
    frozen = await net.add(
        Sleeper(card("frozen", "xylophone", "tuning"), net.settings, lease_seconds=2)
    )
    async with Connection(net.settings, "gateway") as conn:
        offline = await conn.nc.subscribe(net.settings.subjects.event("agent", "offline"))
        async with serve_coordinator(coordinator_settings):
            # Its turn lasts far beyond the wait below: only the event can move it on.
            conversation = await hand_frozen_a_task(conn, frozen, turn_seconds=120)
        await stop_heartbeats(frozen)
        event = decode((await offline.next_msg(timeout=20)).data)
        assert event.body == AgentStatus(agent="frozen", online=False, reason=event.body.reason)
        async with serve_coordinator(coordinator_settings) as coordinator:
            state = await wait_for(conn, conversation, seconds=30)
    assert_handed_on_from_frozen(state)
    assert coordinator.events["handled"] == 1


async def test_a_member_back_online_keeps_its_task_when_the_coordinator_restarts(
    net: Network, coordinator_settings: CoordinatorSettings
) -> None:
    slow = await net.add(
        Tally(card("slow", "xylophone", "tuning"), net.settings, delay=10, lease_seconds=2)
    )
    async with Connection(net.settings, "gateway") as conn:
        offline = await conn.nc.subscribe(net.settings.subjects.event("agent", "offline"))
        online = await conn.nc.subscribe(net.settings.subjects.event("agent", "online"))
        async with serve_coordinator(coordinator_settings):
            conversation = await start(
                conn,
                StartConversation(
                    goal="xylophone tuning",
                    required=["slow", "calculator"],
                    max_team=2,
                    budget=Budget(turn_seconds=60),
                ),
            )
            for _ in range(100):
                if slow.handled:
                    break
                await asyncio.sleep(0.1)
        # While no coordinator runs, the slow member loses its lease for a moment
        # (as under a blocking model call) and comes back, still at its task.
        await stop_heartbeats(slow)
        await offline.next_msg(timeout=20)
        resume_heartbeats(slow)
        await online.next_msg(timeout=20)
        async with serve_coordinator(coordinator_settings) as coordinator:
            state = await wait_for(conn, conversation, seconds=30)
    assert coordinator.events["handled"] == 1  # the offline report reached it
    assert [t.assignee for t in state.tasks] == ["slow", "calculator"]
    assert state.tasks[0].outcome == "done"
    assert list(slow.handled.values()) == [1], "the slow member's task ran twice"
