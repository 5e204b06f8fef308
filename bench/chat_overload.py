"""Overload: offered load at 3x what the chat service sustains, then back to normal.

Starts a local nats-server and the chat service as its own process (default
settings, so the per-sender rate limit is on), and, in this process, 40 senders
that are members of one group. In one run:

1. **baseline**: posts at a light steady rate (50/s): latency when all is well;
2. **sustained**: every sender keeps 4 posts in flight for a while: the rate the
   service accepts posts at when it is as busy as it gets (S);
3. **overload**: posts offered at 3 x S, open loop (each sent on schedule, whatever
   came back), spread over the 40 senders so each stays under its own rate limit:
   the whole service is overloaded, not one sender. Each post ends accepted,
   refused with ``rate_limited`` (shed), refused otherwise, or unanswered after
   5 s; the chat process's resident memory (VmRSS from /proc) is sampled
   throughout;
4. **recovered**: the light rate again, right after the overload stops.

Then every accepted post is looked up in the group log: accepted posts lost must
be 0.

Run: ``python -m bench.chat_overload [--quick]``.
"""

import argparse
import asyncio
import logging
import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import structlog
from nats.aio.client import Client
from nats.js import JetStreamContext

from bench.chat_throughput import ROOT, TEXT, ChatProcess, percentile
from bench.report import cpu_seconds, table, write_results
from ioa import nats_server
from protocol.connection import Connection
from protocol.envelope import Envelope, decode
from protocol.kinds import ChatMessage, CreateGroup, ErrorBody
from protocol.settings import NatsSettings
from protocol.streams import group_stream
from services.chat.fanout import CONSUMER as FANOUT

NAME = "chat_overload"
SENDERS = 40
GROUP_SIZE = 5  # 8 groups of 5: each post is logged once and copied to 4 inboxes
LIGHT_RATE = 50.0
TIMEOUT = 5.0
LANES = 48  # posts in flight while measuring what the service sustains (below its 64)
OUTCOMES = ("accepted", "rate_limited", "timeout")  # the rest: other errors


@dataclass(slots=True)
class Phase:
    """What became of the posts of one phase."""

    name: str
    seconds: float
    offered: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # "accepted", error codes, "timeout"
    latencies_ms: list[float] = field(default_factory=list)  # of accepted posts
    rss_kib: list[int] = field(default_factory=list)
    accepted_ids: list[str] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)  # of accepted posts (perf_counter)
    cpu: tuple[float, float, float] = (0.0, 0.0, 0.0)  # cores: chat, nats-server, senders

    def row(self) -> list[Any]:
        accepted = self.outcomes["accepted"]
        return [
            self.name,
            round(self.offered / self.seconds),
            round(accepted / self.seconds),
            self.outcomes["rate_limited"],
            self.outcomes["timeout"],
            sum(v for k, v in self.outcomes.items() if k not in OUTCOMES),
            round(percentile(self.latencies_ms, 50), 1),
            round(percentile(self.latencies_ms, 99), 1),
            max(self.rss_kib, default=0) // 1024,
            *(round(cores, 2) for cores in self.cpu),
        ]

    def figures(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 2),
            "offered": self.offered,
            "offered_per_s": round(self.offered / self.seconds, 1),
            "accepted_per_s": round(self.outcomes["accepted"] / self.seconds, 1),
            "outcomes": dict(self.outcomes),
            "latency_ms_p50": round(percentile(self.latencies_ms, 50), 2),
            "latency_ms_p99": round(percentile(self.latencies_ms, 99), 2),
            "rss_mib_max": round(max(self.rss_kib, default=0) / 1024, 1),
            "rss_mib_median": round(statistics.median(self.rss_kib) / 1024, 1)
            if self.rss_kib
            else None,
            "cpu_cores": dict(
                zip(
                    ("chat", "nats_server", "senders"), (round(c, 2) for c in self.cpu), strict=True
                )
            ),
        }


def group_of(sender: int) -> str:
    return f"overload-{sender // GROUP_SIZE}"


@dataclass(slots=True, frozen=True)
class Pids:
    chat: int
    server: int


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Senders:
    """The senders' connections; ``post`` sends one prepared envelope and notes its fate."""

    def __init__(self, clients: Sequence[Client], settings: NatsSettings) -> None:
        self.clients = clients
        self.subjects = settings.subjects
        self._n = 0

    def prepare(self, count: int) -> list[tuple[Client, str, str, bytes]]:
        """``count`` posts, round robin over the senders: (client, subject, id, payload)."""
        posts = []
        for _ in range(count):
            self._n += 1
            n = self._n % len(self.clients)
            sender = f"sender-{n}"
            env = Envelope.of(ChatMessage(text=TEXT), sender=sender, group=group_of(n))
            client = self.clients[n]
            subject = self.subjects.request(sender, "chat", "post")
            posts.append((client, subject, env.id, env.encode()))
        return posts

    @staticmethod
    async def post(phase: Phase, post: tuple[Client, str, str, bytes]) -> None:
        client, subject, message_id, payload = post
        started = time.perf_counter()
        try:
            msg = await client.request(subject, payload, timeout=TIMEOUT)
        except nats.errors.TimeoutError:
            phase.outcomes["timeout"] += 1
            return
        reply = decode(msg.data)
        if isinstance(reply.body, ErrorBody):
            phase.outcomes[reply.body.code] += 1
            return
        phase.outcomes["accepted"] += 1
        phase.sent_at.append(started)
        phase.latencies_ms.append((time.perf_counter() - started) * 1000)
        phase.accepted_ids.append(message_id)


async def sample_rss(pids: Pids, phase: Phase, stop: asyncio.Event) -> None:
    """The chat process's RSS every 0.1 s; CPU of the chat process, nats-server and this
    process (the senders) over the phase."""
    began = time.perf_counter()
    chat, server, here = cpu_seconds(pids.chat), cpu_seconds(pids.server), time.process_time()
    while not stop.is_set():
        phase.rss_kib.append(rss_kib(pids.chat))
        await asyncio.sleep(0.1)
    wall = time.perf_counter() - began
    phase.cpu = (
        (cpu_seconds(pids.chat) - chat) / wall,
        (cpu_seconds(pids.server) - server) / wall,
        (time.process_time() - here) / wall,
    )


async def open_loop(senders: Senders, pids: Pids, name: str, rate: float, seconds: float) -> Phase:
    """Posts at ``rate`` per second on schedule, whatever comes back; waits for every answer."""
    phase = Phase(name, seconds)
    posts = senders.prepare(int(rate * seconds))
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(pids, phase, stop))
    tasks = []
    began = time.perf_counter()
    for n, post in enumerate(posts):
        due = began + n / rate
        if (wait := due - time.perf_counter()) > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(Senders.post(phase, post)))
        phase.offered += 1
    await asyncio.gather(*tasks)
    stop.set()
    await sampler
    return phase


async def closed_loop(senders: Senders, pids: Pids, lanes: int, seconds: float) -> Phase:
    """``lanes`` posts kept going for ``seconds`` (each sent as the one before it is
    answered), fewer than the service takes at once: the rate it accepts when saturated."""
    phase = Phase("sustained", seconds)
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(pids, phase, stop))
    deadline = time.perf_counter() + seconds

    async def lane() -> None:
        while time.perf_counter() < deadline:
            phase.offered += 1
            await Senders.post(phase, senders.prepare(1)[0])

    await asyncio.gather(*(lane() for _ in range(lanes)))
    stop.set()
    await sampler
    return phase


async def fanout_backlog(js: JetStreamContext, settings: NatsSettings) -> int:
    """Logged posts not yet copied to the members' inboxes."""
    info = await js.consumer_info(group_stream(settings.subjects).name, FANOUT)
    return (info.num_pending or 0) + (info.num_ack_pending or 0)


async def drained(js: JetStreamContext, settings: NatsSettings) -> float:
    """Seconds until the fan-out has caught up."""
    began = time.perf_counter()
    for _ in range(6000):  # 5 minutes at most
        if await fanout_backlog(js, settings) == 0:
            break
        await asyncio.sleep(0.05)
    return time.perf_counter() - began


async def logged_ids(js: JetStreamContext, settings: NatsSettings) -> set[str]:
    """The envelope ids in every group log."""
    stream = group_stream(settings.subjects).name
    total = (await js.stream_info(stream)).state.messages
    sub = await js.subscribe(settings.subjects.all_group_logs, stream=stream, ordered_consumer=True)
    ids = {decode((await sub.next_msg(timeout=10)).data).id for _ in range(total)}
    await sub.unsubscribe()
    return ids


def recovery_seconds(phase: Phase, began: float, normal_p99: float) -> float | None:
    """Seconds into ``phase`` after which every second's p99 latency is back within twice
    the baseline's (plus 10 ms for a loaded machine's jitter); None if it never was."""
    by_second: dict[int, list[float]] = {}
    for at, ms in zip(phase.sent_at, phase.latencies_ms, strict=True):
        by_second.setdefault(int(at - began), []).append(ms)
    limit = 2 * normal_p99 + 10
    slow = [second for second, values in by_second.items() if percentile(values, 99) > limit]
    last_slow = max(slow, default=-1)
    return None if last_slow == int(phase.seconds) - 1 else float(last_slow + 1)


async def create_groups(settings: NatsSettings) -> None:
    for first in range(0, SENDERS, GROUP_SIZE):
        members = [f"sender-{n}" for n in range(first, first + GROUP_SIZE)]
        async with Connection(settings, members[0]) as conn:
            body = CreateGroup(group=group_of(first), members=members)
            await conn.request("chat", "create_group", body)


async def measure(url: str, server_pid: int, store: Path, quick: bool) -> dict[str, Any]:
    settings = NatsSettings(nats_url=url, subject_root=ROOT)
    scale = 0.4 if quick else 1.0
    # The default limits: 200 posts/s per sender, burst 400 (3x S spread over 40 senders
    # stays under them, so what sheds the overload is the service, not a sender's bucket),
    # and at most 64 requests in hand.
    async with ChatProcess(url, store / "chat.log") as chat:
        assert chat.proc is not None
        pids = Pids(chat=chat.proc.pid, server=server_pid)
        await create_groups(settings)
        clients = [await nats.connect(url) for _ in range(SENDERS)]
        js = clients[0].jetstream()
        backlog: dict[str, int] = {}
        try:
            senders = Senders(clients, settings)
            idle_rss, load = rss_kib(pids.chat), os.getloadavg()[0]
            baseline = await open_loop(senders, pids, "baseline", LIGHT_RATE, 5 * scale)
            backlog[baseline.name] = await fanout_backlog(js, settings)
            sustained = await closed_loop(senders, pids, LANES, 10 * scale)
            backlog[sustained.name] = await fanout_backlog(js, settings)
            # What the service sustains: posts accepted *and* copied to every inbox, per
            # second; the fan-out may still be catching up when the posting stops.
            copied_in = sustained.seconds + await drained(js, settings)
            rate = sustained.outcomes["accepted"] / copied_in
            overload = await open_loop(senders, pids, "overload (3x)", 3 * rate, 20 * scale)
            backlog[overload.name] = await fanout_backlog(js, settings)
            began = time.perf_counter()
            recovered = await open_loop(senders, pids, "recovered", LIGHT_RATE, 15 * scale)
            backlog[recovered.name] = await fanout_backlog(js, settings)
            phases = [baseline, sustained, overload, recovered]
            accepted = {i for p in phases for i in p.accepted_ids}
            logged = await logged_ids(js, settings)
        finally:
            for client in clients:
                await client.drain()
    normal_p99 = percentile(baseline.latencies_ms, 99)
    return {
        "params": {
            "senders": SENDERS,
            "group_size": GROUP_SIZE,
            "light_rate_per_s": LIGHT_RATE,
            "sustained_in_flight": LANES,
            "timeout_s": TIMEOUT,
            "payload_bytes": len(TEXT),
        },
        "load_average": round(load, 2),  # 1-minute, as the run began: others' work
        "idle_rss_mib": round(idle_rss / 1024, 1),
        "sustained_per_s": round(rate, 1),
        "sustained_note": "posts accepted and copied to every member's inbox per second "
        "(the sustained phase's accepted posts over its length plus the fan-out's catch-up)",
        "phases": {p.name: p.figures() | {"fanout_backlog": backlog[p.name]} for p in phases},
        "recovered_after_s": recovery_seconds(recovered, began, normal_p99),
        "accepted": len(accepted),
        "accepted_lost": len(accepted - logged),
        "logged_not_accepted": len(logged - accepted),
        "_rows": [[*p.row(), backlog[p.name]] for p in phases],
    }


def run(quick: bool = False) -> dict[str, Any]:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    port = nats_server.free_port()
    with tempfile.TemporaryDirectory() as store:
        server = nats_server.start(port, Path(store) / "nats")
        try:
            url = f"nats://127.0.0.1:{port}"
            figures = asyncio.run(measure(url, server.pid, Path(store), quick))
        finally:
            nats_server.stop(server)
    rows = figures.pop("_rows")
    print(f"\nchat overload: {SENDERS} senders, sustained {figures['sustained_per_s']:,} posts/s")
    print(
        table(
            ["phase", "offered/s", "accepted/s", "rate_limited", "timeout", "other",
             "p50 ms", "p99 ms", "max RSS MiB", "CPU chat", "nats", "senders", "fan-out backlog"],
            rows,
        )
    )  # fmt: skip
    print(
        f"accepted {figures['accepted']:,}, lost {figures['accepted_lost']}; idle RSS "
        f"{figures['idle_rss_mib']} MiB; latency back to normal "
        f"{figures['recovered_after_s']} s after the overload; load average "
        f"{figures['load_average']} at the start"
    )
    path = write_results(NAME, figures)
    print(f"results: {path}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter phases")
    run(parser.parse_args().quick)


if __name__ == "__main__":
    main()
