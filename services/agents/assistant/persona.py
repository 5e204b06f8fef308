"""Personas: one assistant codebase, many agents, each configured by a JSON file."""

from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from protocol.ids import Id
from protocol.kinds import AgentCard, Provider, Skill

PERSONAS = Path(__file__).parent / "personas"
DEFAULT_PERSONA = PERSONAS / "assistant.json"


class PersonaError(ValueError):
    """A persona file is missing or not valid."""


class Persona(BaseModel):
    """Who the agent is (its card) and how it talks to the LLM."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Id
    name: str = Field(max_length=200)
    description: str = Field(max_length=4000)
    version: str = "0.1.0"
    skills: list[Skill] = Field(min_length=1)
    system_prompt: str = Field(min_length=1, max_length=20_000)
    temperature: float = Field(default=0.3, ge=0, le=2)
    max_tokens: int = Field(default=400, ge=1, le=32_000)

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read and validate a persona file, with an error that names the file."""
        try:
            return cls.model_validate_json(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise PersonaError(f"cannot read persona file {path}: {exc}") from None
        except ValidationError as exc:
            raise PersonaError(f"persona file {path} is not valid: {exc}") from None

    def card(self) -> AgentCard:
        return AgentCard(
            id=self.id,
            name=self.name,
            description=self.description,
            version=self.version,
            provider=Provider(organization="Internet of Agents demo"),
            skills=self.skills,
        )
