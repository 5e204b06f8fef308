"""Fixtures for the gateway: the real app in a real uvicorn server on a free port.

Two kinds of gateway:

- ``client`` / ``anonymous``: a gateway alone on the test's own subject root, with no
  service behind it (keys, limits, and what happens when no service answers);
- ``stack``: a gateway in front of the session's real network: registry, chat,
  coordinator, the calculator and writer agents and a ``Gatekeeper`` agent, all real and
  in this process; only the LLM is scripted. Starting and stopping a network costs
  seconds, so the session shares one; tests stay apart because each gets its own
  gateway (its own key database) and its own user names, and the gateway shows a user
  only their own conversations.
"""

import asyncio
import contextlib
import json
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from nats.aio.msg import Msg
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.app import create_app
from gateway.keys import create_key, open_engine, user_for
from gateway.settings import GatewaySettings
from ioa import nats_server
from protocol.agent import Agent
from protocol.connection import Connection, flush
from protocol.envelope import Envelope, decode
from protocol.kinds import ChatMessage, TaskAssign, TaskFailed, TaskResult
from protocol.settings import ServiceSettings
from protocol.subjects import COORDINATOR
from tests.services.coordinator.network import Network, card, network
from tests.support.scripted_llm import Script
from tests.support.spans import collected

# How long the gatekeeper holds a task that no test lets through (a failed test).
HOLD_SECONDS = 20.0


@pytest.fixture(scope="session")
def spans() -> InMemorySpanExporter:
    """Every finished span of the session (the gateway's trace ids need a real SDK)."""
    return collected()


def gateway_for(
    nats_url: str, subject_root: str, tmp_path: Path, **overrides: Any
) -> GatewaySettings:
    """Settings of a gateway on a free port with its own key database under ``tmp_path``."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path}/gateway.db",
        "nats_url": nats_url,
        "subject_root": subject_root,
        "log_format": "json",
        "host": "127.0.0.1",
        "port": nats_server.free_port(),
        "request_timeout": 3.0,
        "sse_keepalive_seconds": 1.0,
        "shutdown_grace_seconds": 1,
    }
    return GatewaySettings(**{**values, **overrides})


@pytest.fixture
def gateway_settings(settings: ServiceSettings, tmp_path: Path) -> GatewaySettings:
    return gateway_for(settings.nats_url, settings.subject_root, tmp_path)


@contextlib.asynccontextmanager
async def running_gateway(settings: GatewaySettings) -> AsyncIterator[str]:
    """Serve the gateway app with uvicorn on ``settings.port``; yield its base URL."""
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        lifespan="on",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # raises why the server did not start
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.02)
        yield f"http://{settings.host}:{settings.port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


@pytest.fixture
async def gateway_url(
    gateway_settings: GatewaySettings, spans: InMemorySpanExporter
) -> AsyncIterator[str]:
    async with running_gateway(gateway_settings) as url:
        yield url


def make_key(settings: GatewaySettings, name: str = "alice") -> str:
    """A real API key in the gateway's database, as ``ioa keys create`` makes one."""
    engine = open_engine(settings.database_url)
    try:
        return create_key(engine, name)[1]
    finally:
        engine.dispose()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def api_key(gateway_settings: GatewaySettings) -> str:
    return make_key(gateway_settings, "alice")


@pytest.fixture
async def client(gateway_url: str, api_key: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client that calls as user ``user:alice``."""
    headers = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10, headers=headers) as http:
        yield http


@pytest.fixture
async def anonymous(gateway_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client without a key."""
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as http:
        yield http


# --- the real network behind a gateway ------------------------------------------------


class Gatekeeper(Agent):
    """Holds a conversation's tasks until the test lets them through, so a test can
    watch or steer a conversation in the middle of its work. Remembers what users say."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrived: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.released: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.heard: defaultdict[str, list[str]] = defaultdict(list)

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        conversation = env.conversation or ""
        self.arrived[conversation].set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.released[conversation].wait(), HOLD_SECONDS)
        return TaskResult(task_id=env.body.task_id, text="let through")

    async def on_group_message(self, env: Envelope[Any]) -> None:
        if env.sender.startswith("user:") and isinstance(env.body, ChatMessage):
            self.heard[env.conversation or ""].append(env.body.text)

    async def holding(self, conversation: str) -> None:
        """Return once a task of ``conversation`` is being held."""
        await asyncio.wait_for(self.arrived[conversation].wait(), 20)

    def release(self, conversation: str) -> None:
        self.released[conversation].set()


@dataclass
class Stack:
    """A real gateway in front of a real network, and a key for alice (a user of its own)."""

    url: str
    settings: GatewaySettings
    net: Network
    names: str
    key: str = ""
    gatekeeper: Gatekeeper | None = None

    def user(self, name: str = "alice") -> str:
        """The user id behind ``key_for(name)``."""
        return user_for(f"{name}-{self.names}")

    def key_for(self, name: str) -> str:
        """A new key for ``name``; names are unique to this stack, so users of other
        tests sharing the network are other people."""
        return make_key(self.settings, f"{name}-{self.names}")

    def client(self, key: str | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=20, headers=bearer(key or self.key))

    def anonymous(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=20)

    @contextlib.asynccontextmanager
    async def probe(self, identity: str = "test-probe") -> AsyncIterator[Connection]:
        """A connection of the test's own, to ask services or listen on the wire."""
        async with Connection(self.net.settings, identity) as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def starts(self, user: str | None = None) -> AsyncIterator[list[Envelope[Any]]]:
        """The ``start`` requests ``user`` (alice) sends the coordinator, as they pass on
        the wire (a plain subscriber hears them beside the coordinator's queue group).
        Complete once the block is left: whatever was sent by then has been heard."""
        seen: list[Envelope[Any]] = []

        async def heard(msg: Msg) -> None:
            seen.append(decode(msg.data))

        async with self.probe() as conn:
            subject = conn.subjects.request(user or self.user(), COORDINATOR, "start")
            sub = await conn.nc.subscribe(subject, cb=heard)
            await flush(conn.nc)
            try:
                yield seen
            finally:
                await sub.drain()


@contextlib.asynccontextmanager
async def gateway_before(net: Network, tmp_path: Path, **overrides: Any) -> AsyncIterator[Stack]:
    """A new gateway (own database, own user names) in front of ``net``."""
    collected()  # trace ids need a real SDK
    settings = gateway_for(
        net.settings.nats_url, net.settings.subject_root, tmp_path, request_timeout=5.0, **overrides
    )
    async with running_gateway(settings) as url:
        stack = Stack(url=url, settings=settings, net=net, names=uuid.uuid4().hex[:6])
        stack.key = stack.key_for("alice")
        yield stack


@contextlib.asynccontextmanager
async def real_stack(
    nats_url: str, subject_root: str, tmp_path: Path, **gateway: Any
) -> AsyncIterator[Stack]:
    """A network of its own under ``subject_root`` (for tests that must not share one)."""
    async with (
        network(nats_url, subject_root, tmp_path, Script()) as net,
        gateway_before(net, tmp_path, **gateway) as stack,
    ):
        yield stack


@pytest.fixture(scope="session")
async def shared_network(
    nats_url: str, tmp_path_factory: pytest.TempPathFactory, spans: InMemorySpanExporter
) -> AsyncIterator[tuple[Network, Gatekeeper]]:
    root = f"t{uuid.uuid4().hex[:10]}.ioa.v1"
    async with network(nats_url, root, tmp_path_factory.mktemp("network"), Script()) as net:
        gatekeeper = await net.add(Gatekeeper(card("gatekeeper", "turnstile"), net.settings))
        yield net, gatekeeper


@pytest.fixture
async def stack(shared_network: tuple[Network, Gatekeeper], tmp_path: Path) -> AsyncIterator[Stack]:
    """A gateway of this test's own in front of the session's real network."""
    net, gatekeeper = shared_network
    async with gateway_before(net, tmp_path) as stack:
        stack.gatekeeper = gatekeeper
        yield stack


# --- reading what the gateway says ----------------------------------------------------


@dataclass
class Event:
    event: str
    id: str | None
    data: Any


@dataclass
class EventStream:
    """The events a client read from one SSE response, in order."""

    events: list[Event] = field(default_factory=list)

    def of(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.event == kind]


async def read_events(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    opened: asyncio.Event | None = None,
    timeout: float = 20,
) -> EventStream:
    """Read an SSE response to its end (the server closes it after ``end``)."""
    out = EventStream()

    async def read() -> None:
        async with client.stream("GET", url, headers=headers) as response:
            assert response.status_code == 200, await response.aread()
            assert response.headers["content-type"].startswith("text/event-stream")
            if opened is not None:
                opened.set()
            fields: dict[str, str] = {}
            async for line in response.aiter_lines():
                if line == "":
                    if "event" in fields:
                        out.events.append(
                            Event(fields["event"], fields.get("id"), json.loads(fields["data"]))
                        )
                    fields = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(": ")
                    fields[name] = value

    await asyncio.wait_for(read(), timeout=timeout)
    return out


async def wait_for_state(
    client: httpx.AsyncClient, conversation: str, *states: str, seconds: float = 30
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for _ in range(int(seconds * 10)):
        body = (await client.get(f"/v1/conversations/{conversation}")).json()
        if body.get("state") in states:
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{conversation} never reached {states}: {body}")
