"""The registry under load, over NATS, with 10,000 cards (lexical search, SQLite).

Starts nats-server and ``python -m registry`` as separate processes (the registry's
CPU time is read from /proc), then measures from this process:

1. registration: 10,000 agents register (64 requests in flight) → cards/s;
2. search: 500 searches one after another → p50 / p99 latency;
3. heartbeats: every agent heartbeats twice (256 in flight) → heartbeats/s;
4. steady state: 1,000 agents heartbeating every 5 s for 15 s → the registry's
   CPU use (share of one core).

Run: ``python -m bench.registry_load [--cards N]``.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nats

from bench.report import cpu_seconds, table, write_results
from ioa import nats_server
from protocol.connection import Connection
from protocol.envelope import Envelope, decode
from protocol.kinds import AgentCard, ErrorBody, Heartbeat, Register, Search, Skill
from protocol.settings import NatsSettings
from protocol.subjects import REGISTRY, Subjects

NAME = "registry_load"
DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
QUERIES = [
    "translate a letter into Spanish",
    "book a flight to Rome",
    "fix my leaking kitchen tap",
    "solve this equation",
    "weather forecast for tomorrow",
    "write a poem about the sea",
    "review my python code for bugs",
    "plan a wedding in June",
]


def cards(count: int) -> list[AgentCard]:
    """``count`` cards: the evaluation set's cards, varied by a number."""
    base = json.loads((DATA / "agents.json").read_text())
    out = []
    for n in range(count):
        spec = base[n % len(base)]
        skill = spec["skills"][0]
        out.append(
            AgentCard(
                id=f"{spec['id']}-{n}",
                name=f"{spec['name']} {n}",
                description=spec["description"],
                skills=[Skill(**{**skill, "id": f"{skill['id']}_{n % 7}"})],
            )
        )
    return out


async def fire(nc: Any, requests: list[tuple[str, bytes]], in_flight: int) -> tuple[float, int]:
    """Send every (subject, payload) request, ``in_flight`` at a time; (seconds, errors)."""
    errors = 0
    queue = iter(requests)

    async def worker() -> None:
        nonlocal errors
        for subject, payload in queue:
            reply = await nc.request(subject, payload, timeout=30)
            if isinstance(decode(reply.data).body, ErrorBody):
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return time.perf_counter() - started, errors


async def measure(count: int, workdir: Path) -> dict[str, Any]:
    port = nats_server.free_port()
    server = nats_server.start(port, workdir / "nats")
    url = f"nats://127.0.0.1:{port}"
    env = {
        **os.environ,
        "IOA_NATS_URL": url,
        "IOA_DATABASE_URL": f"sqlite:///{workdir}/registry.db",
        "IOA_LOG_LEVEL": "WARNING",
        "IOA_LOG_FORMAT": "json",
        # Ten thousand agents register at once: room for the requests in flight.
        "IOA_HEARTBEAT_BURST": "10",
    }
    # A plain Popen: the benchmark reads its CPU time from /proc and stops it in
    # `finally`, outside the event loop's child watcher.
    registry = subprocess.Popen(  # noqa: ASYNC220
        [sys.executable, "-m", "registry"], env=env, stderr=subprocess.DEVNULL
    )
    results: dict[str, Any] = {"cards": count}
    subjects = Subjects()
    try:
        async with Connection(NatsSettings(nats_url=url), "bench") as conn:
            for _ in range(200):
                try:
                    await conn.request(REGISTRY, "search", Search(), timeout=1)
                    break
                except Exception:
                    await asyncio.sleep(0.1)
            nc = await nats.connect(url)
            every = cards(count)
            registrations = [
                (
                    subjects.request(c.id, REGISTRY, "register"),
                    Envelope.of(Register(card=c, lease_seconds=600), sender=c.id).encode(),
                )
                for c in every
            ]
            seconds, errors = await fire(nc, registrations, 64)
            results["register_per_second"] = round(count / seconds)
            results["register_errors"] = errors

            latencies = []
            for n in range(500):
                started = time.perf_counter()
                await conn.request(REGISTRY, "search", Search(query=QUERIES[n % len(QUERIES)]))
                latencies.append((time.perf_counter() - started) * 1000)
            latencies.sort()
            results["search_p50_ms"] = round(latencies[len(latencies) // 2], 2)
            results["search_p99_ms"] = round(latencies[int(len(latencies) * 0.99)], 2)

            beats = [
                (
                    subjects.request(c.id, REGISTRY, "heartbeat"),
                    Envelope.of(Heartbeat(), sender=c.id).encode(),
                )
                for _ in range(2)
                for c in every
            ]
            cpu_before = cpu_seconds(registry.pid)
            seconds, errors = await fire(nc, beats, 256)
            results["heartbeat_per_second"] = round(len(beats) / seconds)
            results["heartbeat_errors"] = errors
            results["heartbeat_cpu_ms_per_1000"] = round(
                (cpu_seconds(registry.pid) - cpu_before) / len(beats) * 1e6, 1
            )

            # Steady state: 1,000 agents, each heartbeating every 5 s, spread evenly.
            steady = beats[:1000]
            cpu_before, wall_before = cpu_seconds(registry.pid), time.perf_counter()
            for tick in range(15 * 10):
                chunk = steady[(tick % 50) * 20 : (tick % 50) * 20 + 20]
                await asyncio.gather(*(nc.request(s, p, timeout=30) for s, p in chunk))
                await asyncio.sleep(max(0.0, wall_before + (tick + 1) * 0.1 - time.perf_counter()))
            wall = time.perf_counter() - wall_before
            results["steady_1000_agents_cpu_percent"] = round(
                (cpu_seconds(registry.pid) - cpu_before) / wall * 100, 2
            )
            await nc.close()
    finally:
        registry.terminate()
        registry.wait(timeout=20)
        nats_server.stop(server)
    return results


def run(count: int = 10_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ioa-bench-registry-") as folder:
        results = asyncio.run(measure(count, Path(folder)))
    rows = [
        ["registrations / s", results["register_per_second"], ">= 1,000"],
        ["search p50 (ms, lexical)", results["search_p50_ms"], "<= 5"],
        ["search p99 (ms, lexical)", results["search_p99_ms"], "<= 20"],
        ["heartbeats / s", results["heartbeat_per_second"], ">= 5,000"],
        ["registry CPU per 1,000 heartbeats (ms)", results["heartbeat_cpu_ms_per_1000"], ""],
        [
            "1,000 agents every 5 s: registry CPU (% of a core)",
            results["steady_1000_agents_cpu_percent"],
            "little",
        ],
    ]
    print(
        f"registry over NATS with {results['cards']:,} cards (SQLite); errors: "
        f"register {results['register_errors']}, heartbeat {results['heartbeat_errors']}"
    )
    print(table(["measure", "value", "target"], rows))
    path = write_results(NAME, results)
    print(f"results: {path}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    run(parser.parse_args().cards)


if __name__ == "__main__":
    main()
