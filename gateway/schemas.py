"""The HTTP API's own models: what a user sends and what the gateway answers.

Wire models stay in ``protocol/``; these only shape the HTTP side.
"""

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from protocol.ids import Id
from protocol.kinds import (
    Budget,
    ConclusionPolicy,
    ConversationState,
    FlowPolicy,
    LoggedMessage,
    Member,
    PlanStep,
    Skill,
    TaskRecord,
)
from protocol.kinds.conversation import ConversationStatus

MAX_SEQ = 2**63 - 1
"""The highest sequence a client may name: JetStream's are 64-bit, and a larger one is
a 422 here rather than an error deep inside a service."""


class ConversationCreate(BaseModel):
    """A user's goal; the coordinator forms a team for it."""

    model_config = ConfigDict(extra="forbid")

    goal: str = Field(min_length=1, max_length=20_000, examples=["What is 17 * 23?"])
    min_team: int = Field(default=1, ge=1, le=20)
    max_team: int = Field(default=4, ge=1, le=20)
    required: list[Id] = Field(default_factory=list, max_length=20)
    excluded: list[Id] = Field(default_factory=list, max_length=100)
    depth: int = Field(default=1, ge=0, le=5)
    policy: FlowPolicy = "sequential"
    budget: Budget = Field(default_factory=Budget)
    plan: list[PlanStep] = Field(
        default_factory=list,
        max_length=50,
        description="The flow step by step: tasks (sync or async) and pauses until named "
        "steps finish, then the conclusion (the policy is then planned).",
    )
    conclusion_policy: ConclusionPolicy = Field(
        default="summary",
        description="summary: the LLM summarises the checked results (when its summary "
        "passes the checks); results: the checked results composed, no LLM.",
    )


class UserMessage(BaseModel):
    """What a user says in a conversation's group."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=20_000)
    next_speakers: list[Id] = Field(default_factory=list, max_length=20)
    in_reply_to: Id | None = Field(
        default=None, description="The message (envelope id) this answers, e.g. a question."
    )


class Cancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="cancelled by the user", max_length=2000)


class FollowUp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    goal: str = Field(min_length=1, max_length=20_000)


class Posted(BaseModel):
    conversation: Id
    seq: int
    id: Id


class Usage(BaseModel):
    """What a conversation used so far."""

    turns: int
    tokens: int = Field(description="LLM tokens, read (prompt) and written (completion).")
    prompt_tokens: int
    completion_tokens: int
    seconds: float = Field(description="Wall time from start to its last change.")


class ConversationPublic(BaseModel):
    """A conversation as the coordinator reports it, with ``id`` for the HTTP resource.
    ``members`` is the team, each with the reason it was chosen."""

    id: Id
    conversation: Id
    goal: str
    state: ConversationStatus
    group: Id | None = None
    members: list[Member] = Field(default_factory=list)
    conclusion: str | None = None
    reason: str | None = None
    policy: FlowPolicy = "sequential"
    turns: int = 0
    tokens: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tasks: list[TaskRecord] = Field(default_factory=list)
    parent: Id | None = None
    children: list[Id] = Field(default_factory=list)
    trace_id: str | None = None
    created_at: datetime
    updated_at: datetime
    usage: Usage

    @classmethod
    def of(cls, state: ConversationState, *, trace_id: str | None = None) -> "ConversationPublic":
        data = state.model_dump()
        if trace_id:
            data["trace_id"] = trace_id
        seconds = (state.updated_at - state.created_at).total_seconds()
        usage = Usage(
            turns=state.turns,
            tokens=state.tokens,
            prompt_tokens=state.prompt_tokens,
            completion_tokens=state.completion_tokens,
            seconds=round(seconds, 3),
        )
        return cls(id=state.conversation, usage=usage, **data)


class ConversationPage(BaseModel):
    """A page of the caller's conversations, newest first; ``total`` counts every match."""

    conversations: list[ConversationPublic]
    total: int
    offset: int
    limit: int


class MessagesPage(BaseModel):
    """A page of a conversation's group log, oldest first; page on with ``after=last_seq``,
    or back with ``before`` = the first message's seq."""

    conversation: Id
    group: Id | None
    messages: list[LoggedMessage]
    last_seq: int


class CardCreate(BaseModel):
    """A person's card: what they can do, so that teams find them. Its id is the caller's
    user (``user:<name>``); it says ``human``."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200, description="Default: the key's name.")
    description: str = Field(default="", max_length=4000, examples=["Proofreads English text."])
    skills: list[Skill] = Field(default_factory=list, max_length=128)


PendingKind = Literal["invite", "task", "turn"]
Action = Literal["accept", "decline", "result", "failed", "reply"]


class PendingPublic(BaseModel):
    """Something that waits for the caller's answer: an invitation (``invite``: accept or
    decline), a task assigned to them (``task``: result or failed), or a message naming
    them (``turn``: reply). ``id`` is the message's envelope id; ``body`` the message."""

    id: Id
    kind: PendingKind
    answers: list[Action]
    conversation: Id
    group: Id | None
    sender: Id
    text: str
    task_id: Id | None
    deadline: datetime | None
    received_at: datetime
    body: dict[str, Any]


class PendingList(BaseModel):
    items: list[PendingPublic]


class PendingAnswer(BaseModel):
    """A person's answer: ``accept`` / ``decline`` (``text``: why not) an invitation,
    ``result`` (``text``, ``data``) / ``failed`` (``text``: why) a task, ``reply`` a turn."""

    model_config = ConfigDict(extra="forbid")

    action: Action
    text: str = Field(default="", max_length=200_000)
    data: dict[str, Any] | None = Field(default=None, description="A task result's data.")

    @model_validator(mode="after")
    def _fits(self) -> Self:
        if self.action in ("result", "failed", "reply") and not self.text.strip():
            raise ValueError(f"{self.action!r} needs a text")
        if self.action in ("failed", "decline") and len(self.text) > 2000:
            raise ValueError(f"the reason of {self.action!r} may have at most 2,000 characters")
        if self.data is not None and self.action != "result":
            raise ValueError("only a result carries data")
        return self


class Answered(BaseModel):
    item: Id
    action: Action
    conversation: Id
    seq: int | None = Field(default=None, description="Where the answer is in the group log.")


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    nats: bool
