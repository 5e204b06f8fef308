"""Flow policies: given where a conversation stands, what is the next move?

``sequential``, ``round_robin`` and ``autonomous`` are rules, and ``planned`` follows
the requester's plan; ``moderated`` asks the LLM each turn and checks its answer against
the rules, falling back to the round-robin move when the answer is unusable.
"""

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from protocol.framing import DATA_RULE, as_data
from protocol.llm import Llm, Usage
from services.coordinator.state import Record

MoveKind = Literal["ask", "assign", "assign_async", "pause", "watch", "conclude"]


@dataclass(slots=True)
class Decision:
    kind: MoveKind
    agents: list[str] = field(default_factory=list)
    text: str = ""
    reason: str = ""
    step: str | None = None
    """The plan step this move does (``planned``)."""
    cursor: int | None = None
    """Where the conversation stands after this move, when not one step on."""


class ModeratorMove(BaseModel):
    move: Literal["ask", "assign", "assign_async", "pause", "conclude"]
    agent: str = ""
    text: str = Field(default="", max_length=5000)


def task_of(rec: Record, agent: str) -> str:
    """What this member was brought in to do (its invitation's task), else the goal."""
    invite = next((i for i in rec.invites if i.agent == agent and i.status == "accepted"), None)
    return invite.task if invite and rec.round == 0 else rec.goal


def sequential(rec: Record) -> Decision:
    """A chain: each member in turn does its task; each output feeds the next."""
    members = rec.member_ids()
    if rec.cursor < len(members):
        agent = members[rec.cursor]
        return Decision("assign", [agent], task_of(rec, agent))
    return Decision("conclude")


def round_robin(rec: Record) -> Decision:
    """A discussion: each member speaks once, in turn, then the conclusion."""
    members = rec.member_ids()
    if rec.cursor < len(members):
        agent = members[rec.cursor]
        return Decision("ask", [agent], f"{rec.goal}\n\n{agent}, your turn: {task_of(rec, agent)}")
    if any(t.open for t in rec.tasks):
        return Decision("pause", [t.task_id for t in rec.tasks if t.open])
    return Decision("conclude")


def autonomous(rec: Record) -> Decision:
    """The members steer: each message names the next speakers; nobody named, we conclude."""
    members = rec.member_ids()
    if rec.cursor == 0 and members:
        return Decision(
            "ask", [members[0]], f"{rec.goal}\n\nPass the word on by naming the next speakers."
        )
    said = [line for line in rec.transcript if line.sender in members]
    named = [a for a in (said[-1].next_speakers if said else []) if a in members]
    if named:
        return Decision("watch", named)
    return Decision("conclude")


def planned(rec: Record) -> Decision:
    """The requester's plan, step by step: each task step goes to its member (or to the
    members in turn), sync or async; a pause waits for the named steps' tasks that are
    still running (none: it is passed); after the plan, a pause for what still runs,
    then the conclusion."""
    members = rec.member_ids()
    for at in range(rec.cursor, len(rec.plan)):
        step = rec.plan[at]
        if step.kind == "pause":
            waits = [
                t.task_id for t in rec.tasks if t.open and (t.step in step.until or not step.until)
            ]
            if waits:
                why = f"Waiting for {', '.join(step.until) or 'every task'} to finish."
                return Decision("pause", waits, why, step=step.id, cursor=at + 1)
            continue
        turn = sum(1 for s in rec.plan[:at] if s.kind == "task")
        agent = step.agent if step.agent in members else members[turn % len(members)]
        kind: MoveKind = "assign_async" if step.mode == "async" else "assign"
        return Decision(
            kind, [agent], step.text or task_of(rec, agent), step=step.id, cursor=at + 1
        )
    running = [t.task_id for t in rec.tasks if t.open]
    if running:
        return Decision("pause", running, cursor=len(rec.plan))
    return Decision("conclude")


def by_rules(rec: Record) -> Decision:
    """The next move without asking the LLM (for ``moderated``, its fallback)."""
    if rec.policy == "sequential":
        return sequential(rec)
    if rec.policy == "autonomous":
        return autonomous(rec)
    if rec.policy == "planned":
        return planned(rec)
    return round_robin(rec)


async def moderated(rec: Record, llm: Llm | None, usage: Usage) -> Decision:
    """The coordinator's LLM picks the move and the speaker (a star around it)."""
    fallback = round_robin(rec)
    if llm is None:
        return fallback
    members = rec.member_ids()
    open_tasks = [t for t in rec.tasks if t.open]
    transcript = "\n".join(
        as_data(f"{line.sender} ({line.type})", line.text[:300]) for line in rec.transcript[-15:]
    )
    tasks = (
        "\n".join(f"- {t.task_id} ({t.assignee}, {t.mode}): {t.outcome}" for t in rec.tasks)
        or "none"
    )
    choice = await llm.choose(
        [
            {
                "role": "system",
                "content": (
                    "You moderate a team of agents. MODERATOR MOVE: reply with JSON "
                    '{"move": "ask"|"assign"|"assign_async"|"pause"|"conclude", "agent": id, '
                    '"text": what to ask or the task}. ask: one member speaks next; assign: a '
                    "member does a task while everyone waits; assign_async: a task in the "
                    "background; pause: wait for background tasks; conclude: the goal is met. "
                    + DATA_RULE
                ),
            },
            {
                "role": "user",
                "content": (
                    f"Goal: {rec.goal}\nMembers: {', '.join(members)}\nTasks:\n{tasks}\n"
                    f"Transcript:\n{transcript or '(empty)'}"
                ),
            },
        ],
        ModeratorMove,
        max_tokens=200,
        usage=usage,
    )
    if choice is None:
        return fallback
    if choice.move == "conclude":
        if open_tasks:  # work under way is not thrown away on a model's say-so
            return Decision("pause", [t.task_id for t in open_tasks])
        return Decision("conclude", reason="the moderator concluded")
    if choice.move == "pause":
        if not open_tasks:
            return fallback
        return Decision("pause", [t.task_id for t in open_tasks])
    if choice.agent not in members:
        return fallback
    text = choice.text.strip() or task_of(rec, choice.agent)
    return Decision(choice.move, [choice.agent], text)
