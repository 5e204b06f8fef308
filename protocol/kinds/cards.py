"""The agent card, aligned one to one with the A2A AgentCard."""

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from protocol.ids import Id
from protocol.kinds.base import Body, Label


class Skill(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: Id
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=4000)
    tags: list[Label] = Field(default_factory=list, max_length=64)
    examples: list[Annotated[str, Field(max_length=4000)]] = Field(
        default_factory=list, max_length=64
    )


class Provider(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    organization: str = Field(max_length=200)
    url: str | None = Field(default=None, max_length=4000)


class AgentCard(Body):
    """Who an agent is and what it can do. ``id`` is its address on the network.

    A person can be a member too: their card says ``human`` and its id is the
    ``user:<name>`` the gateway speaks for."""

    KIND: ClassVar[str] = "agent_card"

    id: Id
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=4000)
    version: str = Field(default="0.1.0", max_length=64)
    provider: Provider | None = None
    skills: list[Skill] = Field(default_factory=list, max_length=128)
    default_input_modes: list[Label] = Field(default_factory=lambda: ["text/plain"], max_length=32)
    default_output_modes: list[Label] = Field(default_factory=lambda: ["text/plain"], max_length=32)
    protocol_versions: list[Label] = Field(default_factory=lambda: ["ioa/1"], max_length=16)
    max_concurrent_tasks: int = Field(default=1, ge=1, le=10_000)
    human: bool = Field(
        default=False,
        description=(
            "A person, answering through a gateway (not in A2A's card): the coordinator "
            "waits for them within the conversation's deadline, not an agent's seconds."
        ),
    )

    def search_text(self) -> str:
        """Everything a capability search should match on, as one text."""
        parts = [self.name, self.description]
        for skill in self.skills:
            parts += [skill.name, skill.description, *skill.tags, *skill.examples]
        return "\n".join(p for p in parts if p)
