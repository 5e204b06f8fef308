"""A real network for agents under test: the registry, the chat service and optionally the
coordinator (with a scripted LLM), served in this process against a real nats-server.
Also starts the raw example agent as a real process.
"""

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from pathlib import Path

from ioa.processes import die_with_parent, stop
from protocol.connection import Connection
from protocol.errors import NotFound
from protocol.kinds import GetAgent
from protocol.llm import LlmSettings
from protocol.settings import NatsSettings
from protocol.subjects import REGISTRY
from registry.app import serve as serve_registry
from registry.settings import RegistrySettings
from services.chat.app import serve as serve_chat
from services.chat.settings import ChatSettings

RAW_AGENT = Path(__file__).parents[2] / "examples" / "raw_agent" / "agent.py"


@asynccontextmanager
async def network(
    nats_url: str, root: str, tmp_path: Path, *, llm_url: str | None = None
) -> AsyncIterator[NatsSettings]:
    """Registry and chat; the coordinator too when ``llm_url`` is given. Yields plain settings."""
    common = {"nats_url": nats_url, "subject_root": root, "log_format": "json"}
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(
            serve_registry(RegistrySettings(**common, database_url=f"sqlite:///{tmp_path}/r.db"))
        )
        await stack.enter_async_context(serve_chat(ChatSettings(**common)))
        if llm_url is not None:
            from services.coordinator.app import serve as serve_coordinator
            from services.coordinator.settings import CoordinatorSettings

            llm = LlmSettings(openai_base_url=llm_url, model="scripted")
            await stack.enter_async_context(
                serve_coordinator(CoordinatorSettings(**common, invite_seconds=5.0), llm)
            )
        yield NatsSettings(nats_url=nats_url, subject_root=root)


@contextmanager
def raw_agent(
    settings: NatsSettings, agent: str, log_path: Path, lease: float = 1.5
) -> Iterator[subprocess.Popen[bytes]]:
    """Run examples/raw_agent/agent.py as its own process; SIGTERM it on exit."""
    env = {
        **os.environ,
        "IOA_NATS_URL": settings.nats_url,
        "IOA_SUBJECT_ROOT": settings.subject_root,
        "RAW_AGENT_ID": agent,
        "RAW_AGENT_LEASE_SECONDS": str(lease),
    }
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(RAW_AGENT)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent(),
        )
    try:
        yield proc
    finally:
        stop(proc, 15)


async def wait_registered(settings: NatsSettings, agent: str, timeout: float = 20.0) -> None:
    """Return once the registry has ``agent``'s card."""
    async with Connection(settings, "test-probe") as conn:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                await conn.request(REGISTRY, "get_agent", GetAgent(agent=agent))
                return
            except NotFound:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.1)
