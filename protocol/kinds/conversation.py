"""Conversations: what the gateway asks of the coordinator, and what it reports."""

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from protocol.ids import Id
from protocol.kinds.base import Body

ConversationStatus = Literal[
    "forming",
    "discussing",
    "executing",
    "paused",
    "concluding",
    "concluded",
    "failed",
    "cancelled",
]
TERMINAL_STATES: frozenset[str] = frozenset({"concluded", "failed", "cancelled"})


class Budget(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    max_turns: int = Field(default=8, ge=1, le=1000)
    max_seconds: float = Field(default=300.0, gt=0, le=86_400)
    turn_seconds: float = Field(
        default=90.0, gt=0, le=3600, description="How long one member may take for a turn."
    )


class StartConversation(Body):
    KIND: ClassVar[str] = "start_conversation"

    goal: str = Field(min_length=1, max_length=20_000)
    min_team: int = Field(default=1, ge=1, le=20)
    max_team: int = Field(default=3, ge=1, le=20)
    budget: Budget = Field(default_factory=Budget)
    observers: list[Id] = Field(default_factory=list, max_length=10)


class GetConversation(Body):
    KIND: ClassVar[str] = "get_conversation"

    conversation: Id


class Member(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    agent: Id
    role: str = "member"
    reason: str = ""
    score: float | None = None


class ConversationState(Body):
    """A conversation as the coordinator sees it; also the body of state-change events."""

    KIND: ClassVar[str] = "conversation_state"

    conversation: Id
    goal: str
    state: ConversationStatus
    group: Id | None = None
    members: list[Member] = Field(default_factory=list)
    conclusion: str | None = None
    reason: str | None = Field(default=None, description="Why it failed or was cancelled.")
    turns: int = 0
    trace_id: str | None = None
    created_at: datetime
    updated_at: datetime


class Conclusion(Body):
    """Posted to the group when the conversation concludes."""

    KIND: ClassVar[str] = "conclusion"

    text: str = Field(max_length=200_000)
