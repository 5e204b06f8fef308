"""An A2A Agent Card as one of ours: name, description, version, provider, skills and modes
map one to one; only ids are made subject-safe."""

import re
from typing import Any

from protocol.kinds import AgentCard, Provider, Skill

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def slug(text: str, fallback: str = "agent") -> str:
    """A subject-safe id from any text: ``Remote Adder`` → ``remote-adder``."""
    value = _UNSAFE.sub("-", text.strip().lower()).strip("-_")[:100]
    return value or fallback


def ioa_card(remote: Any, agent_id: str | None = None) -> AgentCard:
    """Our card for a remote A2A agent (``remote`` is an ``a2a.types.AgentCard``)."""
    skills = []
    used: set[str] = set()
    for skill in list(remote.skills)[:128]:
        skill_id = slug(skill.id or skill.name, "skill")
        while skill_id in used:
            skill_id += "-x"
        used.add(skill_id)
        skills.append(
            Skill(
                id=skill_id,
                name=(skill.name or skill.id)[:200],
                description=skill.description[:4000],
                tags=list(skill.tags)[:64],
                examples=list(skill.examples)[:64],
            )
        )
    provider = None
    if remote.HasField("provider") and remote.provider.organization:
        provider = Provider(
            organization=remote.provider.organization[:200], url=remote.provider.url or None
        )
    return AgentCard(
        id=agent_id or slug(remote.name),
        name=remote.name[:200] or "A2A agent",
        description=remote.description[:4000],
        version=(remote.version or "0.0.0")[:64],
        provider=provider,
        skills=skills,
        default_input_modes=list(remote.default_input_modes) or ["text/plain"],
        default_output_modes=list(remote.default_output_modes) or ["text/plain"],
        max_concurrent_tasks=4,
    )
