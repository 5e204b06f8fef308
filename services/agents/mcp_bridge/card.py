"""The card of an MCP server on our network: one skill per tool."""

import re

from protocol.kinds import AgentCard, Provider, Skill
from services.agents.mcp_bridge.server import Tool

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def slug(text: str, fallback: str) -> str:
    return _UNSAFE.sub("-", text.strip().lower()).strip("-_")[:100] or fallback


def mcp_card(agent_id: str | None, server_name: str, tools: list[Tool]) -> AgentCard:
    name = server_name or "MCP server"
    skills = []
    for tool in tools[:128]:
        words = [w for w in re.split(r"[^a-z0-9]+", tool.name.lower()) if w]
        skills.append(
            Skill(
                id=slug(tool.name, "tool"),
                name=tool.name[:200],
                description=tool.description[:4000],
                tags=[*words, "mcp", "tool"][:64],
            )
        )
    return AgentCard(
        id=agent_id or f"mcp-{slug(name, 'server')}",
        name=name[:200],
        description=(
            f"The MCP server {name!r} as an agent: its tools are its skills "
            f"({', '.join(t.name for t in tools[:20])})."
        )[:4000],
        provider=Provider(organization="MCP bridge"),
        skills=skills,
        default_output_modes=["text/plain", "application/json"],
        max_concurrent_tasks=4,
    )
