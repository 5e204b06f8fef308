"""People as members: who registered a card here, and what waits for their answer.

A person registers a card (``human``) through the gateway and is then found, invited
and given tasks like any agent. Their inbox is consumed for them (``inboxes.py``);
what needs their answer (an invitation, a task assigned to them, a message naming
them) is kept in the gateway's database until they answer it or it no longer waits
for them. The database, not the inbox, holds it because an inbox message is gone once
acknowledged, and acknowledging only after the row is written means a gateway that
dies in between gets the message again: nothing is lost across a restart, and every
gateway replica sees the same items.

Whether an item still waits is the coordinator's to say: it is checked against the
conversation's state when the person asks (:func:`no_longer_awaited`), so a task
handed to someone else, an invitation whose team formed without them or a
conversation that ended drop out without a message of their own.
"""

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Engine, Text
from sqlmodel import Field, Session, SQLModel, col, select

from protocol.envelope import Envelope
from protocol.kinds import (
    TERMINAL_STATES,
    ChatMessage,
    ConversationState,
    TaskAssign,
    TeamInvite,
)

ANSWERS: dict[str, tuple[str, ...]] = {
    "invite": ("accept", "decline"),
    "task": ("result", "failed"),
    "turn": ("reply",),
}
"""What a person may answer to each kind of item."""


class Person(SQLModel, table=True):
    """Someone who registered a card here: the gateway consumes their inbox."""

    __tablename__ = "people"

    user: str = Field(primary_key=True, max_length=80)
    registered_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class PendingItem(SQLModel, table=True):
    """A message that waits for a person's answer; ``id`` is its envelope id."""

    __tablename__ = "pending_items"

    user: str = Field(primary_key=True, max_length=80)
    id: str = Field(primary_key=True, max_length=128)
    kind: str = Field(max_length=16)
    conversation: str = Field(index=True, max_length=128)
    group: str | None = Field(default=None, max_length=128)
    sender: str = Field(max_length=128)
    text: str = Field(sa_column=Column(Text, nullable=False))
    task_id: str | None = Field(default=None, max_length=128)
    deadline: datetime | None = None
    body: str = Field(sa_column=Column(Text, nullable=False), description="The body as JSON.")
    received_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    closed_at: datetime | None = None
    closed_why: str | None = Field(default=None, max_length=500)

    @property
    def due(self) -> datetime | None:
        """The deadline as an aware time (SQLite hands it back without its zone)."""
        return _utc(self.deadline)

    @property
    def received(self) -> datetime:
        """When it came, as an aware time."""
        return self.received_at if self.received_at.tzinfo else self.received_at.replace(tzinfo=UTC)

    def body_json(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.body)
        return body


def item_of(user: str, env: Envelope[Any]) -> PendingItem | None:
    """The item ``env`` makes for ``user``, if it needs their answer: an invitation, a
    task assigned to them, or a message naming them as a next speaker or a mention."""
    body = env.body
    common = {"user": user, "id": env.id, "sender": env.sender, "body": body.model_dump_json()}
    if isinstance(body, TeamInvite):
        return PendingItem(
            **common,
            kind="invite",
            conversation=body.conversation,
            group=body.group,
            text=body.goal,
            deadline=body.deadline,
        )
    if env.conversation is None or env.sender == user:
        return None
    if isinstance(body, TaskAssign) and body.assignee == user:
        return PendingItem(
            **common,
            kind="task",
            conversation=env.conversation,
            group=env.group,
            text=body.description,
            task_id=body.task_id,
            deadline=body.deadline,
        )
    if isinstance(body, ChatMessage) and user in (*body.next_speakers, *body.mentions):
        return PendingItem(
            **common, kind="turn", conversation=env.conversation, group=env.group, text=body.text
        )
    return None


def no_longer_awaited(
    item: PendingItem, state: ConversationState, at: datetime | None = None
) -> str | None:
    """Why ``item`` no longer waits for an answer, given its conversation's ``state``;
    None while it does."""
    if state.state in TERMINAL_STATES:
        return f"the conversation is {state.state}"
    due = item.due
    if due is not None and due <= (at or datetime.now(UTC)):
        return "its deadline passed"
    if item.kind == "invite" and state.state != "forming":
        return "the team was formed without this answer"
    if item.kind == "task":
        task = next((t for t in state.tasks if t.task_id == item.task_id), None)
        if task is not None and task.outcome != "pending":
            return f"the task is {task.outcome}"
        if task is not None and task.assignee != item.user:
            return f"the task is {task.assignee}'s now"
    return None


# --- the database ---------------------------------------------------------------------


def register(engine: Engine, user: str) -> None:
    with Session(engine) as session:
        if session.get(Person, user) is None:
            session.add(Person(user=user))
            session.commit()


def unregister(engine: Engine, user: str) -> None:
    with Session(engine) as session:
        person = session.get(Person, user)
        if person is not None:
            session.delete(person)
            session.commit()


def everyone(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Person.user)))


def keep(engine: Engine, item: PendingItem) -> None:
    """Store ``item`` unless it is stored already (an inbox may deliver it again)."""
    with Session(engine) as session:
        if session.get(PendingItem, (item.user, item.id)) is None:
            session.add(item)
            session.commit()


def open_items(engine: Engine, user: str) -> list[PendingItem]:
    """``user``'s items that no one closed yet, oldest first."""
    query = (
        select(PendingItem)
        .where(PendingItem.user == user, col(PendingItem.closed_at).is_(None))
        .order_by(col(PendingItem.received_at))
    )
    with Session(engine) as session:
        return list(session.exec(query))


def item(engine: Engine, user: str, item_id: str) -> PendingItem | None:
    with Session(engine) as session:
        return session.get(PendingItem, (user, item_id))


def close(engine: Engine, user: str, why: dict[str, str]) -> None:
    """Close ``user``'s items ``why`` names (item id → why it no longer waits)."""
    with Session(engine) as session:
        for item_id, reason in why.items():
            row = session.get(PendingItem, (user, item_id))
            if row is not None and row.closed_at is None:
                row.closed_at, row.closed_why = datetime.now(UTC), reason[:500]
                session.add(row)
        session.commit()


def _utc(at: datetime | None) -> datetime | None:
    if at is None or at.tzinfo is not None:
        return at
    return at.replace(tzinfo=UTC)
