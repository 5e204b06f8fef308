"""The network's A2A Agent Card: one skill for each agent online now, from the registry.

The card is public (A2A clients read it before they have a key), so the registry is
asked at most once every ``REFRESH_SECONDS`` however many read it; when the registry
does not answer, the last skills seen are served rather than no card at all.
"""

import asyncio
import time

import structlog
from a2a.types import (
    AgentCapabilities,
    AgentCard,
    AgentInterface,
    AgentSkill,
    APIKeySecurityScheme,
    HTTPAuthSecurityScheme,
    SecurityRequirement,
    SecurityScheme,
    StringList,
)

from gateway import __version__
from gateway.routes.agents import search
from protocol import kinds
from protocol.connection import Connection
from protocol.errors import IoaError

log = structlog.get_logger("ioa.gateway.a2a")

REFRESH_SECONDS = 10.0
MAX_AGENTS = 200
JSONRPC_PATH = "/a2a"
DESCRIPTION = (
    "An Internet of Agents: for each goal it forms a team of the agents online (its "
    "skills below) and lets them work in a group chat. Send the goal as a message; the "
    "task is the team's conversation and its answer is the team's conclusion. Send more "
    "with the task's id: while it works, your words go into the group chat; once it has "
    "completed, they are a follow-up goal for the same team."
)
KEY_HELP = "An ioa API key (`ioa keys create --name NAME` prints one)."
# What the network does whoever is online; the card has a skill even when nobody is.
TEAM_SKILL = AgentSkill(
    id="ioa-team",
    name="A team for your goal",
    description="Forms a team of the agents online (the other skills) for the goal in "
    "your message; the answer is the team's conclusion.",
    tags=["team", "multi-agent", "group chat"],
    examples=["What is 17 * 23?", "Compute 12*(3+4), then write a haiku about the result."],
)


def skill_of(card: kinds.AgentCard) -> AgentSkill:
    """One agent as one skill: its name, what it does, its skills' tags and examples."""
    summary = "; ".join(
        f"{s.name}: {s.description}" if s.description else s.name for s in card.skills
    )
    description = card.description
    if summary:
        description = f"{description} Skills: {summary}.".strip()
    return AgentSkill(
        id=card.id,
        name=card.name,
        description=description[:2000] or card.name,
        tags=list(dict.fromkeys(t for s in card.skills for t in s.tags))[:32] or [card.id],
        examples=[e for s in card.skills for e in s.examples][:5],
        input_modes=card.default_input_modes,
        output_modes=card.default_output_modes,
    )


def network_card(base_url: str, skills: list[AgentSkill]) -> AgentCard:
    """The card for a gateway reached at ``base_url``: JSON-RPC at ``/a2a``, an API key
    as a bearer token or in ``X-API-Key``."""
    return AgentCard(
        name="Internet of Agents",
        description=DESCRIPTION,
        version=__version__,
        documentation_url=f"{base_url}/docs",
        supported_interfaces=[
            AgentInterface(
                url=f"{base_url}{JSONRPC_PATH}", protocol_binding="JSONRPC", protocol_version="1.0"
            )
        ],
        capabilities=AgentCapabilities(streaming=True, push_notifications=False),
        security_schemes={
            "bearer": SecurityScheme(
                http_auth_security_scheme=HTTPAuthSecurityScheme(
                    scheme="bearer", description=KEY_HELP
                )
            ),
            "apiKey": SecurityScheme(
                api_key_security_scheme=APIKeySecurityScheme(
                    location="header", name="X-API-Key", description=KEY_HELP
                )
            ),
        },
        # Either one will do: each requirement is an alternative.
        security_requirements=[
            SecurityRequirement(schemes={"bearer": StringList()}),
            SecurityRequirement(schemes={"apiKey": StringList()}),
        ],
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[TEAM_SKILL, *skills],
    )


class NetworkSkills:
    """The online agents as skills, asked of the registry at most every ``refresh`` s."""

    def __init__(self, refresh: float = REFRESH_SECONDS) -> None:
        self.refresh = refresh
        self._skills: list[AgentSkill] | None = None
        self._at = 0.0
        self._lock = asyncio.Lock()

    async def get(self, conn: Connection) -> list[AgentSkill]:
        async with self._lock:  # one search answers everyone who waits for it
            if self._skills is not None and time.monotonic() - self._at < self.refresh:
                return self._skills
            ask = kinds.Search(query="", online_only=True, limit=MAX_AGENTS)
            try:
                hits = await search(conn, ask)
            except IoaError as exc:
                if self._skills is None:
                    raise
                log.warning("the card keeps its last skills", error=str(exc))
                self._at = time.monotonic()  # not a registry search per reader while it is down
                return self._skills
            self._skills = [skill_of(hit.card) for hit in hits]
            self._at = time.monotonic()
            return self._skills
