"""The scene the rogue tests play in, and what they share.

A secured network as ``ioa up`` runs it (nats-server in operator mode; the registry
issuing credentials; chat, coordinator, the calculator and the writer; the gateway with
its role's credentials); only the LLM is scripted. In it:

- alice, a user of the gateway, has a concluded conversation (``theirs``; its group has
  the same id) whose goal holds her figures, and, as a person with a card, an invitation
  waiting for her answer in another conversation (``item``);
- the writer was on the team of ``theirs`` and then left its group (``leaver``);
- mallory is an agent admitted the documented way, a member of nothing (``rogue``), and
  also a user of the gateway with a key of her own (``mallory``).

Every rogue test asks as one of the strangers and compares what it gets with what an
unknown id gets: the same answer, so the answer tells nothing.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nats
from nats.aio.client import Client as NatsClient

from gateway import keys
from protocol.connection import Connection, flush
from protocol.kinds import ConversationState, LeaveGroup
from protocol.settings import ServiceSettings
from protocol.subjects import CHAT, COORDINATOR, GATEWAY
from tests.gateway.conftest import bearer, gateway_for, running_gateway, wait_for_state
from tests.security.network import SecuredNetwork, secured_network
from tests.services.coordinator.network import state_of
from tests.support.scripted_llm import Rule, Script
from tests.support.secured import SecuredNats, secured_nats
from tests.support.strangers import UNKNOWN, ask

ROOT = "ioa.v1"
GOAL = "What is 12*(3+4)? Then write a customer note about it."
SCRIPT = Script(rules=[Rule("You are the writer", "Dear customer, it is 84.")])
ALICES_CARD = "Proofreads zymurgy papers."
UNKNOWN_ITEM = "01NOSUCHITEM00000000000000"
"""A pending item id nobody has, as long as a real one."""


@dataclass
class Scene:
    server: SecuredNats
    net: SecuredNetwork
    url: str
    theirs: str
    """alice's concluded conversation; its group has the same id."""
    item: str
    """alice's invitation that waits for her answer (a ``/v1/me/pending`` item)."""
    rogue: Connection
    """mallory, an admitted agent, a member of nothing."""
    rogue_creds: Path
    leaver: Connection
    """the writer, after it left the group of ``theirs``."""
    read_before_leaving: ConversationState
    coordinator: Connection
    """the coordinator's own identity, which may read everything: to see nothing changed."""
    alice: httpx.AsyncClient
    mallory: httpx.AsyncClient
    anonymous: httpx.AsyncClient
    keys: dict[str, str]

    @property
    def private(self) -> tuple[str, ...]:
        """What of alice's no stranger's answer may hold (her card is public: it is there
        to be found)."""
        return (self.theirs, GOAL, self.item)

    def stranger(self, who: str) -> Connection:
        return {"rogue": self.rogue, "leaver": self.leaver}[who]


def leaks(answer: Any, scene: Scene) -> list[str]:
    """What of alice's ``answer`` holds (as JSON or text)."""
    text = answer if isinstance(answer, str) else json.dumps(answer, default=str)
    return [secret for secret in scene.private if secret in text]


def as_unknown(answer: Any, scene: Scene) -> Any:
    """``answer`` with alice's ids put for the unknown ones: what a stranger got for
    hers must equal what it got for ids nobody has."""
    text = json.dumps(answer, default=str).replace(UNKNOWN, scene.theirs)
    return json.loads(text.replace(UNKNOWN_ITEM, scene.item))


async def rogue_nats(server: SecuredNats, creds: Path, errors: list[str]) -> NatsClient:
    """A plain nats-py connection with ``creds``; the server's refusals go to ``errors``."""

    async def collect(exc: Exception) -> None:
        errors.append(str(exc))

    return await nats.connect(
        server.url, user_credentials=str(creds), error_cb=collect, inbox_prefix="_INBOX.rogue"
    )


async def settle(nc: NatsClient) -> None:
    """Let the server's -ERR for the last operation arrive."""
    await flush(nc)
    await asyncio.sleep(0.2)


def agent_connection(net: SecuredNetwork, agent: str) -> Connection:
    """A connection of an admitted agent's own, with the credentials it was issued."""
    creds = net.folder / "agents" / f"{agent}.creds"
    return Connection(ServiceSettings(**net.settings(creds), request_timeout=3.0), agent)


async def waiting_item(alice: httpx.AsyncClient, conversation: str) -> str:
    for _ in range(150):
        items = (await alice.get("/v1/me/pending")).json()["items"]
        mine = [i["id"] for i in items if i["conversation"] == conversation]
        if mine:
            return str(mine[0])
        await asyncio.sleep(0.2)
    raise AssertionError(f"no invitation of {conversation} reached alice")


@asynccontextmanager
async def rogue_scene(folder: Path) -> AsyncIterator[Scene]:
    async with AsyncExitStack() as stack:
        server = stack.enter_context(secured_nats(folder / "nats"))
        net = await stack.enter_async_context(secured_network(server, ROOT, folder, SCRIPT))
        settings = gateway_for(server.url, ROOT, folder, nats_creds=net.creds[GATEWAY])
        engine = keys.open_engine(settings.database_url)
        made = {name: keys.create_key(engine, name)[1] for name in ("alice", "mallory")}
        engine.dispose()
        url = await stack.enter_async_context(running_gateway(settings))

        def client(key: str | None) -> httpx.AsyncClient:
            headers = bearer(key) if key else {}
            return httpx.AsyncClient(base_url=url, headers=headers, timeout=20)

        alice, mallory, anonymous = [
            await stack.enter_async_context(client(key))
            for key in (made["alice"], made["mallory"], None)
        ]
        started = await alice.post("/v1/conversations", json={"goal": GOAL})
        theirs = started.json()["id"]
        await wait_for_state(alice, theirs, "concluded")
        await alice.put("/v1/me/card", json={"description": ALICES_CARD})
        asked = await alice.post(
            "/v1/conversations", json={"goal": "zymurgy", "required": ["user:alice"]}
        )
        item = await waiting_item(alice, asked.json()["id"])

        leaver = await stack.enter_async_context(agent_connection(net, "writer"))
        read_before_leaving = await state_of(leaver, theirs)
        await ask(leaver, CHAT, "leave_group", LeaveGroup(group=theirs))
        rogue_creds = await net.admit("mallory")
        rogue = await stack.enter_async_context(agent_connection(net, "mallory"))
        yield Scene(
            server=server,
            net=net,
            url=url,
            theirs=theirs,
            item=item,
            rogue=rogue,
            rogue_creds=rogue_creds,
            leaver=leaver,
            read_before_leaving=read_before_leaving,
            coordinator=await stack.enter_async_context(net.connection(COORDINATOR)),
            alice=alice,
            mallory=mallory,
            anonymous=anonymous,
            keys=made,
        )
