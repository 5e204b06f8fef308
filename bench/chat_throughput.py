"""Durable group messages end to end: post → chat service → every member's handler.

Starts a local nats-server and the chat service as its own process
(``python -m services.chat``), then, in this process, the members: each a real
:class:`protocol.inbox.Inbox` (durable consumer, decode, dedupe, ack after
handling confirmed by JetStream) whose handler notes when it ran. The posters
are members of the group, each with its own connection and several posts in
flight; a message is done when every member but its sender handled it.

Measured in one run, for both fan-out designs and groups of 2, 5, 20 and 100:

- raw nats-py core publish and raw JetStream publish (async, acks awaited),
  the floor under everything else;
- the floor of each design for 5 members (``bench.chat_floor``): the same NATS
  and JetStream work as the real path with none of its logic, and how many times
  that floor's CPU the real path costs per message;
- throughput with 5 posters (16 posts in flight each), and the CPU time each
  process spent per message meanwhile (the chat service, nats-server, and this
  process, i.e. the posters and every member): on a machine shared with others
  the CPU per message moves far less than the rates do;
- latency from post to the last member's handler at a steady 100 and 500
  messages/s (a bigger group gets fewer messages, so each size takes about as
  long; a rate above the measured throughput measures a queue);
- the designs: "copy to inboxes" (the chat service copies each message into
  every other member's inbox) and "members read the log" (the chat service with
  ``IOA_FANOUT=false``; each member's Inbox bound to its own durable consumer of
  the group's log, skipping its own posts).

Run: ``python -m bench.chat_throughput [--quick]``.
"""

import argparse
import asyncio
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import structlog
from nats.js.api import AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy, StreamConfig

from bench import chat_floor
from bench.report import cpu_seconds, table, write_results
from ioa import nats_server
from ioa.processes import die_with_parent
from protocol.connection import Connection, flush
from protocol.envelope import Envelope
from protocol.errors import IoaError, NotFound
from protocol.inbox import Inbox
from protocol.kinds import ChatMessage, CreateGroup, GetGroup
from protocol.settings import NatsSettings
from protocol.streams import group_stream

NAME = "chat_throughput"
TEXT = "The result is 470. " * 10
ROOT = "bench.ioa.v1"
COPY = "copy to inboxes"
LOG = "members read the log"
SIZES = (2, 5, 20, 100)
RATES = (100, 500)  # steady messages/s at which latency is measured


@dataclass(slots=True)
class Tracker:
    """When each message was posted and when each of its recipients handled it."""

    recipients: int
    sent_at: dict[str, float] = field(default_factory=dict)
    handled: dict[str, int] = field(default_factory=dict)
    last_at: dict[str, float] = field(default_factory=dict)
    complete: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)
    expected: int = 0

    def on_handled(self, message_id: str) -> None:
        count = self.handled.get(message_id, 0) + 1
        self.handled[message_id] = count
        if count == self.recipients:
            self.last_at[message_id] = time.perf_counter()
            self.complete += 1
            if self.complete >= self.expected:
                self.done.set()

    def latencies_ms(self) -> list[float]:
        return [(self.last_at[m] - self.sent_at[m]) * 1000 for m in self.last_at]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- the floor: raw nats-py ---------------------------------------------------------
async def raw_core(url: str, count: int, payload: bytes) -> float:
    pub, sub = await nats.connect(url), await nats.connect(url)
    got = 0
    done = asyncio.Event()

    async def on_msg(_: Any) -> None:
        nonlocal got
        got += 1
        if got == count:
            done.set()

    await sub.subscribe("bench.raw", cb=on_msg, pending_msgs_limit=count + 1)
    await flush(sub)
    began = time.perf_counter()
    for _ in range(count):
        await pub.publish("bench.raw", payload)
    await flush(pub)
    await asyncio.wait_for(done.wait(), 60)
    elapsed = time.perf_counter() - began
    await pub.drain()
    await sub.drain()
    return count / elapsed


async def raw_request_p50(url: str, payload: bytes) -> float:
    """One core request/reply round trip (ms): the floor under a post's answer."""
    client, server = await nats.connect(url), await nats.connect(url)

    async def answer(msg: Any) -> None:
        await msg.respond(b"ok")

    await server.subscribe("bench.req", cb=answer)
    await flush(server)
    samples = []
    for _ in range(500):
        t = time.perf_counter()
        await client.request("bench.req", payload, timeout=5)
        samples.append((time.perf_counter() - t) * 1000)
    await client.drain()
    await server.drain()
    return statistics.median(samples)


async def raw_jetstream(url: str, count: int, payload: bytes) -> tuple[float, float]:
    """Async publishes with every ack awaited (msgs/s), and one sync publish's p50 (ms)."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name="BENCH_RAW", subjects=["bench.js.>"]))
    began = time.perf_counter()
    futures = [
        await js.publish_async("bench.js.x", payload, headers={"Nats-Msg-Id": f"m{i}"})
        for i in range(count)
    ]
    await asyncio.gather(*futures)
    rate = count / (time.perf_counter() - began)
    samples = []
    for i in range(500):
        t = time.perf_counter()
        await js.publish("bench.js.y", payload, headers={"Nats-Msg-Id": f"s{i}"})
        samples.append((time.perf_counter() - t) * 1000)
    await nc.drain()
    return rate, statistics.median(samples)


# The chat service's limits, far above the load but on: every guarantee and limit stays
# in the path.
FAR_ABOVE_THE_LOAD = {
    "IOA_POST_RATE": "1000000",
    "IOA_POST_BURST": "1000000",
    "IOA_MAX_IN_FLIGHT": "10000",
}


# --- the chat service as a process ------------------------------------------------
class ChatProcess:
    def __init__(self, url: str, log: Path, **env: str) -> None:
        self.url = url
        self.log = log
        self.env = {
            **os.environ,
            "IOA_NATS_URL": url,
            "IOA_SUBJECT_ROOT": ROOT,
            "IOA_LOG_LEVEL": "WARNING",
            "IOA_LOG_FORMAT": "json",
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None

    async def __aenter__(self) -> "ChatProcess":
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(  # noqa: ASYNC220 (returns at once)
                [sys.executable, "-m", "services.chat"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent(),
            )
        async with Connection(NatsSettings(nats_url=self.url, subject_root=ROOT), "probe") as c:
            for _ in range(300):
                try:
                    await c.request("chat", "get_group", GetGroup(group="none"), timeout=1)
                except NotFound:
                    return self
                except IoaError:
                    await asyncio.sleep(0.1)
        raise RuntimeError(f"the chat service did not start; see {self.log}")

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


# --- one scenario: a group, its members' readers, its posters ---------------------
class LogReader(Inbox):
    """Design B's member: the agent runtime's own :class:`Inbox` (span, decode, dedupe,
    confirmed ack), bound to a durable consumer of the group's log instead of the
    member's inbox, so both designs handle a message with the same code."""

    def __init__(self, conn: Connection, owner: str, handler: Any, group: str) -> None:
        super().__init__(conn, owner, handler)
        self._group = group

    async def _consumer(self) -> ConsumerInfo:
        js, stream = self.conn.js, group_stream(self.conn.subjects).name
        durable = f"log-{self.owner}"
        return await js.add_consumer(
            stream,
            ConsumerConfig(
                durable_name=durable,
                filter_subject=self.conn.subjects.group_log(self._group),
                deliver_policy=DeliverPolicy.ALL,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=30,
                max_deliver=5,
            ),
        )


async def open_members(
    settings: NatsSettings, members: list[str], group: str, design: str, tracker: Tracker
) -> list[tuple[Inbox, Connection]]:
    """Each member reads its inbox (copies) or the group's log with the real Inbox."""
    opened = []
    for member in members:
        conn = await Connection(settings, member).__aenter__()

        async def handle(env: Envelope[Any], _member: str = member) -> None:
            if env.sender != _member:  # the log holds one's own posts too: skip them
                tracker.on_handled(env.id)

        inbox = (
            Inbox(conn, member, handle)
            if design == COPY
            else LogReader(conn, member, handle, group)
        )
        opened.append((await inbox.__aenter__(), conn))
    return opened


async def close_members(opened: list[tuple[Inbox, Connection]]) -> None:
    async def close(inbox: Inbox, conn: Connection) -> None:
        await inbox.__aexit__(None, None, None)
        await conn.__aexit__(None, None, None)

    # Together: each inbox takes up to a second (pull.WAIT_SECONDS) to notice it should stop.
    await asyncio.gather(*(close(inbox, conn) for inbox, conn in opened))


async def post_all(
    posters: list[Connection], group: str, tracker: Tracker, count: int, window: int
) -> None:
    """``count`` posts spread over ``posters``, each with ``window`` in flight."""
    shares = [count // len(posters) + (i < count % len(posters)) for i in range(len(posters))]

    async def one(conn: Connection, n: int) -> None:
        slots = asyncio.Semaphore(window)

        async def send() -> None:
            try:
                env = Envelope.of(ChatMessage(text=TEXT), sender=conn.identity, group=group)
                tracker.sent_at[env.id] = time.perf_counter()
                await conn.send("chat", "post", env, timeout=30)
            finally:
                slots.release()

        tasks = []
        for _ in range(n):
            await slots.acquire()
            tasks.append(asyncio.create_task(send()))
        await asyncio.gather(*tasks)

    await asyncio.gather(*(one(p, n) for p, n in zip(posters, shares, strict=True)))


async def post_steady(
    posters: list[Connection], group: str, tracker: Tracker, rate: float, seconds: float
) -> None:
    """Posts at a steady ``rate`` per second, taking turns among ``posters``."""
    count = int(rate * seconds)
    began = time.perf_counter()
    tasks = []
    for i in range(count):
        delay = began + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        conn = posters[i % len(posters)]
        env = Envelope.of(ChatMessage(text=TEXT), sender=conn.identity, group=group)
        tracker.sent_at[env.id] = time.perf_counter()
        tasks.append(asyncio.create_task(conn.send("chat", "post", env, timeout=30)))
    await asyncio.gather(*tasks)


@dataclass(slots=True)
class Figures:
    """One design and group size: throughput, the CPU it cost, latency at steady rates."""

    design: str
    size: int
    posts: int
    msgs_per_s: float = 0.0
    complete: bool = True
    # CPU milliseconds per message in the throughput run, by process.
    cpu_ms: dict[str, float] = field(default_factory=dict)
    # Steady rate (messages/s) -> p50 and p99 ms from post to the last member's handler.
    latency: dict[str, dict[str, float]] = field(default_factory=dict)


async def until_done(tracker: Tracker, timeout: float) -> bool:
    try:
        await asyncio.wait_for(tracker.done.wait(), timeout)
    except TimeoutError:
        return False
    return True


async def scenario(
    url: str,
    pids: dict[str, int],
    name: str,
    size: int,
    *,
    design: str,
    throughput_posts: int,
    steady: list[tuple[float, int]],
    posters: int = 5,
    window: int = 16,
    timeout: float = 120.0,
) -> Figures:
    """``steady``: (rate, messages) pairs, each posted at that rate after the throughput run."""
    settings = NatsSettings(nats_url=url, subject_root=ROOT, request_timeout=30)
    members = [f"{name}-m{i}" for i in range(size)]
    group = f"{name}-g"
    async with Connection(settings, members[0]) as owner:
        await owner.request("chat", "create_group", CreateGroup(group=group, members=members))
    conns = [await Connection(settings, p).__aenter__() for p in members[: min(posters, size)]]
    figures = Figures(design=design, size=size, posts=throughput_posts)
    tracker = Tracker(recipients=size - 1, expected=throughput_posts)
    opened = await open_members(settings, members, group, design, tracker)
    try:
        # Throughput: everything posted as fast as the posters' windows allow.
        cpu = {name: cpu_seconds(pid) for name, pid in pids.items()}
        cpu["bench"] = time.process_time()
        began = time.perf_counter()
        await post_all(conns, group, tracker, throughput_posts, window)
        figures.complete = await until_done(tracker, timeout)
        figures.msgs_per_s = tracker.complete / (time.perf_counter() - began)
        cpu_after = {name: cpu_seconds(pid) for name, pid in pids.items()}
        cpu_after["bench"] = time.process_time()
        done = max(tracker.complete, 1)
        figures.cpu_ms = {k: (cpu_after[k] - cpu[k]) * 1000 / done for k in cpu}
        # Latency at steady rates, each run on its own.
        for rate, count in steady:
            tracker.handled.clear()
            tracker.last_at.clear()
            tracker.sent_at.clear()
            tracker.complete, tracker.expected = 0, count
            tracker.done.clear()
            await post_steady(conns, group, tracker, rate, count / rate)
            figures.complete &= await until_done(tracker, timeout)
            lat = tracker.latencies_ms()
            figures.latency[f"{rate:g}"] = {
                "p50_ms": percentile(lat, 50),
                "p99_ms": percentile(lat, 99),
                "messages": count,
            }
    finally:
        await close_members(opened)
        for c in conns:
            await c.__aexit__(None, None, None)
    return figures


async def measure(url: str, nats_pid: int, store: Path, quick: bool) -> dict[str, Any]:
    payload = Envelope.of(ChatMessage(text=TEXT), sender="bench", group="g").encode()
    n_raw = 5_000 if quick else 20_000
    core = await raw_core(url, n_raw, payload)
    js_rate, js_p50 = await raw_jetstream(url, n_raw, payload)
    request_p50 = await raw_request_p50(url, payload)
    results: list[Figures] = []
    scale = 0.2 if quick else 1.0
    floors = await chat_floor.measure(url, nats_pid, int(5_000 * scale))
    # Member handlings one run may take (all members are in this process); a bigger
    # group gets fewer messages, so each size takes about as long.
    handlings = 20_000 * scale
    for design, env in ((COPY, {}), (LOG, {"IOA_FANOUT": "false"})):
        log = store / f"chat-{len(results)}.log"
        async with ChatProcess(url, log, **FAR_ABOVE_THE_LOAD, **env) as chat:
            assert chat.proc is not None
            pids = {"chat": chat.proc.pid, "nats": nats_pid}
            for size in SIZES:
                posts = max(100, int(min(5_000 * scale, handlings / (size - 1))))
                steady = [
                    (rate, max(50, int(min(rate * 5 * scale, handlings / (size - 1)))))
                    for rate in RATES
                ]
                tag = "copy" if design == COPY else "log"
                results.append(
                    await scenario(
                        url,
                        pids,
                        f"{tag}{size}",
                        size,
                        design=design,
                        throughput_posts=posts,
                        steady=steady,
                    )
                )
                print(f"  {design}, {size} members: {results[-1].msgs_per_s:,.0f} msgs/s")
    return {
        "params": {"payload_bytes": len(payload), "raw_count": n_raw, "quick": quick},
        "raw": {
            "core_publish_msgs_per_s": core,
            "jetstream_publish_msgs_per_s": js_rate,
            "jetstream_publish_p50_ms": js_p50,
            "core_request_p50_ms": request_p50,
        },
        "floor": floors,
        "load_average_1m": os.getloadavg()[0],
        "results": [
            {k: getattr(f, k) for k in Figures.__slots__}  # type: ignore[attr-defined]
            for f in results
        ],
    }


def run(quick: bool = False) -> dict[str, Any]:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    port = nats_server.free_port()
    with tempfile.TemporaryDirectory() as store:
        server = nats_server.start(port, Path(store) / "nats")
        try:
            figures = asyncio.run(
                measure(f"nats://127.0.0.1:{port}", server.pid, Path(store), quick)
            )
        finally:
            nats_server.stop(server)
    raw = figures["raw"]
    print(f"\nchat throughput: durable group messages, {figures['params']['payload_bytes']} bytes")
    print(
        f"raw nats-py core publish {raw['core_publish_msgs_per_s']:,.0f} msgs/s; "
        f"raw JetStream publish {raw['jetstream_publish_msgs_per_s']:,.0f} msgs/s "
        f"(one sync publish p50 {raw['jetstream_publish_p50_ms']:.2f} ms; one core "
        f"request/reply p50 {raw['core_request_p50_ms']:.2f} ms); "
        f"load average {figures['load_average_1m']:.1f} on {os.cpu_count()} cores"
    )
    rows = []
    for r in figures["results"]:
        cpu = r["cpu_ms"]
        lat = [
            f"{r['latency'][f'{rate:g}']['p50_ms']:.1f} / {r['latency'][f'{rate:g}']['p99_ms']:.1f}"
            for rate in RATES
        ]
        rows.append(
            [
                r["design"],
                r["size"],
                round(r["msgs_per_s"]),
                round(r["msgs_per_s"] * (r["size"] - 1)),
                f"{raw['core_publish_msgs_per_s'] / max(r['msgs_per_s'], 1e-9):.0f}x",
                f"{raw['jetstream_publish_msgs_per_s'] / max(r['msgs_per_s'], 1e-9):.0f}x",
                f"{cpu['chat']:.2f} / {cpu['nats']:.2f} / {cpu['bench']:.2f}",
                *lat,
                "yes" if r["complete"] else "NO",
            ]
        )
    print(
        table(
            [
                "design",
                "members",
                "msgs/s",
                "handled/s",
                "core/this",
                "js/this",
                "cpu ms/msg chat / nats / members",
                *(f"p50 / p99 ms at {rate}/s" for rate in RATES),
                "complete",
            ],
            rows,
        )
    )
    print(table(chat_floor.HEADERS, chat_floor.rows(figures["floor"])))
    print(above_the_floor(figures))
    path = write_results(NAME, figures)
    print(f"results: {path}")
    return figures


def above_the_floor(figures: dict[str, Any]) -> str:
    """How many times its floor's CPU a 5-member message costs on the real path."""
    floor = {f["design"]: sum(f["cpu_ms"].values()) for f in figures["floor"]}
    parts = []
    for r in figures["results"]:
        if r["size"] == 5:
            cpu = sum(r["cpu_ms"].values())
            ratio = cpu / floor["copy" if r["design"] == COPY else "log"]
            parts.append(f"{r['design']} {cpu:.2f} ms, {ratio:.1f}x its floor")
    return "CPU per 5-member message on the real path: " + "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fifth of the messages")
    run(parser.parse_args().quick)


if __name__ == "__main__":
    main()
