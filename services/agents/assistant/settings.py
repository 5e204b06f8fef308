"""The assistant's settings (environment variables with the ``IOA_`` prefix)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from protocol.settings import ServiceSettings
from services.agents.assistant.persona import DEFAULT_PERSONA


class AssistantSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IOA_", extra="ignore")

    assistant_persona: Path = Field(
        default=DEFAULT_PERSONA,
        description="The persona JSON file (IOA_ASSISTANT_PERSONA); ships assistant and writer.",
    )
    agent_lease_seconds: float = Field(default=15.0, gt=0)
    history_chars: int = Field(
        default=6000, ge=0, le=200_000, description="How much group history goes into a prompt."
    )
    draft_attempts: int = Field(
        default=2,
        ge=0,
        le=10,
        description=(
            "Drafts the model gets to write a note that states the checked answers "
            "(IOA_DRAFT_ATTEMPTS); after them the writer sends a plain note of its own."
        ),
    )
