"""``ioa serve`` runs a service as a real process and ``ioa health`` probes it the
way a container health check or a Kubernetes exec probe does."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ioa.processes import die_with_parent
from ioa.serve import running_part
from protocol.settings import ServiceSettings
from services.agents.calculator.agent import Calculator
from services.agents.calculator.card import calculator_card
from services.agents.calculator.settings import CalculatorSettings
from services.chat.app import serve as serve_chat
from services.chat.settings import ChatSettings

IOA = [sys.executable, "-m", "ioa"]


def env_for(settings: ServiceSettings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "IOA_NATS_URL": settings.nats_url,
        "IOA_SUBJECT_ROOT": settings.subject_root,
        "IOA_LOG_FORMAT": "json",
        **extra,
    }


def health(env: dict[str, str], *args: str) -> int:
    return subprocess.run(
        [*IOA, "health", *args], env=env, capture_output=True, timeout=30
    ).returncode


@pytest.fixture
def served_registry(settings: ServiceSettings, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = env_for(settings, IOA_DATABASE_URL=f"sqlite:///{tmp_path}/registry.db")
    with (tmp_path / "registry.log").open("wb") as log:
        proc = subprocess.Popen(
            [*IOA, "serve", "registry"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent(),
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def wait_healthy(env: dict[str, str], part: str, tries: int = 60) -> None:
    for _ in range(tries):
        if health(env, part) == 0:
            return
    raise AssertionError(f"{part} never became healthy")


@pytest.mark.timeout(90)
def test_a_served_registry_is_healthy_and_stops_cleanly_on_sigterm(
    settings: ServiceSettings, served_registry: subprocess.Popen[bytes]
) -> None:
    env = env_for(settings)
    wait_healthy(env, "registry")
    # serve replaced itself with the service: the signal reaches the service directly.
    with open(f"/proc/{served_registry.pid}/cmdline", "rb") as f:
        assert f.read().split(b"\0")[1:3] == [b"-m", b"registry"]
    served_registry.send_signal(signal.SIGTERM)
    assert served_registry.wait(20) == 0
    assert health(env, "registry") == 1  # NATS is up, nobody answers


def test_a_service_nobody_runs_is_unhealthy_and_unreachable_nats_is_told_apart(
    settings: ServiceSettings,
) -> None:
    assert health(env_for(settings), "coordinator") == 1
    nowhere = env_for(settings, IOA_NATS_URL="nats://127.0.0.1:1,nats://127.0.0.1:2")
    assert health(nowhere, "coordinator") == 2
    # A liveness probe does not restart a process because NATS is away.
    assert health(nowhere, "coordinator", "--live") == 0
    assert health(env_for(settings, IOA_GATEWAY_PORT="1"), "gateway") == 2


@pytest.mark.timeout(90)
async def test_an_agent_is_healthy_once_the_registry_lists_it_online(
    settings: ServiceSettings, served_registry: subprocess.Popen[bytes]
) -> None:
    import asyncio

    env = env_for(settings)

    async def probe(*args: str) -> int:
        proc = await asyncio.create_subprocess_exec(
            *IOA, "health", *args, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        return await proc.wait()

    for _ in range(60):
        if await probe("registry") == 0:
            break
    assert await probe("calculator") == 1  # not registered yet
    common = {"nats_url": settings.nats_url, "subject_root": settings.subject_root}
    async with (
        serve_chat(ChatSettings(**common)),  # the agent's inbox stream
        Calculator(calculator_card(), CalculatorSettings(**common)),
    ):
        assert await probe("calculator") == 0
        assert await probe("writer") == 1


def test_without_a_name_the_probe_reads_what_the_container_runs(tmp_path: Path) -> None:
    def pid1(argv: list[str], env: dict[str, str]) -> Path:
        proc = tmp_path / "-".join(argv).replace("/", "_")
        proc.mkdir()
        (proc / "cmdline").write_bytes("\0".join(argv).encode() + b"\0")
        (proc / "environ").write_bytes(
            b"\0".join(f"{k}={v}".encode() for k, v in env.items()) + b"\0"
        )
        return proc

    python = "/opt/venv/bin/python"
    assert running_part({}, pid1([python, "-m", "services.chat"], {})) == "chat"
    assert running_part({}, pid1([python, "-m", "gateway"], {})) == "gateway"
    assert running_part({}, pid1([python, "-m", "services.agents.calculator"], {})) == "calculator"
    writer = pid1(
        [python, "-m", "services.agents.assistant"],
        {"IOA_ASSISTANT_PERSONA": "/x/personas/writer.json"},
    )
    assert running_part({}, writer) == "writer"
    assert running_part({"IOA_PART": "coordinator"}, writer) == "coordinator"
    assert running_part({}, pid1([python, "-m", "llama_cpp.server", "--model", "m"], {})) == "llm"
    assert running_part({}, tmp_path / "missing") is None
