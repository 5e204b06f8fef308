"""Conversations: what the gateway asks of the coordinator, and what it reports."""

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from protocol.ids import Id
from protocol.kinds.base import Body, Count
from protocol.kinds.tasks import TaskMode

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

FlowPolicy = Literal["sequential", "round_robin", "moderated", "autonomous", "planned"]
"""How the next move is chosen each turn:

- ``sequential``: each member in turn gets a task; its output feeds the next (a chain);
- ``round_robin``: members speak in turn in a discussion, then the conclusion;
- ``moderated``: the coordinator's LLM picks the move and the speaker each turn (a star);
- ``autonomous``: each message names the next speakers; the members steer;
- ``planned``: the requester's ``plan``, step by step (a start with a plan gets it).
"""

ConclusionPolicy = Literal["summary", "results"]
"""How the conclusion is written: ``summary``, the coordinator's LLM summarises the
checked results (used only when it passes the same checks; else as ``results``);
``results``, the checked results composed in order, no LLM asked."""


class PlanStep(BaseModel):
    """One step of a plan: a task for a member (``sync``: the flow waits for it;
    ``async``: it goes on at once), or a pause until named steps' tasks have finished."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: Id = Field(description="Names the step, for a pause's until.")
    kind: Literal["task", "pause"] = "task"
    mode: TaskMode = "sync"
    agent: Id | None = Field(
        default=None,
        description="Who does the task: one of the required members. None: the team's "
        "members in turn, one for each task step.",
    )
    text: str = Field(
        default="", max_length=5000, description="The task; empty: the member's part of the goal."
    )
    until: list[Id] = Field(
        default_factory=list,
        max_length=50,
        description="A pause: the earlier steps whose tasks it waits for (empty: every task "
        "still running).",
    )


class Budget(BaseModel):
    """Limits that guarantee a conversation ends."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    max_turns: int = Field(default=8, ge=1, le=1000)
    max_tokens: int = Field(default=20_000, ge=1, le=10_000_000, description="LLM tokens.")
    max_seconds: float = Field(default=300.0, gt=0, le=86_400)
    turn_seconds: float = Field(
        default=90.0, gt=0, le=3600, description="How long one member may take for a turn."
    )


class StartConversation(Body):
    KIND: ClassVar[str] = "start_conversation"

    goal: str = Field(min_length=1, max_length=20_000)
    min_team: int = Field(default=1, ge=1, le=20)
    max_team: int = Field(default=4, ge=1, le=20)
    required: list[Id] = Field(
        default_factory=list, max_length=20, description="Agents that must be on the team."
    )
    excluded: list[Id] = Field(
        default_factory=list, max_length=100, description="Agents that must not be."
    )
    depth: int = Field(default=1, ge=0, le=5, description="How deep sub-teams may nest.")
    policy: FlowPolicy = "sequential"
    budget: Budget = Field(default_factory=Budget)
    observers: list[Id] = Field(default_factory=list, max_length=10)
    plan: list[PlanStep] = Field(
        default_factory=list,
        max_length=50,
        description="The flow, step by step, asked for by the requester: tasks (sync or "
        "async) and pauses until named ones finish; then the conclusion. The policy is "
        "then planned.",
    )
    conclusion_policy: ConclusionPolicy = "summary"
    parent: Id | None = Field(default=None, description="The conversation this sub-team serves.")
    parent_task: Id | None = Field(default=None, description="The parent's task it does.")


class GetConversation(Body):
    KIND: ClassVar[str] = "get_conversation"

    conversation: Id


class CancelConversation(Body):
    KIND: ClassVar[str] = "cancel_conversation"

    conversation: Id
    reason: str = Field(default="cancelled by the user", max_length=2000)


class ContinueConversation(Body):
    """A follow-up goal for a concluded conversation: same team, same history."""

    KIND: ClassVar[str] = "continue_conversation"

    conversation: Id
    goal: str = Field(min_length=1, max_length=20_000)


class RequestSubTeam(Body):
    """A member asks for a sub-team to do its task; the child's conclusion is the result."""

    KIND: ClassVar[str] = "request_sub_team"

    conversation: Id
    task_id: Id
    goal: str = Field(min_length=1, max_length=20_000)
    max_team: int = Field(default=3, ge=1, le=20)


class Member(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    agent: Id
    role: str = Field(default="member", max_length=500)
    reason: str = Field(default="", max_length=20_000)
    score: float | None = None


class QueryHit(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    agent: Id
    score: float


class FormationQuery(BaseModel):
    """One registry search made to form the team, and the candidates it returned."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    query: str = Field(max_length=2000)
    source: Literal["goal", "llm"] = Field(
        description="A step of the goal itself, or a capability query the LLM proposed."
    )
    hits: list[QueryHit] = Field(default_factory=list, description="Best first.")


class TeamFormation(BaseModel):
    """How the team was chosen: who chose it, and from which searches."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    chosen_by: Literal["llm", "rules"] = Field(
        description="llm: the LLM's choice, checked against the candidates; rules: the best "
        "match for each step of the goal."
    )
    why_rules: str | None = Field(
        default=None,
        max_length=20_000,
        description="Why the LLM's choice was not used (with chosen_by rules).",
    )
    queries: list[FormationQuery] = Field(default_factory=list)


TaskOutcome = Literal["pending", "done", "failed", "cancelled"]


class TaskRecord(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    task_id: Id
    assignee: Id
    description: str = Field(max_length=50_000)
    mode: Literal["sync", "async"] = "sync"
    outcome: TaskOutcome = "pending"
    result: str | None = Field(default=None, max_length=200_000)


class ConversationState(Body):
    """A conversation as the coordinator sees it; also the body of state-change events."""

    KIND: ClassVar[str] = "conversation_state"

    conversation: Id
    goal: str = Field(max_length=20_000)
    state: ConversationStatus
    group: Id | None = None
    members: list[Member] = Field(default_factory=list)
    formation: TeamFormation | None = Field(
        default=None, description="How the team was chosen (once it has been)."
    )
    conclusion: str | None = Field(default=None, max_length=200_000)
    reason: str | None = Field(
        default=None,
        max_length=20_000,
        description="Why it failed or was cancelled, or concluded before its work was done "
        "(a budget ran out).",
    )
    policy: FlowPolicy = "sequential"
    turns: Count = 0
    tokens: Count = Field(default=0, description="LLM tokens spent on the conversation.")
    prompt_tokens: Count = Field(default=0, description="Of ``tokens``, those the LLM read.")
    completion_tokens: Count = Field(default=0, description="Of ``tokens``, those it wrote.")
    tasks: list[TaskRecord] = Field(default_factory=list)
    parent: Id | None = None
    children: list[Id] = Field(default_factory=list)
    trace_id: str | None = Field(default=None, max_length=64)
    created_at: datetime
    updated_at: datetime


class Conclude(Body):
    """Posted to the group when the flow moves to write its conclusion."""

    KIND: ClassVar[str] = "conclude"

    reason: str = Field(default="", max_length=2000)


class Conclusion(Body):
    """Posted to the group when the conversation concludes."""

    KIND: ClassVar[str] = "conclusion"

    text: str = Field(max_length=200_000)


class ListConversations(Body):
    """The requester's own conversations, newest first, a page at a time."""

    KIND: ClassVar[str] = "list_conversations"

    states: list[ConversationStatus] = Field(
        default_factory=list, max_length=8, description="Only these states (empty: any)."
    )
    offset: int = Field(default=0, ge=0, le=1_000_000)
    limit: int = Field(default=50, ge=1, le=500)


class ConversationList(Body):
    """A page of :class:`ListConversations`; ``total`` counts every match."""

    KIND: ClassVar[str] = "conversation_list"

    conversations: list[ConversationState] = Field(default_factory=list)
    total: Count = 0
    offset: Count = 0
