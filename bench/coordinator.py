"""The coordinator's own costs, LLM time excluded (it runs on rules alone here).

The coordinator runs as its own process (``python -m services.coordinator``), so its
CPU time is its own work and nothing else's; registry, chat and the member agents
share this process. Conversations are followed through their state events, not by
asking the coordinator, so the measuring adds no load to what is measured.

- Own time per turn: sequential chains of ten instant members, one conversation at a
  time. CPU: the coordinator process's CPU time over the run divided by the turns
  taken. Reaction: from a member's result (its envelope's timestamp) to the
  coordinator's next move in the group log (delivery through the chat service, the
  record update, the driver's step, the post), p50 and p95.
- Concurrent conversations: conversations arrive at a steady rate, each a chain of two
  members that take 2 s over each task, as LLM-backed agents would, so many are open
  at once. The rate doubles until the conversations stop keeping up (see
  :func:`keeps_up`). Sustained: the last rate that kept up, with how many
  conversations were open at once on average.
- Team formation with 10,000 registered agents: start → the group formed (search,
  choice, the invitation and its answer), with one agent that matches best.
"""

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from nats.aio.msg import Msg

from bench.report import cpu_seconds, table, write_results
from ioa import nats_server
from protocol.agent import Agent
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import NotFound, Timeout, Unavailable
from protocol.kinds import (
    TERMINAL_STATES,
    AgentCard,
    Budget,
    ChatMessage,
    ConversationState,
    GetConversation,
    History,
    HistoryPage,
    Skill,
    StartConversation,
    TaskAssign,
    TaskFailed,
    TaskResult,
)
from protocol.settings import ServiceSettings, TelemetrySettings
from protocol.subjects import CHAT, COORDINATOR
from protocol.telemetry import setup_logging
from registry.app import serve as serve_registry
from registry.settings import RegistrySettings
from services.chat.app import serve as serve_chat
from services.chat.settings import ChatSettings

ROOT = "bench.ioa.v1"
REGISTERED = 10_000
CHAIN = 10
"""Members of each chain in the per-turn run (a turn each)."""
TURN_RUNS = 5
WORK_SECONDS = 2.0
"""How long a member of the concurrent run takes over a task."""
RATES = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)
"""Conversations started per second, in turn, until they stop keeping up."""
ARRIVAL_SECONDS = 10.0


class Instant(Agent):
    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        return TaskResult(task_id=env.body.task_id, text="done")

    async def on_turn(self, env: Envelope[ChatMessage]) -> str:
        return "noted"


class Worker(Agent):
    """Takes ``WORK_SECONDS`` over each task, many tasks at once (an agent's inbox hands
    it one message at a time, so the work goes on in the background)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._work: set[asyncio.Task[None]] = set()

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        task = asyncio.create_task(self._finish(env))
        self._work.add(task)
        task.add_done_callback(self._work.discard)
        return None

    async def _finish(self, env: Envelope[TaskAssign]) -> None:
        await asyncio.sleep(WORK_SECONDS)
        assert env.group is not None
        done = TaskResult(task_id=env.body.task_id, text="done")
        await self.post(env.group, done, conversation=env.conversation, in_reply_to=env.id)


def card(agent: str, *tags: str) -> AgentCard:
    return AgentCard(
        id=agent,
        name=agent,
        description=f"{agent} agent",
        skills=[Skill(id="main", name=" ".join(tags), tags=list(tags))],
    )


class Watcher:
    """Follows every conversation's state events: when each one formed and ended."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.formed: dict[str, float] = {}
        self.ended: dict[str, ConversationState] = {}
        self.ended_at: dict[str, float] = {}
        self._waiting: dict[tuple[str, str], asyncio.Event] = {}

    async def on_event(self, msg: Msg) -> None:
        at = time.perf_counter()
        env = self.conn.read_event(msg)
        if env is None or not isinstance(env.body, ConversationState):
            return
        state = env.body
        conversation = state.conversation
        if state.state != "forming" and conversation not in self.formed:
            self.formed[conversation] = at
            self._event(conversation, "formed").set()
        if state.state in TERMINAL_STATES and conversation not in self.ended:
            self.ended[conversation], self.ended_at[conversation] = state, at
            self._event(conversation, "ended").set()

    def _event(self, conversation: str, what: str) -> asyncio.Event:
        return self._waiting.setdefault((conversation, what), asyncio.Event())

    async def until_over(self, conversation: str, seconds: float = 120) -> ConversationState:
        await asyncio.wait_for(self._event(conversation, "ended").wait(), seconds)
        return self.ended[conversation]

    async def until_formed(self, conversation: str, seconds: float = 60) -> float:
        try:
            await asyncio.wait_for(self._event(conversation, "formed").wait(), seconds)
        except TimeoutError:
            raise TimeoutError(f"conversation {conversation} did not form in {seconds} s") from None
        return self.formed[conversation]


def _ts(envelope: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(envelope["ts"])


async def reactions(conn: Connection, conversation: str) -> list[float]:
    """Seconds from each member's result to the coordinator's next move, from the log."""
    reply = await conn.request(CHAT, "history", History(group=conversation, limit=1000))
    page: HistoryPage = reply.body
    log = [m.envelope for m in page.messages]
    return [
        (_ts(after) - _ts(before)).total_seconds()
        for before, after in pairwise(log)
        if before["type"] == "task_result" and after["sender"] == COORDINATOR
    ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


@contextmanager
def coordinator_process(url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "IOA_NATS_URL": url,
        "IOA_SUBJECT_ROOT": ROOT,
        "IOA_USE_LLM": "false",
        "IOA_LOG_LEVEL": "WARNING",
    }
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "services.coordinator"], env=env, stdout=out, stderr=out
        )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def until_serving(conn: Connection, seconds: float = 60) -> None:
    for _ in range(int(seconds * 10)):
        try:
            await conn.request(COORDINATOR, "get", GetConversation(conversation="probe"))
        except NotFound:
            return
        except (Unavailable, Timeout):
            await asyncio.sleep(0.1)
    raise TimeoutError(f"the coordinator did not answer within {seconds} s")


async def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        port = nats_server.free_port()
        server = nats_server.start(port, Path(tmp) / "nats")
        try:
            return await measure(f"nats://127.0.0.1:{port}", Path(tmp), server.pid)
        finally:
            nats_server.stop(server)


async def measure(url: str, tmp: Path, server_pid: int) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    common: dict[str, Any] = {"nats_url": url, "subject_root": ROOT, "log_level": "WARNING"}
    async with AsyncExitStack() as stack:
        registry = await stack.enter_async_context(
            serve_registry(RegistrySettings(**common, database_url=f"sqlite:///{tmp}/r.db"))
        )
        await stack.enter_async_context(serve_chat(ChatSettings(**common)))
        settings = ServiceSettings(**common)
        chain = [f"member-{n}" for n in range(CHAIN)]
        for agent in chain:
            await stack.enter_async_context(Instant(card(agent, "xylophone"), settings))
        workers = ["worker-a", "worker-b"]
        for agent in workers:
            await stack.enter_async_context(Worker(card(agent, "marimba"), settings))
        # The best match for the formation goal below, among the 10,000 fillers.
        await stack.enter_async_context(
            Instant(card("ensemble", "xylophone", "marimba", "skill42", "domain7"), settings)
        )
        conn = await stack.enter_async_context(Connection(settings, "bench"))
        watcher = Watcher(conn)
        sub = await conn.nc.subscribe(conn.subjects.event("conversation", ">"), cb=watcher.on_event)
        stack.push_async_callback(sub.unsubscribe)
        coordinator = stack.enter_context(coordinator_process(url, tmp / "coordinator.log"))
        await until_serving(conn)

        async def start(goal: StartConversation) -> str:
            reply = await conn.request(COORDINATOR, "start", goal, timeout=30)
            conversation: str = reply.body.conversation
            return conversation

        pids = {"coordinator": coordinator.pid, "nats_server": server_pid}

        # 1. own time per turn
        chained = StartConversation(
            goal="xylophone", required=chain, max_team=CHAIN, budget=Budget(max_turns=CHAIN)
        )
        await watcher.until_over(await start(chained))  # warm-up
        cpu_before = cpu_seconds(coordinator.pid)
        turns, reacted = 0, []
        for _ in range(TURN_RUNS):
            conversation = await start(chained)
            state = await watcher.until_over(conversation)
            turns += state.turns
            reacted += await reactions(conn, conversation)
        per_turn = {
            "cpu_ms": (cpu_seconds(coordinator.pid) - cpu_before) * 1000 / turns,
            "reaction_ms_p50": percentile(reacted, 0.5) * 1000,
            "reaction_ms_p95": percentile(reacted, 0.95) * 1000,
            "turns": turns,
        }

        # 2. concurrent conversations at a steady arrival rate
        pair = StartConversation(goal="marimba", required=workers, max_team=2)
        levels: list[dict[str, Any]] = []
        for rate in RATES:
            level = await steady(conn, watcher, start, pair, rate, pids)
            level["kept_up"] = not levels or keeps_up(level, levels[0])
            levels.append(level)
            if not level["kept_up"]:
                break
        kept = [level for level in levels if level["kept_up"]]

        # 3. team formation with 10,000 registered agents
        cards = [
            card(f"filler-{n}", f"skill{n % 500}", f"domain{n % 37}") for n in range(REGISTERED)
        ]
        await registry.store.register_many([(c, 3600.0) for c in cards])
        formation = []
        for _ in range(5):
            began = time.perf_counter()
            conversation = await start(
                StartConversation(goal="xylophone marimba skill42 domain7", max_team=2)
            )
            formation.append((await watcher.until_formed(conversation) - began) * 1000)
            await watcher.until_over(conversation)

    return {
        # Other work on the machine shares its cores: latencies depend on it, CPU times less.
        "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]},
        "per_turn": per_turn,
        "concurrent": {
            "work_seconds": WORK_SECONDS,
            "arrival_seconds": ARRIVAL_SECONDS,
            "levels": levels,
            "sustained_per_second": kept[-1]["rate_per_s"] if kept else 0.0,
            "sustained_open": kept[-1]["open_mean"] if kept else 0.0,
        },
        "team_formation_ms_with_10000_agents": {
            "p50": statistics.median(formation),
            "max": max(formation),
        },
    }


async def steady(
    conn: Connection,
    watcher: Watcher,
    start: Any,
    goal: StartConversation,
    rate: float,
    pids: dict[str, int],
) -> dict[str, Any]:
    """Start ``rate`` conversations a second for ``ARRIVAL_SECONDS``; wait for them all."""
    loop = asyncio.get_running_loop()
    cpu = {name: cpu_seconds(pid) for name, pid in pids.items()}
    here = time.process_time()
    began = time.perf_counter()
    starts: dict[asyncio.Task[str], float] = {}
    for n in range(int(rate * ARRIVAL_SECONDS)):
        await asyncio.sleep(max(0.0, began + n / rate - time.perf_counter()))
        starts[loop.create_task(start(goal))] = time.perf_counter()
    conversations = {await task: at for task, at in starts.items()}
    ended = []
    for conversation in conversations:
        try:
            ended.append(await watcher.until_over(conversation, seconds=120))
        except TimeoutError:
            continue
    wall = time.perf_counter() - began
    used = {name: cpu_seconds(pid) - cpu[name] for name, pid in pids.items()}
    durations = [
        watcher.ended_at[c] - at for c, at in conversations.items() if c in watcher.ended_at
    ]
    reacted = [r for c in conversations for r in await reactions(conn, c)]
    return {
        "rate_per_s": rate,
        "started": len(conversations),
        "concluded": sum(s.state == "concluded" for s in ended),
        # Little's law: the average number open at once over the whole level.
        "open_mean": sum(durations) / wall,
        "duration_s_p50": percentile(durations, 0.5),
        "duration_s_p95": percentile(durations, 0.95),
        "reaction_ms_p50": percentile(reacted, 0.5) * 1000,
        "reaction_ms_p95": percentile(reacted, 0.95) * 1000,
        "coordinator_cpu_ms_per_conversation": used["coordinator"] * 1000 / len(conversations),
        "cpu_cores": {
            **{name: seconds / wall for name, seconds in used.items()},
            "registry_chat_members": (time.process_time() - here) / wall,
        },
    }


def keeps_up(level: dict[str, Any], base: dict[str, Any]) -> bool:
    """Every conversation concluded, and the median reaction at most three times the
    slowest rate's and at most 100 ms more (the median: a level's p95 rests on a few
    dozen reactions, and one stray pause would decide it)."""
    slowest = base["reaction_ms_p50"]
    return bool(
        level["concluded"] == level["started"]
        and level["reaction_ms_p50"] <= max(3 * slowest, slowest + 100)
    )


def run() -> None:
    setup_logging("bench", TelemetrySettings(log_level="WARNING"))
    results = asyncio.run(main())
    turn = results["per_turn"]
    print("\ncoordinator (its own process, rules only, no LLM; the rest in one process)")
    print(
        table(
            ["measure", "value", "unit"],
            [
                ["coordinator CPU per turn", turn["cpu_ms"], "ms"],
                ["reaction: member's result → next move, p50", turn["reaction_ms_p50"], "ms"],
                ["reaction p95", turn["reaction_ms_p95"], "ms"],
                [
                    "team formation, 10,000 agents registered, p50",
                    results["team_formation_ms_with_10000_agents"]["p50"],
                    "ms",
                ],
            ],
        )
    )
    concurrent = results["concurrent"]
    print(f"\nsteady arrivals (chains of two members taking {WORK_SECONDS:g} s a task)")
    print(
        table(
            ["rate/s", "open", "concluded", "dur p50 s", "react p50", "react p95", "coord CPU"],
            [
                [
                    level["rate_per_s"],
                    level["open_mean"],
                    f"{level['concluded']}/{level['started']}",
                    level["duration_s_p50"],
                    level["reaction_ms_p50"],
                    level["reaction_ms_p95"],
                    level["cpu_cores"]["coordinator"],
                ]
                for level in concurrent["levels"]
            ],
        )
    )
    print(
        f"sustained: {concurrent['sustained_per_second']:g} conversations/s, "
        f"{concurrent['sustained_open']:.0f} open at once"
    )
    load = results["load_average_1min"]
    print(f"machine's 1-min load average: {load['before']:.1f} before, {load['after']:.1f} after")
    print(f"results: {write_results('coordinator', results)}")


if __name__ == "__main__":
    run()
