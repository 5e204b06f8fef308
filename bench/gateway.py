"""The gateway as a user meets it: requests/s of the main read endpoints, and how many
concurrent SSE watchers one gateway process serves.

The gateway runs as its own process (``python -m gateway``, one uvicorn worker); the
registry, chat service, coordinator and the calculator share this process with the
load generator (httpx), all on 127.0.0.1, so on a 2-core machine the client competes
with the services: the figures are lower bounds for the gateway alone.

Watchers: K clients follow ``GET /v1/events`` (the user-wide feed); then one
conversation starts, and we measure how many of the K saw its first state change
and how fast. K grows until not every watcher hears it within 5 s (or 2,000). A watcher
counts as opened only when the gateway answered 200 (any other answer is refused, by
status), and as having heard only a state of the conversation started in its round:
each round waits for its conversation to end, and a watcher ignores the states of
others. (Before, an earlier round's conversation that was still ending spoke into the
next round's first watchers before its conversation started; those watchers failed on
the missing start time and were counted as never having heard: the 29 of 250.)
"""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx

from bench.report import table, write_results
from gateway.keys import create_key, open_engine
from ioa import nats_server
from protocol.kinds import TERMINAL_STATES
from protocol.settings import TelemetrySettings
from protocol.telemetry import setup_logging
from registry.app import serve as serve_registry
from registry.settings import RegistrySettings
from services.agents.calculator.agent import Calculator
from services.agents.calculator.card import calculator_card
from services.agents.calculator.settings import CalculatorSettings
from services.chat.app import serve as serve_chat
from services.chat.settings import ChatSettings
from services.coordinator.app import serve as serve_coordinator
from services.coordinator.settings import CoordinatorSettings

SECONDS_PER_ENDPOINT = 5.0
CONCURRENCY = 16
WATCHERS = (100, 250, 500, 1000, 2000)
HEARD_WITHIN = 5.0


async def rate(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    """Requests/s of GET ``path`` from CONCURRENCY workers for SECONDS_PER_ENDPOINT."""
    latencies: list[float] = []
    errors = 0
    until = time.perf_counter() + SECONDS_PER_ENDPOINT

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < until:
            began = time.perf_counter()
            response = await client.get(path)
            latencies.append(time.perf_counter() - began)
            errors += response.status_code != 200

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    took = time.perf_counter() - began
    latencies.sort()
    return {
        "requests_per_s": round(len(latencies) / took, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
        "errors": errors,
    }


async def watchers(url: str, key: str, count: int) -> dict[str, Any]:
    """Open ``count`` user-feed watchers, start a conversation, time who hears its first
    state. A watcher also hears the user's other conversations (an earlier one, still
    ending, may speak before the new one starts): only the new conversation counts."""
    limits = httpx.Limits(max_connections=count + 10, max_keepalive_connections=0)
    heard: list[float] = []
    opened = 0
    refused: Counter[int] = Counter()
    all_open = asyncio.Event()
    started = asyncio.get_running_loop().create_future()  # (start time, conversation id)
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {key}"}, limits=limits, timeout=60
    ) as client:

        async def watch() -> None:
            nonlocal opened
            async with client.stream("GET", "/v1/events") as response:
                if response.status_code == 200:
                    opened += 1
                else:
                    refused[response.status_code] += 1
                if opened + refused.total() == count:
                    all_open.set()
                if response.status_code != 200:
                    return
                async for line in response.aiter_lines():
                    if not line.startswith("data: "):
                        continue
                    arrived = time.perf_counter()
                    began, conversation = await started
                    if json.loads(line[6:])["conversation"] == conversation:
                        heard.append(arrived - began)
                        return

        tasks = [asyncio.create_task(watch()) for _ in range(count)]
        conversation = None
        try:
            await asyncio.wait_for(all_open.wait(), 60)
            await asyncio.sleep(0.5)
            began = time.perf_counter()
            created = await client.post(
                "/v1/conversations", json={"goal": "Compute 2+2", "max_team": 1}
            )
            conversation = created.json()["id"]
            started.set_result((began, conversation))
            await asyncio.wait(tasks, timeout=HEARD_WITHIN)
        except TimeoutError:
            pass
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if conversation is not None:
            await until_over(client, conversation)  # so it says nothing into the next round
    heard.sort()
    return {
        "watchers": count,
        "opened": opened,
        "refused": {str(status): n for status, n in sorted(refused.items())},
        "heard": len(heard),
        "p50_ms": round(heard[len(heard) // 2] * 1000, 1) if heard else None,
        "max_ms": round(heard[-1] * 1000, 1) if heard else None,
    }


async def until_over(client: httpx.AsyncClient, conversation: str) -> None:
    for _ in range(300):
        state = (await client.get(f"/v1/conversations/{conversation}")).json()["state"]
        if state in TERMINAL_STATES:
            return
        await asyncio.sleep(0.1)


async def measure(nats_url: str, tmp: Path) -> dict[str, Any]:
    common: dict[str, Any] = {
        "nats_url": nats_url,
        "subject_root": "bench.ioa.v1",
        "log_level": "WARNING",
    }
    db = f"sqlite:///{tmp}/gateway.db"
    engine = open_engine(db)
    key = create_key(engine, "bench")[1]
    engine.dispose()
    port = nats_server.free_port()
    url = f"http://127.0.0.1:{port}"
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(
            serve_registry(RegistrySettings(**common, database_url=f"sqlite:///{tmp}/r.db"))
        )
        await stack.enter_async_context(serve_chat(ChatSettings(**common)))
        await stack.enter_async_context(
            serve_coordinator(CoordinatorSettings(**common, use_llm=False), None)
        )
        await stack.enter_async_context(Calculator(calculator_card(), CalculatorSettings(**common)))
        env = {
            **os.environ,
            "IOA_NATS_URL": nats_url,
            "IOA_SUBJECT_ROOT": common["subject_root"],
            "IOA_LOG_LEVEL": "WARNING",
            "IOA_LOG_FORMAT": "json",
            "IOA_GATEWAY_PORT": str(port),
            "IOA_GATEWAY_DATABASE_URL": db,
            "IOA_GATEWAY_RATE_PER_SECOND": "1000000",
            "IOA_GATEWAY_RATE_BURST": "1000000",
            "IOA_SSE_KEEPALIVE_SECONDS": "30",
        }
        gateway = subprocess.Popen(  # noqa: ASYNC220 (started once, before any load)
            [sys.executable, "-m", "gateway"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        stack.callback(lambda: (gateway.terminate(), gateway.wait(10)))
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
            for _ in range(200):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
            created = await client.post(
                "/v1/conversations", json={"goal": "Compute 12*(3+4)", "max_team": 1}
            )
            conversation = created.json()["id"]
            await until_over(client, conversation)
            reads = {}
            for path in (
                "/healthz",
                f"/v1/conversations/{conversation}",
                "/v1/conversations?limit=20",
                f"/v1/conversations/{conversation}/messages",
                "/v1/agents",
            ):
                reads[path.replace(conversation, "{id}")] = await rate(client, path)
        served = []
        for count in WATCHERS:
            result = await watchers(url, key, count)
            served.append(result)
            if result["heard"] < count:
                break
    return {"reads": reads, "watchers": served, "concurrency": CONCURRENCY}


async def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        port = nats_server.free_port()
        proc = nats_server.start(port, Path(tmp) / "nats")
        try:
            return await measure(f"nats://127.0.0.1:{port}", Path(tmp))
        finally:
            nats_server.stop(proc)


def run() -> None:
    setup_logging("bench", TelemetrySettings(log_level="WARNING"))
    results = asyncio.run(main())
    print(f"\nGateway: read endpoints (GET, {results['concurrency']} concurrent clients)")
    print(
        table(
            ["endpoint", "requests/s", "p50 ms", "p99 ms", "errors"],
            [
                [path, r["requests_per_s"], r["p50_ms"], r["p99_ms"], r["errors"]]
                for path, r in results["reads"].items()
            ],
        )
    )
    print(f"\nGateway: concurrent SSE watchers of /v1/events (heard within {HEARD_WITHIN:g} s)")
    print(
        table(
            ["watchers", "opened", "refused", "heard", "p50 ms", "max ms"],
            [
                [
                    w["watchers"],
                    w["opened"],
                    ", ".join(f"{n}: HTTP {status}" for status, n in w["refused"].items()) or 0,
                    w["heard"],
                    w["p50_ms"],
                    w["max_ms"],
                ]
                for w in results["watchers"]
            ],
        )
    )
    full = [w["watchers"] for w in results["watchers"] if w["heard"] == w["watchers"]]
    results["max_watchers_all_heard"] = max(full, default=0)
    print(f"\nOne gateway process served {results['max_watchers_all_heard']} watchers, all heard.")
    print(f"results: {write_results('gateway', results)}")


if __name__ == "__main__":
    run()
