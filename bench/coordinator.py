"""The coordinator's own costs, LLM time excluded (it runs on rules alone here):

- overhead per turn: a round-robin conversation with instant members, wall time / turns;
- team formation with 10,000 registered agents: start → team invited;
- concurrent conversations: N started at once, how long until all concluded.

Registry, chat, coordinator and members share this process and its 2 cores, so the
figures are upper bounds for the coordinator alone.
"""

import asyncio
import statistics
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from bench.report import table, write_results
from ioa import nats_server
from protocol.agent import Agent
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.kinds import (
    TERMINAL_STATES,
    AgentCard,
    ChatMessage,
    GetConversation,
    Skill,
    StartConversation,
    TaskAssign,
    TaskFailed,
    TaskResult,
)
from protocol.settings import ServiceSettings, TelemetrySettings
from protocol.telemetry import setup_logging
from registry.app import serve as serve_registry
from registry.settings import RegistrySettings
from services.chat.app import serve as serve_chat
from services.chat.settings import ChatSettings
from services.coordinator.app import serve as serve_coordinator
from services.coordinator.settings import CoordinatorSettings

REGISTERED = 10_000
CONCURRENT = (10, 50, 100)


class Instant(Agent):
    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        return TaskResult(task_id=env.body.task_id, text="done")

    async def on_turn(self, env: Envelope[ChatMessage]) -> str:
        return "noted"


def card(agent: str, *tags: str) -> AgentCard:
    return AgentCard(
        id=agent,
        name=agent,
        description=f"{agent} agent",
        skills=[Skill(id="main", name=" ".join(tags), tags=list(tags))],
    )


async def until_over(conn: Connection, conversation: str) -> Any:
    while True:
        reply = await conn.request("coordinator", "get", GetConversation(conversation=conversation))
        if reply.body.state in TERMINAL_STATES:
            return reply.body
        await asyncio.sleep(0.02)


async def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        port = nats_server.free_port()
        proc = nats_server.start(port, Path(tmp) / "nats")
        try:
            return await measure(f"nats://127.0.0.1:{port}", Path(tmp))
        finally:
            nats_server.stop(proc)


async def measure(url: str, tmp: Path) -> dict[str, Any]:
    common: dict[str, Any] = {
        "nats_url": url,
        "subject_root": "bench.ioa.v1",
        "log_level": "WARNING",
    }
    async with AsyncExitStack() as stack:
        registry = await stack.enter_async_context(
            serve_registry(RegistrySettings(**common, database_url=f"sqlite:///{tmp}/r.db"))
        )
        await stack.enter_async_context(serve_chat(ChatSettings(**common)))
        await stack.enter_async_context(
            serve_coordinator(CoordinatorSettings(**common, use_llm=False, scan_seconds=5))
        )
        settings = ServiceSettings(**common)
        members = [f"member-{n}" for n in range(3)]
        for agent in members:
            await stack.enter_async_context(Instant(card(agent, "xylophone", "marimba"), settings))
        conn = await stack.enter_async_context(Connection(settings, "bench"))

        # 1. overhead per turn
        per_turn = []
        for _ in range(5):
            started = time.perf_counter()
            reply = await conn.request(
                "coordinator",
                "start",
                StartConversation(
                    goal="xylophone marimba", policy="round_robin", required=members, max_team=3
                ),
            )
            state = await until_over(conn, reply.body.conversation)
            per_turn.append((time.perf_counter() - started) / max(state.turns, 1) * 1000)

        # 2. team formation with 10,000 registered agents
        cards = [
            card(f"filler-{n}", f"skill{n % 500}", f"domain{n % 37}") for n in range(REGISTERED)
        ]
        await registry.store.register_many([(c, 3600.0) for c in cards])
        formation = []
        for _ in range(5):
            started = time.perf_counter()
            reply = await conn.request(
                "coordinator",
                "start",
                StartConversation(goal="xylophone marimba skill42 domain7", max_team=2),
            )
            conversation = reply.body.conversation
            while True:
                got = await conn.request(
                    "coordinator", "get", GetConversation(conversation=conversation)
                )
                if got.body.state != "forming" or got.body.members:
                    break
                await asyncio.sleep(0.005)
            formation.append((time.perf_counter() - started) * 1000)
            await until_over(conn, conversation)

        # 3. concurrent conversations
        concurrent = []
        for n in CONCURRENT:
            started = time.perf_counter()
            replies = await asyncio.gather(
                *(
                    conn.request(
                        "coordinator",
                        "start",
                        StartConversation(goal="xylophone", required=[members[i % 3]], max_team=1),
                        timeout=30,
                    )
                    for i in range(n)
                )
            )
            states = await asyncio.gather(*(until_over(conn, r.body.conversation) for r in replies))
            seconds = time.perf_counter() - started
            ok = sum(s.state == "concluded" for s in states)
            concurrent.append(
                {"conversations": n, "concluded": ok, "seconds": seconds, "per_second": n / seconds}
            )

    return {
        "turn_overhead_ms": {"p50": statistics.median(per_turn), "max": max(per_turn)},
        "team_formation_ms_with_10000_agents": {
            "p50": statistics.median(formation),
            "max": max(formation),
        },
        "concurrent": concurrent,
    }


def run() -> None:
    setup_logging("bench", TelemetrySettings(log_level="WARNING"))
    results = asyncio.run(main())
    print("\ncoordinator (rules only, no LLM; every service in one process on this machine)")
    rows = [
        [
            "overhead per turn (round robin, 3 instant members)",
            results["turn_overhead_ms"]["p50"],
            "ms p50",
        ],
        [
            "team formation, 10,000 agents registered",
            results["team_formation_ms_with_10000_agents"]["p50"],
            "ms p50",
        ],
    ]
    rows += [
        [
            f"{c['conversations']} concurrent conversations: {c['concluded']} concluded",
            c["seconds"],
            "s",
        ]
        for c in results["concurrent"]
    ]
    print(table(["measure", "value", "unit"], rows))
    print(f"results: {write_results('coordinator', results)}")


if __name__ == "__main__":
    run()
