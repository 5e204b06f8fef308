"""Durable group messages end to end: post → chat service → every member's handler.

Starts a local nats-server and the chat service as its own process
(``python -m services.chat``), then, in this process, the members: each a real
:class:`protocol.inbox.Inbox` (durable consumer, ack after handling, handled
ids recorded in the member's KV bucket) whose handler notes when it ran. The
posters are members of the group, each with its own connection and several
posts in flight; a message is done when every member but its sender handled it
(the sender gets no copy of its own post).

Measured in one run:

- raw nats-py core publish and raw JetStream publish (async, acks awaited),
  the floor under everything else;
- throughput of a 5-member group with 5 posters, and latency from post to the
  last member's handler at a steady 500 messages/s;
- the same for groups of 2, 5, 20 and 100 members (latency at a lighter
  100 messages/s, so the largest group is not simply overloaded);
- the other fan-out design for comparison: member consumers reading the group
  log directly (no copies; chat service with ``IOA_FANOUT=false``), each
  member with the same guarantees (validate, record the handled id in a KV
  bucket, then ack).

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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import structlog
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, KeyValueConfig, StreamConfig

from bench.report import table, write_results
from ioa import nats_server
from ioa.processes import die_with_parent
from protocol.connection import Connection
from protocol.envelope import Envelope, decode
from protocol.errors import IoaError, NotFound
from protocol.inbox import Inbox
from protocol.kinds import ChatMessage, CreateGroup, GetGroup
from protocol.settings import NatsSettings
from protocol.streams import group_stream

NAME = "chat_throughput"
TEXT = "The result is 470. " * 10
ROOT = "bench.ioa.v1"


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
    await sub.flush()
    began = time.perf_counter()
    for _ in range(count):
        await pub.publish("bench.raw", payload)
    await pub.flush()
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
    await server.flush()
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
            # Far above the load, but on: every guarantee and limit stays in the path.
            "IOA_POST_RATE": "1000000",
            "IOA_POST_BURST": "1000000",
            "IOA_MAX_IN_FLIGHT": "1000000",
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


# --- one scenario: a group, its members' inboxes, its posters ------------------------
Reader = Callable[[str, Tracker], Awaitable[Any]]


async def inbox_members(settings: NatsSettings, members: list[str], tracker: Tracker) -> list[Any]:
    """Each member reads its inbox with the real agent runtime's Inbox."""
    opened = []
    for member in members:
        conn = await Connection(settings, member).__aenter__()

        async def handle(env: Envelope[Any], _tracker: Tracker = tracker) -> None:
            _tracker.on_handled(env.id)

        inbox = await Inbox(conn, member, handle).__aenter__()
        opened.append((inbox, conn))
    return opened


async def log_members(
    settings: NatsSettings, members: list[str], group: str, tracker: Tracker
) -> list[Any]:
    """Design B: each member's own durable consumer on the group's log (no copies)."""
    opened = []
    for member in members:
        conn = await Connection(settings, member).__aenter__()
        stream = group_stream(conn.subjects).name
        durable = f"log-{member}"
        await conn.js.add_consumer(
            stream,
            ConsumerConfig(
                durable_name=durable,
                filter_subject=conn.subjects.group_log(group),
                deliver_policy=DeliverPolicy.ALL,
                ack_policy=AckPolicy.EXPLICIT,
            ),
        )
        psub = await conn.js.pull_subscribe_bind(durable=durable, stream=stream)
        # The same guarantee as the Inbox: handled ids recorded in a KV bucket, then ack.
        handled = await conn.js.create_key_value(
            KeyValueConfig(bucket=f"bench_handled_{member}", history=1, ttl=3600)
        )
        task = asyncio.create_task(_consume_log(psub, member, tracker, handled))
        opened.append((task, psub, conn))
    return opened


async def _consume_log(psub: Any, member: str, tracker: Tracker, handled: Any) -> None:
    pending: set[asyncio.Task[None]] = set()

    async def finish(msg: Any, message_id: str) -> None:
        await handled.put(message_id, b"")
        await msg.ack()

    while True:
        try:
            msgs = await psub.fetch(batch=64, timeout=1.0)
        except TimeoutError:
            continue
        except Exception as exc:  # say so, and go on: a dead reader would hang the run
            structlog.get_logger("bench").error("log reader fetch failed", error=repr(exc))
            await asyncio.sleep(0.1)
            continue
        for msg in msgs:
            try:
                env = decode(msg.data)
            except IoaError as exc:
                structlog.get_logger("bench").error("unreadable log message", error=str(exc))
                await msg.ack()
                continue
            if env.sender != member:
                tracker.on_handled(env.id)
            task = asyncio.create_task(finish(msg, env.id))
            pending.add(task)
            task.add_done_callback(pending.discard)


async def close_members(opened: list[Any]) -> None:
    async def close(item: Any) -> None:
        if isinstance(item[0], Inbox):
            await item[0].__aexit__(None, None, None)
        else:
            item[0].cancel()
            await item[1].unsubscribe()
        await item[-1].__aexit__(None, None, None)

    # Together: each inbox takes up to a fetch timeout (1 s) to notice it should stop.
    await asyncio.gather(*(close(item) for item in opened))


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
    design: str
    size: int
    posts: int
    msgs_per_s: float
    rate: float = 0.0
    p50_ms: float = float("nan")
    p99_ms: float = float("nan")
    complete: bool = True


async def scenario(
    url: str,
    name: str,
    size: int,
    *,
    design: str,
    throughput_posts: int,
    steady_rate: float,
    steady_seconds: float,
    posters: int = 5,
    window: int = 16,
    timeout: float = 90.0,
) -> Figures:
    settings = NatsSettings(nats_url=url, subject_root=ROOT, request_timeout=30)
    members = [f"{name}-m{i}" for i in range(size)]
    group = f"{name}-g"
    async with Connection(settings, members[0]) as owner:
        await owner.request("chat", "create_group", CreateGroup(group=group, members=members))
    poster_ids = members[: min(posters, size)]
    conns = [await Connection(settings, p).__aenter__() for p in poster_ids]
    figures = Figures(design=design, size=size, posts=throughput_posts, msgs_per_s=0.0)
    try:
        # Throughput: everything posted as fast as the posters' windows allow.
        tracker = Tracker(recipients=size - 1, expected=throughput_posts)
        opened = await (
            inbox_members(settings, members, tracker)
            if design == "copy to inboxes"
            else log_members(settings, members, group, tracker)
        )
        try:
            began = time.perf_counter()
            await post_all(conns, group, tracker, throughput_posts, window)
            try:
                await asyncio.wait_for(tracker.done.wait(), timeout)
            except TimeoutError:
                figures.complete = False
            figures.msgs_per_s = tracker.complete / (time.perf_counter() - began)
            # Latency: a steady rate well inside what the group sustains.
            steady = int(steady_rate * steady_seconds)
            tracker.handled.clear()
            tracker.last_at.clear()
            tracker.sent_at.clear()
            tracker.complete, tracker.expected = 0, steady
            tracker.done.clear()
            await post_steady(conns, group, tracker, steady_rate, steady_seconds)
            try:
                await asyncio.wait_for(tracker.done.wait(), timeout)
            except TimeoutError:
                figures.complete = False
            lat = tracker.latencies_ms()
            figures.rate = steady_rate
            figures.p50_ms = percentile(lat, 50)
            figures.p99_ms = percentile(lat, 99)
        finally:
            await close_members(opened)
    finally:
        for c in conns:
            await c.__aexit__(None, None, None)
    return figures


async def measure(url: str, store: Path, quick: bool) -> dict[str, Any]:
    payload = Envelope.of(ChatMessage(text=TEXT), sender="bench", group="g").encode()
    n_raw = 5_000 if quick else 20_000
    core = await raw_core(url, n_raw, payload)
    js_rate, js_p50 = await raw_jetstream(url, n_raw, payload)
    request_p50 = await raw_request_p50(url, payload)
    results: list[Figures] = []
    scale = 0.2 if quick else 1.0
    async with ChatProcess(url, store / "chat.log"):
        results.append(
            await scenario(
                url,
                "five",
                5,
                design="copy to inboxes",
                throughput_posts=int(5_000 * scale),
                steady_rate=500,
                steady_seconds=5 * scale,
            )
        )
        for size in (2, 20, 100):
            copies_budget = 20_000 * scale
            results.append(
                await scenario(
                    url,
                    f"size{size}",
                    size,
                    design="copy to inboxes",
                    throughput_posts=max(100, int(min(5_000 * scale, copies_budget / (size - 1)))),
                    steady_rate=100,
                    steady_seconds=3 * scale,
                )
            )
    async with ChatProcess(url, store / "chat-nofanout.log", IOA_FANOUT="false"):
        for size in (5, 20):
            results.append(
                await scenario(
                    url,
                    f"log{size}",
                    size,
                    design="members read the log",
                    throughput_posts=int(5_000 * scale),
                    steady_rate=500 if size == 5 else 100,
                    steady_seconds=5 * scale,
                )
            )
    return {
        "params": {"payload_bytes": len(payload), "raw_count": n_raw, "quick": quick},
        "raw": {
            "core_publish_msgs_per_s": core,
            "jetstream_publish_msgs_per_s": js_rate,
            "jetstream_publish_p50_ms": js_p50,
            "core_request_p50_ms": request_p50,
        },
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
            figures = asyncio.run(measure(f"nats://127.0.0.1:{port}", Path(store), quick))
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
        rows.append(
            [
                r["design"],
                r["size"],
                round(r["msgs_per_s"]),
                round(r["msgs_per_s"] * (r["size"] - 1)),
                f"{raw['core_publish_msgs_per_s'] / max(r['msgs_per_s'], 1e-9):.0f}x",
                f"{raw['jetstream_publish_msgs_per_s'] / max(r['msgs_per_s'], 1e-9):.0f}x",
                round(r["rate"]),
                r["p50_ms"],
                r["p99_ms"],
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
                "at msgs/s",
                "p50 ms",
                "p99 ms",
                "complete",
            ],
            rows,
        )
    )
    path = write_results(NAME, figures)
    print(f"results: {path}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fifth of the messages")
    run(parser.parse_args().quick)


if __name__ == "__main__":
    main()
