"""Conversation records: the coordinator's whole memory, in a JetStream KV bucket.

A record holds everything needed to pick a conversation up where it stood after
a crash: the team, the invitations, every task, the move in flight, the
transcript the LLM sees, budgets spent, and which replica drives it (a lease).
Every write is compare-and-set on the KV revision, so replicas never overwrite
each other's changes unseen. The record is a storage model (pydantic, for its
JSON), separate from the wire models in ``protocol/``.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from nats.js.errors import InvalidKeyError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue
from pydantic import BaseModel, ConfigDict, Field

from protocol.errors import Conflict, NotFound
from protocol.kinds import (
    TERMINAL_STATES,
    Budget,
    ConclusionPolicy,
    ConversationState,
    FlowPolicy,
    Member,
    PlanStep,
    TaskRecord,
    TeamFormation,
)
from protocol.llm import Usage


def now() -> datetime:
    return datetime.now(UTC)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marked where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Stored(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=False)


class Invite(Stored):
    agent: str
    reason: str
    task: str
    score: float
    status: Literal["pending", "accepted", "declined"] = "pending"
    sent: bool = False
    deadline: datetime | None = None
    stands_in_for: str | None = None
    human: bool = False
    """A person (their card says so): they get the conversation's time, not seconds."""


class Spare(Stored):
    """A candidate that was found but not picked: the stand-in for a decline."""

    agent: str
    score: float
    human: bool = False


class TaskHeading(Stored):
    """What the index keeps of a task (see :class:`Heading`)."""

    assignee: str
    outcome: Literal["pending", "done", "failed", "cancelled"] = "pending"

    @property
    def open(self) -> bool:
        return self.outcome == "pending"


class Task(TaskHeading):
    task_id: str
    description: str
    mode: Literal["sync", "async"] = "sync"
    result: str | None = None
    data: dict[str, Any] | None = None
    deadline: datetime
    attempt: int = 1
    assignee_offline: bool = False
    """Reported offline, and not back yet: reassigned once ``presence.gone`` says so."""
    offline_at: datetime | None = None
    progress_at: datetime | None = None
    """When the assignee last reported progress on it (``task_progress``)."""
    sub_team: str | None = None
    step: str | None = None
    """The plan step it does (``planned``): a pause names steps, not tasks."""


class Move(Stored):
    """The move in flight: posted once (its envelope id makes a re-post harmless)."""

    kind: Literal["ask", "assign", "pause", "watch"]
    envelope_id: str
    speakers: list[str] = Field(default_factory=list)
    text: str = ""
    task_id: str | None = None
    triggers: list[str] = Field(default_factory=list)
    deadline: datetime
    posted: bool = False
    answered: list[str] = Field(default_factory=list)


class Said(Stored):
    """A message someone sent the conversation before its group existed: posted to the
    group, as the coordinator, once there is one."""

    id: str
    """The envelope id it is posted under (a re-post after a crash is dropped)."""
    source: str
    """The id of the envelope it came in (a retried request is kept once)."""
    sender: str
    text: str
    next_speakers: list[str] = Field(default_factory=list)


class Line(Stored):
    """One transcript line: what the LLM is shown of the group's history."""

    id: str
    sender: str
    type: str
    text: str
    next_speakers: list[str] = Field(default_factory=list)
    answer: str | None = None
    """A tool's answer that came with the message (a data part's ``answer``/``value``)."""


class Heading(Stored):
    """The few fields of a record that say whose it is, how far it got and who drives
    it: every replica keeps these of every record in memory (``index.py``)."""

    id: str
    requester: str
    state: str = "forming"
    settled: bool = False
    """Whether what follows the end is done: the final state announced, a sub-team's
    outcome reported to its parent. A replica that finds a finished record unsettled
    (its driver died in between) does it."""
    owner: str | None = None
    lease_until: datetime | None = None
    created_at: datetime = Field(default_factory=now)
    cancel: str | None = None
    """Why it was asked to be cancelled, once it was: the replica driving it abandons the
    step in flight on seeing this in its index (``Scheduler``), and ends it."""

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def done_with(self) -> bool:
        """Finished and settled: no replica has anything left to do for it."""
        return self.finished and self.settled


class Spent(Stored):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Record(Heading):
    goal: str
    policy: FlowPolicy = "sequential"
    plan: list[PlanStep] = Field(default_factory=list)
    conclusion_policy: ConclusionPolicy = "summary"
    budget: Budget = Field(default_factory=Budget)
    min_team: int = 1
    max_team: int = 4
    required: list[str] = Field(default_factory=list)
    excluded: list[str] = Field(default_factory=list)
    depth: int = 1
    parent: str | None = None
    parent_task: str | None = None
    observers: list[str] = Field(default_factory=list)
    group: str | None = None
    group_round: int = 0
    """The round whose turn budget the group holds (a follow-up goal gives it a new one)."""
    planned: bool = False
    invites: list[Invite] = Field(default_factory=list)
    spares: list[Spare] = Field(default_factory=list)
    members: list[Member] = Field(default_factory=list)
    formation: TeamFormation | None = None
    tasks: list[Task] = Field(default_factory=list)
    current: Move | None = None
    cursor: int = 0
    round: int = 0
    seq: int = 0
    turns: int = 0
    tokens: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    transcript: list[Line] = Field(default_factory=list)
    said: list[Said] = Field(default_factory=list)
    conclusion: str | None = None
    reason: str | None = None
    children: list[str] = Field(default_factory=list)
    children_spent: dict[str, Spent] = Field(default_factory=dict)
    """What each sub-team's spending has added to these tokens so far: a child that
    ends again (continued, or its ending settled twice) adds only what is new."""
    trace: dict[str, str] = Field(default_factory=dict)
    trace_id: str | None = None
    driver_trace: dict[str, str] = Field(default_factory=dict)
    """The trace context of the span driving the conversation: a replica that resumes
    the conversation after its driver died links to it (that span is gone with it)."""
    deadline: datetime
    updated_at: datetime = Field(default_factory=now)

    revision: int = Field(default=0, exclude=True)

    def next_id(self, tag: str) -> str:
        """A deterministic id for the next thing this conversation sends: a re-send after
        a crash reuses it, so JetStream and the chat service drop the copy."""
        self.seq += 1
        return f"{self.id}-{tag}{self.seq}"

    def spend(self, usage: Usage) -> None:
        """Count an LLM call's tokens against the conversation (the budget is the total)."""
        self.tokens += usage.total
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens

    def spent_by_child(self, child: "Record") -> bool:
        """Count what ``child`` spent, whenever it ends (also after this conversation
        has ended or closed the child's task); False when it is counted already."""
        counted = self.children_spent.get(child.id, Spent())
        prompt = child.prompt_tokens - counted.prompt_tokens
        completion = child.completion_tokens - counted.completion_tokens
        if prompt <= 0 and completion <= 0:
            return False
        self.spend(Usage(max(0, prompt), max(0, completion)))
        self.children_spent[child.id] = Spent(
            prompt_tokens=child.prompt_tokens, completion_tokens=child.completion_tokens
        )
        return True

    def calls_off_children(self) -> str:
        """Why this conversation's sub-teams are cancelled: it has ended."""
        why = f"its parent conversation {self.id} ended: {self.state}"
        return f"{why} ({self.reason})" if self.reason else why

    def ask_to_cancel(self, reason: str) -> bool:
        """Have the driver cancel the conversation; False when it is over or asked to."""
        if self.finished or self.cancel is not None:
            return False
        self.cancel = reason
        return True

    def task(self, task_id: str) -> Task | None:
        return next((t for t in self.tasks if t.task_id == task_id), None)

    def member_ids(self) -> list[str]:
        return [m.agent for m in self.members]

    def is_human(self, agent: str) -> bool:
        """Whether ``agent`` was invited as a person (the card it was found by says so)."""
        return any(i.agent == agent and i.human for i in self.invites)

    def heard(self, line: Line, keep: int = 40) -> bool:
        """Add ``line`` to the transcript; False when it is there already."""
        if any(existing.id == line.id for existing in self.transcript):
            return False
        self.transcript.append(line)
        del self.transcript[:-keep]
        return True

    def public(self) -> ConversationState:
        return ConversationState(
            conversation=self.id,
            goal=self.goal,
            state=self.state,  # type: ignore[arg-type]
            group=self.group,
            members=self.members,
            formation=self.formation,
            conclusion=self.conclusion,
            reason=self.reason,
            policy=self.policy,
            turns=self.turns,
            tokens=self.tokens,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            tasks=[
                TaskRecord(
                    task_id=t.task_id,
                    assignee=t.assignee,
                    description=t.description,
                    mode=t.mode,
                    outcome=t.outcome,
                    result=t.result,
                )
                for t in self.tasks
            ],
            parent=self.parent,
            children=self.children,
            trace_id=self.trace_id,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )


def unknown(conversation: str, *, in_reply_to: str | None = None) -> NotFound:
    """The one answer for a conversation that does not exist, or that is not the
    sender's to see (``access``): the two are told apart by nobody."""
    return NotFound(f"no conversation {conversation!r}", in_reply_to=in_reply_to)


class ConversationStore:
    """Records by conversation id, with compare-and-set writes."""

    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def create(self, rec: Record) -> None:
        """Store a new record; :class:`Conflict` when one with its id exists."""
        try:
            rec.revision = await self._kv.create(rec.id, rec.model_dump_json().encode())
        except KeyWrongLastSequenceError:
            raise Conflict(f"conversation {rec.id} exists already") from None

    async def get(self, conversation: str) -> Record:
        try:
            entry = await self._kv.get(conversation)
        except (KeyNotFoundError, InvalidKeyError):  # a valid id no conversation has (a:b)
            raise unknown(conversation) from None
        if entry.value is None:
            raise unknown(conversation)
        rec = Record.model_validate_json(entry.value)
        rec.revision = entry.revision or 0
        return rec

    async def save(self, rec: Record) -> None:
        """Write ``rec`` if nobody else wrote since it was read; else :class:`Conflict`."""
        rec.updated_at = now()
        try:
            rec.revision = await self._kv.update(
                rec.id, rec.model_dump_json().encode(), last=rec.revision
            )
        except KeyWrongLastSequenceError:
            raise Conflict(f"conversation {rec.id} changed under us") from None

    async def change(self, conversation: str, edit: Callable[[Record], bool]) -> Record:
        """Read, ``edit``, write; retried on conflicts. ``edit`` returns False for no change."""
        for _ in range(50):
            rec = await self.get(conversation)
            if not edit(rec):
                return rec
            try:
                await self.save(rec)
                return rec
            except Conflict:
                continue
        raise Conflict(f"conversation {conversation} is too busy to change")
