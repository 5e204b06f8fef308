"""A whole network on a secured nats-server: services with their roles' credentials,
agents with the credentials the registry issued when an admin admitted them."""

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protocol.agent import Agent
from protocol.connection import Connection
from protocol.kinds import Admit, Admitted
from protocol.llm import Llm, LlmSettings
from protocol.settings import ServiceSettings
from protocol.subjects import ADMIN, CHAT, COORDINATOR, GATEWAY, REGISTRY
from registry.app import serve as serve_registry
from registry.credentials import IssuedCredentials, write_creds
from registry.settings import RegistrySettings
from services.agents.assistant.agent import Assistant
from services.agents.assistant.persona import Persona
from services.agents.assistant.settings import AssistantSettings
from services.agents.calculator.agent import Calculator
from services.agents.calculator.card import calculator_card
from services.agents.calculator.settings import CalculatorSettings
from services.chat.app import serve as serve_chat
from services.chat.settings import ChatSettings
from services.coordinator.app import serve as serve_coordinator
from services.coordinator.settings import CoordinatorSettings
from tests.services.coordinator.network import WRITER
from tests.support.scripted_llm import Script, scripted_llm
from tests.support.secured import SecuredNats


@dataclass
class SecuredNetwork:
    stack: AsyncExitStack
    nats: SecuredNats
    root: str
    creds: dict[str, Path]
    folder: Path
    public_keys: dict[str, str] = field(default_factory=dict)
    """Each admitted agent's NATS user (what the server's log names)."""

    def settings(self, creds: Path) -> dict[str, Any]:
        return {
            "nats_url": self.nats.url,
            "subject_root": self.root,
            "nats_creds": creds,
            "log_format": "json",
        }

    def connection(self, role: str, identity: str | None = None) -> Connection:
        """A connection with a service role's (or admin's) credentials."""
        return Connection(ServiceSettings(**self.settings(self.creds[role])), identity or role)

    async def admit(self, agent: str) -> Path:
        """Admit ``agent`` as the admin would; the path of its credentials file."""
        async with self.connection(ADMIN) as admin:
            reply = await admin.request(REGISTRY, "admit", Admit(agent=agent))
        body: Admitted = reply.body
        issued = IssuedCredentials(agent, body.public_key, body.creds)
        self.public_keys[agent] = body.public_key
        return write_creds(self.folder / "agents" / f"{agent}.creds", issued)

    async def add(self, make: Callable[[dict[str, Any]], Agent]) -> Agent:
        """Start an agent built by ``make`` from its settings, after admitting it."""
        probe = make(self.settings(self.creds[ADMIN]))
        creds = await self.admit(probe.id)
        return await self.stack.enter_async_context(make(self.settings(creds)))


@asynccontextmanager
async def secured_network(
    nats: SecuredNats, root: str, folder: Path, script: Script
) -> AsyncIterator[SecuredNetwork]:
    """Registry (issuing credentials), chat, coordinator, calculator and writer."""
    creds = nats.service_creds(root)
    with scripted_llm(script) as llm_url:
        llm_settings = LlmSettings(openai_base_url=llm_url, model="scripted")
        async with AsyncExitStack() as stack:
            net = SecuredNetwork(stack, nats, root, creds, folder)
            await stack.enter_async_context(
                serve_registry(
                    RegistrySettings(
                        **net.settings(creds[REGISTRY]),
                        database_url=f"sqlite:///{folder}/registry.db",
                        admission_account=nats.authority.account_key,
                        admission_signing_key=nats.authority.signing_seed_file,
                    )
                )
            )
            await stack.enter_async_context(serve_chat(ChatSettings(**net.settings(creds[CHAT]))))
            await stack.enter_async_context(
                serve_coordinator(
                    CoordinatorSettings(**net.settings(creds[COORDINATOR])), llm_settings
                )
            )
            llm = Llm(llm_settings)
            stack.push_async_callback(llm.close)
            await net.add(lambda s: Calculator(calculator_card(), CalculatorSettings(**s)))
            await net.add(lambda s: Assistant(Persona.load(WRITER), AssistantSettings(**s), llm))
            assert GATEWAY in creds
            yield net
