"""An agent that goes offline while no coordinator runs: its event waits in the events
stream, and the coordinator that starts next hands the agent's task on at once rather
than at the task's deadline.

Real registry, chat and agents; the coordinator runs twice in this process, stopped in
between. The LLM is not used.
"""

from pathlib import Path
from typing import Any

from protocol.connection import Connection
from protocol.envelope import decode
from protocol.kinds import AgentStatus
from services.coordinator.app import serve as serve_coordinator
from services.coordinator.settings import CoordinatorSettings
from tests.services.coordinator.network import (
    Sleeper,
    assert_handed_on_from_frozen,
    card,
    hand_frozen_a_task,
    network,
    stop_heartbeats,
    wait_for,
)
from tests.support.scripted_llm import Script


async def test_an_agent_gone_offline_while_no_coordinator_ran_is_followed_when_one_starts(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    common: dict[str, Any] = {"nats_url": nats_url, "subject_root": subject_root}
    settings = CoordinatorSettings(
        **common, log_format="json", use_llm=False, lease_seconds=1.5, scan_seconds=0.3
    )
    async with network(
        nats_url, subject_root, tmp_path, Script(), coordinator=False, sweep_seconds=0.2
    ) as net:
        frozen = await net.add(
            Sleeper(card("frozen", "xylophone", "tuning"), net.settings, lease_seconds=2)
        )
        async with Connection(net.settings, "gateway") as conn:
            offline = await conn.nc.subscribe(net.settings.subjects.event("agent", "offline"))
            async with serve_coordinator(settings):
                # Its turn lasts far beyond the wait below: only the event can move it on.
                conversation = await hand_frozen_a_task(conn, frozen, turn_seconds=120)
            await stop_heartbeats(frozen)
            event = decode((await offline.next_msg(timeout=20)).data)
            assert event.body == AgentStatus(agent="frozen", online=False, reason=event.body.reason)
            async with serve_coordinator(settings) as coordinator:
                state = await wait_for(conn, conversation, seconds=30)
    assert_handed_on_from_frozen(state)
    assert coordinator.events["handled"] == 1
