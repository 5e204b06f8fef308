"""The HTTP API's own models: what a user sends and what the gateway answers.

Wire models stay in ``protocol/``; these only shape the HTTP side.
"""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from protocol.ids import Id
from protocol.kinds import Budget, ConversationState, LoggedMessage, Member
from protocol.kinds.conversation import ConversationStatus


class ConversationCreate(BaseModel):
    """A user's goal; the coordinator forms a team for it."""

    model_config = ConfigDict(extra="forbid")

    goal: str = Field(min_length=1, max_length=20_000, examples=["What is 17 * 23?"])
    min_team: int = Field(default=1, ge=1, le=20)
    max_team: int = Field(default=3, ge=1, le=20)
    budget: Budget = Field(default_factory=Budget)


class ConversationPublic(BaseModel):
    """A conversation as the coordinator reports it, with ``id`` for the HTTP resource."""

    id: Id
    conversation: Id
    goal: str
    state: ConversationStatus
    group: Id | None = None
    members: list[Member] = Field(default_factory=list)
    conclusion: str | None = None
    reason: str | None = None
    turns: int = 0
    trace_id: str | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, state: ConversationState, *, trace_id: str | None = None) -> "ConversationPublic":
        data = state.model_dump()
        if trace_id:
            data["trace_id"] = trace_id
        return cls(id=state.conversation, **data)


class MessagesPage(BaseModel):
    """A page of a conversation's group log, oldest first; page on with ``after=last_seq``."""

    conversation: Id
    group: Id | None
    messages: list[LoggedMessage]
    last_seq: int


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    nats: bool
