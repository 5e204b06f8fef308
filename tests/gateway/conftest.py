"""Fixtures for the gateway: the real app in a real uvicorn server on a free port.

The coordinator-facing endpoints are tested against a clearly named stand-in
coordinator (see ``stand_in_coordinator.py``); chat and registry are the real
services, run in-process through their ``serve`` context managers.
"""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.app import create_app
from gateway.keys import create_key, open_engine
from gateway.settings import GatewaySettings
from ioa import nats_server
from protocol.settings import ServiceSettings
from tests.gateway.stand_in_coordinator import StandInCoordinator, stand_in_coordinator


@pytest.fixture(scope="session")
def spans() -> Iterator[InMemorySpanExporter]:
    """Every finished span of the session (the gateway's trace ids need a real SDK)."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter


@pytest.fixture
def gateway_settings(settings: ServiceSettings, tmp_path: Path) -> GatewaySettings:
    return GatewaySettings(
        database_url=f"sqlite:///{tmp_path}/gateway.db",
        nats_url=settings.nats_url,
        subject_root=settings.subject_root,
        log_format="json",
        host="127.0.0.1",
        port=nats_server.free_port(),
        request_timeout=3.0,
        sse_keepalive_seconds=1.0,
        shutdown_grace_seconds=1,
    )


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


@pytest.fixture
async def coordinator(settings: ServiceSettings) -> AsyncIterator[StandInCoordinator]:
    async with stand_in_coordinator(settings) as stand_in:
        yield stand_in


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


@dataclass
class Stack:
    """A real network (registry, chat, coordinator, calculator, writer) behind a real gateway."""

    url: str
    key: str
    settings: GatewaySettings
    net: Any

    def client(self, key: str | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=20, headers=bearer(key or self.key))


@contextlib.asynccontextmanager
async def real_stack(
    nats_url: str, subject_root: str, tmp_path: Path, **gateway: Any
) -> AsyncIterator[Stack]:
    """Everything real and in-process (only the LLM is scripted), plus a key for alice."""
    from tests.services.coordinator.network import network
    from tests.support.scripted_llm import Script

    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(TracerProvider())  # trace ids need a real SDK

    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        settings = GatewaySettings(
            database_url=f"sqlite:///{tmp_path}/gateway.db",
            nats_url=nats_url,
            subject_root=subject_root,
            log_format="json",
            port=nats_server.free_port(),
            sse_keepalive_seconds=1.0,
            shutdown_grace_seconds=1,
            **gateway,
        )
        key = make_key(settings, "alice")
        async with running_gateway(settings) as url:
            yield Stack(url=url, key=key, settings=settings, net=net)


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
