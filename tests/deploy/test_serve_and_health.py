"""``ioa serve`` runs a service as a real process and ``ioa health`` probes it the
way a container health check or a Kubernetes exec probe does."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ioa import nats_server
from ioa.auth_init import init
from ioa.processes import die_with_parent
from ioa.serve import running_part
from protocol.settings import ServiceSettings
from registry.app import serve as serve_registry
from registry.settings import RegistrySettings
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


async def probe(env: dict[str, str], *args: str) -> int:
    """``ioa health`` without blocking the event loop that serves what it probes."""
    import asyncio

    proc = await asyncio.create_subprocess_exec(
        *IOA, "health", *args, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    return await proc.wait()


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
    env = env_for(settings)
    for _ in range(60):
        if await probe(env, "registry") == 0:
            break
    assert await probe(env, "calculator") == 1  # not registered yet
    common = {"nats_url": settings.nats_url, "subject_root": settings.subject_root}
    async with (
        serve_chat(ChatSettings(**common)),  # the agent's inbox stream
        Calculator(calculator_card(), CalculatorSettings(**common)),
    ):
        assert await probe(env, "calculator") == 0
        assert await probe(env, "writer") == 1


@pytest.mark.timeout(90)
async def test_each_container_probes_a_secured_network_with_its_own_credentials(
    tmp_path: Path,
) -> None:
    """As Kubernetes runs it: the server trusts ``ioa auth init``'s operator, and each
    probe connects with the one .creds file its pod mounts (IOA_NATS_CREDS)."""
    out = tmp_path / "auth"
    init(out, "ioa.v1", ["calculator"], str(tmp_path / "jwt"))
    config = tmp_path / "nats.conf"
    config.write_text('include "auth/nats-auth.conf"\n')
    port = nats_server.free_port()
    server = nats_server.start(port, tmp_path / "store", config=config)
    url = f"nats://127.0.0.1:{port}"
    account = (out / "admission.env").read_text().strip().split("=", 1)[1]

    def creds(name: str) -> Path:
        return out / "creds" / f"{name}.creds"

    def env(name: str) -> dict[str, str]:
        return {**os.environ, "IOA_NATS_URL": url, "IOA_NATS_CREDS": str(creds(name))}

    try:
        async with (
            serve_registry(
                RegistrySettings(
                    nats_url=url,
                    nats_creds=creds("registry"),
                    database_url=f"sqlite:///{tmp_path}/r.db",
                    admission_account=account,
                    admission_signing_key=out / "signing.nk",
                )
            ),
            serve_chat(ChatSettings(nats_url=url, nats_creds=creds("chat"))),
            Calculator(
                calculator_card(), CalculatorSettings(nats_url=url, nats_creds=creds("calculator"))
            ),
        ):
            assert [await probe(env(part), part) for part in ("registry", "chat")] == [0, 0]
            assert await probe(env("calculator"), "calculator") == 0
            assert await probe(env("chat"), "coordinator") == 1  # nobody serves it
    finally:
        nats_server.stop(server)


@pytest.mark.timeout(60)
async def test_a_readiness_probe_asks_its_own_instance_not_any_replica(
    settings: ServiceSettings, tmp_path: Path
) -> None:
    serving, starting = tmp_path / "serving.id", tmp_path / "starting.id"
    chat = ChatSettings(**(settings.model_dump() | {"instance_file": serving}))
    async with serve_chat(chat):
        assert await probe(env_for(settings), "chat") == 0  # some replica serves
        assert await probe(env_for(settings, IOA_INSTANCE_FILE=str(serving)), "chat") == 0
        # A replica still starting (no instance file yet) is not ready, though another is.
        assert await probe(env_for(settings, IOA_INSTANCE_FILE=str(starting)), "chat") == 1
    assert not serving.exists()  # a stopped service is not ready either


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
