"""``ioa demo``: give the network a goal and watch the team's group chat as it happens.

Uses the ``ioa up`` that ``<data>/run.json`` names when its gateway is healthy;
otherwise starts one as a child process for the length of the demo.
"""

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx

from ioa import processes, runfile, sse
from ioa.chatlog import ChatPrinter, normalize
from ioa.processes import die_with_parent
from ioa.up import port_is_free

DEFAULT_GOAL = (
    "What is 17.5% of 2,480 plus 36? Work it out, then write a short friendly note "
    "to a customer explaining the result."
)
STARTUP_TIMEOUT = 300.0


class DemoError(Exception):
    """The demo cannot go on; the message says why and what to do."""


def gateway_healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


class LogFollower:
    """Prints the lines a log file gains, indented (the child's progress)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def pump(self) -> None:
        try:
            with self.path.open("rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except FileNotFoundError:
            return
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        for line in complete.decode("utf-8", errors="replace").splitlines():
            print(f"  | {line}")


def start_up(data_dir: Path) -> tuple[subprocess.Popen[bytes], runfile.RunInfo]:
    """Start ``ioa up`` in the background; return it and its run info once healthy."""
    log_path = data_dir / "logs" / "up.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    follower = LogFollower(log_path)
    argv = [sys.executable, "-m", "ioa", "up", "--data-dir", str(data_dir)]
    if not port_is_free(8000):
        argv += ["--gateway-port", "0"]
    if not port_is_free(4222):
        argv += ["--nats-port", "0"]
    print(f"Starting 'ioa up' in the background (its output: {log_path}) …")
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # If the demo is killed, ioa up gets SIGTERM and stops its own children.
            preexec_fn=die_with_parent(signal.SIGTERM),
        )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        follower.pump()
        if proc.poll() is not None:
            follower.pump()
            raise DemoError(
                f"'ioa up' exited with code {proc.returncode} before it was ready; "
                f"its output is above and in {log_path}."
            )
        info = runfile.read(data_dir)
        if info and info.pid == proc.pid and gateway_healthy(info.gateway_url):
            follower.pump()
            return proc, info
        time.sleep(0.5)
    stop_up(proc)
    raise DemoError(f"'ioa up' was not ready within {STARTUP_TIMEOUT:g}s; see {log_path}.")


def stop_up(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    print("Stopping the background 'ioa up' …")
    processes.stop(proc, 15)


async def follow(client: httpx.AsyncClient, conversation: str, printer: ChatPrinter) -> None:
    """Print the conversation as it happens until it reaches a terminal state."""
    url = f"/v1/conversations/{conversation}/events"
    try:
        async with client.stream(
            "GET",
            url,
            headers={"Accept": "text/event-stream"},
            timeout=httpx.Timeout(10.0, read=None),
        ) as response:
            response.raise_for_status()
            async for _, data in sse.events(response):
                try:
                    payload = json.loads(data)
                except ValueError:
                    continue
                for env in normalize(payload):
                    printer.show(env)
                if printer.finished:
                    return
    except httpx.HTTPError as exc:
        print(f"  (the event stream is not available: {exc}; polling instead)")
    await poll(client, conversation, printer)


async def poll(client: httpx.AsyncClient, conversation: str, printer: ChatPrinter) -> None:
    """The fallback when no event stream is available: ask every second."""
    while True:
        messages = await client.get(f"/v1/conversations/{conversation}/messages")
        if messages.status_code == 200:
            for env in normalize(messages.json()):
                printer.show(env)
        state = await client.get(f"/v1/conversations/{conversation}")
        state.raise_for_status()
        for env in normalize(state.json()):
            printer.show(env)
        if printer.finished:
            return
        await asyncio.sleep(1.0)


async def converse(gateway: str, goal: str, timeout: float, api_key: str = "") -> int:
    """Post the goal as the run's user (the key from run.json) and print the chat."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    async with httpx.AsyncClient(base_url=gateway, timeout=30.0, headers=headers) as client:
        response = await client.post("/v1/conversations", json={"goal": goal})
        if response.status_code >= 300:
            raise DemoError(
                f"the gateway refused the goal ({response.status_code}): {response.text[:500]}"
            )
        started: dict[str, Any] = response.json()
        conversation = started.get("conversation") or started.get("id")
        if not conversation:
            raise DemoError(f"the gateway's answer names no conversation: {started}")
        print(f"\nGoal: {goal}\nConversation {conversation}\n")
        printer = ChatPrinter()
        try:
            await asyncio.wait_for(follow(client, conversation, printer), timeout)
        except TimeoutError:
            print(
                f"\nNo conclusion after {timeout:g}s; giving up watching. The conversation "
                f"may go on: GET {gateway}/v1/conversations/{conversation}"
            )
        final = (await client.get(f"/v1/conversations/{conversation}")).json()
    state = final.get("state")
    if final.get("conclusion"):
        print("\nConclusion:\n" + textwrap.indent(final["conclusion"], "  "))
    if state != "concluded":
        print(f"\nThe conversation ended as {state!r}: {final.get('reason') or 'no reason given'}")
    print(f"trace id: {final.get('trace_id') or started.get('trace_id') or 'unknown'}")
    return 0 if state == "concluded" else 1


def demo(goal: str | None, data_dir: Path, timeout: float) -> int:
    data_dir = data_dir.resolve()
    proc: subprocess.Popen[bytes] | None = None
    try:
        info = runfile.read(data_dir)
        if info and gateway_healthy(info.gateway_url):
            print(f"Using the running 'ioa up' (gateway {info.gateway_url}).")
        else:
            proc, info = start_up(data_dir)
        key = os.environ.get("IOA_API_KEY") or info.api_key
        return asyncio.run(converse(info.gateway_url, goal or DEFAULT_GOAL, timeout, key))
    except DemoError as exc:
        print(f"\n✗ {exc}")
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted.")
        return 130
    finally:
        if proc is not None:
            with contextlib.suppress(KeyboardInterrupt):
                stop_up(proc)
