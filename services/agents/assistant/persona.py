"""Personas: one assistant codebase, many agents, each configured by a JSON file."""

import os
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from protocol.ids import Id
from protocol.kinds import AgentCard, Provider, Skill
from protocol.llm import LlmSettings

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
    model: str | None = Field(
        default=None, max_length=200, description="The model name; default: IOA_LLM_MODEL."
    )
    openai_base_url: str | None = Field(
        default=None,
        max_length=2000,
        description="Any OpenAI-compatible endpoint for this persona; default: OPENAI_BASE_URL.",
    )
    api_key_env: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="The environment variable holding this endpoint's API key (never the key "
        "itself in the file); default: OPENAI_API_KEY.",
    )

    def llm_settings(self, base: LlmSettings | None = None) -> LlmSettings:
        """The LLM settings for this persona: its own model and endpoint over the defaults."""
        settings = base or LlmSettings()
        update: dict[str, object] = {}
        if self.model:
            update["model"] = self.model
        if self.openai_base_url:
            update["openai_base_url"] = self.openai_base_url
        if self.api_key_env:
            key = os.environ.get(self.api_key_env)
            if not key:
                raise PersonaError(f"persona {self.id}: ${self.api_key_env} is not set")
            update["openai_api_key"] = SecretStr(key)
        return settings.model_copy(update=update)

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
