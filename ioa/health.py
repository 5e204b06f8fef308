"""Health checks ``ioa up`` waits on: each answers True (healthy) or False (not yet)."""

import asyncio
from collections.abc import Awaitable, Callable

import httpx
from nats.micro.service import ServiceVerb, control_subject

from protocol.connection import Connection
from protocol.errors import IoaError
from protocol.kinds import AgentInfo, GetAgent
from protocol.subjects import REGISTRY

Check = Callable[[], Awaitable[bool]]


def http_ok(url: str) -> Check:
    """Healthy when GET ``url`` answers 200."""

    async def check() -> bool:
        try:
            async with httpx.AsyncClient(timeout=2.0) as client:
                response = await client.get(url)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    return check


def service_answers(conn: Connection, service: str) -> Check:
    """Healthy when the NATS micro framework's PING for ``service`` gets an answer."""
    subject = control_subject(ServiceVerb.PING, service)

    async def check() -> bool:
        try:
            await conn.nc.request(subject, b"", timeout=1.0)
        except Exception:  # no responders yet, timeout, reconnecting
            return False
        return True

    return check


def agent_online(conn: Connection, agent: str) -> Check:
    """Healthy when the registry says ``agent`` is online."""

    async def check() -> bool:
        try:
            reply = await conn.request(REGISTRY, "get_agent", GetAgent(agent=agent), timeout=2.0)
        except IoaError:
            return False
        return isinstance(reply.body, AgentInfo) and reply.body.online

    return check


async def wait_until(
    check: Check, timeout: float, *, gave_up: Callable[[], bool], interval: float = 0.25
) -> bool:
    """Poll ``check`` until it passes (True), ``timeout`` runs out, or ``gave_up()``
    says to stop waiting (False), e.g. because the process has exited."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if await check():
            return True
        if gave_up() or loop.time() >= deadline:
            return False
        await asyncio.sleep(interval)
