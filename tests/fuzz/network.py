"""The network the fuzz run attacks: every service real, in this process, on the session's
real nats-server (registry on SQLite, chat, coordinator on rules alone, the calculator
agent, the gateway behind uvicorn), so the test can read each one's counters."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from gateway.app import create_app
from gateway.keys import create_key, open_engine
from gateway.settings import GatewaySettings
from ioa import nats_server
from protocol.connection import Connection
from protocol.errors import Timeout, Unavailable
from protocol.kinds import TERMINAL_STATES, ConversationState, GetConversation
from protocol.settings import ServiceSettings
from registry.app import Registry
from registry.app import serve as serve_registry
from registry.settings import RegistrySettings
from services.agents.calculator.agent import Calculator
from services.agents.calculator.card import calculator_card
from services.agents.calculator.settings import CalculatorSettings
from services.chat.app import ChatServer
from services.chat.app import serve as serve_chat
from services.chat.settings import ChatSettings
from services.coordinator.app import Coordinator
from services.coordinator.app import serve as serve_coordinator
from services.coordinator.settings import CoordinatorSettings


@dataclass(slots=True)
class Gateway:
    app: FastAPI
    url: str
    key: str

    @property
    def conn(self) -> Connection:
        conn: Connection = self.app.state.conn
        return conn


@dataclass(slots=True)
class Network:
    settings: ServiceSettings
    registry: Registry
    chat: ChatServer
    coordinator: Coordinator
    calculator: Calculator
    gateway: Gateway


@asynccontextmanager
async def running_gateway(settings: GatewaySettings) -> AsyncIterator[Gateway]:
    engine = open_engine(settings.database_url)
    try:
        key = create_key(engine, "fuzz")[1]
    finally:
        engine.dispose()
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=settings.host, port=settings.port, log_config=None, access_log=False
        )
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.02)
        yield Gateway(app, f"http://{settings.host}:{settings.port}", key)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


@asynccontextmanager
async def network(nats_url: str, root: str, tmp: Path) -> AsyncIterator[Network]:
    common: dict[str, Any] = {"nats_url": nats_url, "subject_root": root, "log_level": "ERROR"}
    async with AsyncExitStack() as stack:
        registry = await stack.enter_async_context(
            serve_registry(RegistrySettings(**common, database_url=f"sqlite:///{tmp}/r.db"))
        )
        # The fuzz run posts as the agents themselves: no rate limit may stand between
        # a bad post and the check that refuses it.
        chat = await stack.enter_async_context(
            serve_chat(ChatSettings(**common, post_rate=1e6, post_burst=1e6))
        )
        coordinator = await stack.enter_async_context(
            serve_coordinator(CoordinatorSettings(**common, use_llm=False, invite_seconds=10))
        )
        calculator = await stack.enter_async_context(
            Calculator(calculator_card(), CalculatorSettings(**common))
        )
        gateway = await stack.enter_async_context(
            running_gateway(
                GatewaySettings(
                    **common,
                    database_url=f"sqlite:///{tmp}/gateway.db",
                    host="127.0.0.1",
                    port=nats_server.free_port(),
                    sse_keepalive_seconds=1.0,
                    shutdown_grace_seconds=1,
                )
            )
        )
        yield Network(ServiceSettings(**common), registry, chat, coordinator, calculator, gateway)


async def until_over(conn: Connection, conversation: str, seconds: float) -> ConversationState:
    """The conversation's state once it is terminal (fails after ``seconds``). An answer
    that does not come in time is asked for again: the machine is busy with the fuzz."""
    deadline = asyncio.get_running_loop().time() + seconds
    state: ConversationState | None = None
    while asyncio.get_running_loop().time() < deadline:
        get = GetConversation(conversation=conversation)
        with contextlib.suppress(Timeout, Unavailable):
            state = (await conn.request("coordinator", "get", get)).body
            if state.state in TERMINAL_STATES:
                return state
        await asyncio.sleep(0.1)
    raise AssertionError(f"conversation {conversation} did not end: {state}")
