"""LLM tokens a member reports with its work, counted against the conversation's budget."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

MAX_REPORTED = 100_000_000


class TokenUsage(BaseModel):
    """What a member's own LLM calls cost for one message (a result, a failure, a turn)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    prompt_tokens: int = Field(default=0, ge=0, le=MAX_REPORTED, description="Tokens read.")
    completion_tokens: int = Field(default=0, ge=0, le=MAX_REPORTED, description="Tokens written.")

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


ReportedUsage = Annotated[
    TokenUsage | None,
    Field(description="LLM tokens the sender spent on it (counted in the budget)."),
]
"""The ``usage`` a member may report on a result, a failure or a turn."""
