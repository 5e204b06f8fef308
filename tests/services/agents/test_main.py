"""Each agent runs as its own process, comes online at the registry, and stops on SIGTERM."""

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from protocol.connection import Connection
from protocol.errors import NotFound
from protocol.kinds import AgentInfo, GetAgent
from protocol.settings import ServiceSettings
from protocol.subjects import REGISTRY
from services.agents.assistant.persona import PERSONAS
from tests.services.agents.a2a_server import a2a_server


@pytest.mark.parametrize(
    ("module", "agent", "extra_env"),
    [
        ("services.agents.calculator", "calculator", {}),
        ("services.agents.python", "python", {}),
        ("services.agents.docs", "docs", {"IOA_DOCS_USE_LLM": "false"}),
        (
            "services.agents.mcp_bridge",
            "mcp-garden-tools",
            {
                "IOA_MCP_SERVER": f"{sys.executable} {Path(__file__).with_name('mcp_server.py')}",
                "IOA_MCP_USE_LLM": "false",
            },
        ),
        ("services.agents.assistant", "assistant", {}),
        (
            "services.agents.assistant",
            "writer",
            {"IOA_ASSISTANT_PERSONA": str(PERSONAS / "writer.json")},
        ),
    ],
)
async def test_the_agent_process_comes_online_and_exits_cleanly_on_sigterm(
    settings: ServiceSettings,
    coordinator: Connection,
    tmp_path: Path,
    module: str,
    agent: str,
    extra_env: dict[str, str],
) -> None:
    logs = await online_then_stopped(
        [sys.executable, "-m", module], settings, coordinator, tmp_path, agent, extra_env
    )

    assert any(entry.get("event") == "agent online" for entry in logs)
    assert any(entry.get("event") == "agent stopped" for entry in logs)
    assert all(entry.get("service") == agent for entry in logs if "service" in entry)


@pytest.mark.parametrize("kind", ["a2a", "mcp"])
async def test_ioa_bridge_starts_a_bridge_that_registers_the_remote_agent(
    settings: ServiceSettings, coordinator: Connection, tmp_path: Path, kind: str
) -> None:
    with contextlib.ExitStack() as stack:
        if kind == "a2a":
            url, _ = stack.enter_context(a2a_server())
            target, agent = url, "adder-by-cli"
        else:
            target = f"{sys.executable} {Path(__file__).with_name('mcp_server.py')}"
            agent = "garden-by-cli"
        command = [sys.executable, "-m", "ioa", "bridge", kind, target, "--id", agent]
        logs = await online_then_stopped(
            command, settings, coordinator, tmp_path, agent, {"IOA_MCP_USE_LLM": "false"}
        )
        info = await coordinator.request(REGISTRY, "get_agent", GetAgent(agent=agent))

    assert isinstance(info.body, AgentInfo)
    skills = [s.id for s in info.body.card.skills]
    assert skills == (["add"] if kind == "a2a" else ["add", "shout"])
    assert any(entry.get("event") == f"{kind} bridge ready" for entry in logs), logs


async def online_then_stopped(
    command: list[str],
    settings: ServiceSettings,
    coordinator: Connection,
    tmp_path: Path,
    agent: str,
    extra_env: dict[str, str],
) -> list[dict[str, object]]:
    """Run ``command`` until ``agent`` is online at the registry, SIGTERM it, check it
    exits with 0; its JSON log lines."""
    env = {
        **os.environ,
        "IOA_NATS_URL": settings.nats_url,
        "IOA_SUBJECT_ROOT": settings.subject_root,
        "IOA_LOG_FORMAT": "json",
        "IOA_TRACE_DIR": str(tmp_path / "traces"),
        **extra_env,
    }
    proc = await asyncio.create_subprocess_exec(*command, env=env, stderr=asyncio.subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                reply = await coordinator.request(REGISTRY, "get_agent", GetAgent(agent=agent))
                if isinstance(reply.body, AgentInfo) and reply.body.online:
                    break
            except NotFound:
                pass
            assert proc.returncode is None, "the agent process exited early"
            assert time.monotonic() < deadline, f"{agent} never came online"
            await asyncio.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), timeout=10)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

    assert code == 0
    assert proc.stderr is not None
    return [json.loads(line) for line in (await proc.stderr.read()).decode().splitlines() if line]
