"""Group chat: groups, posts, history, and the discussion message itself."""

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from protocol.ids import Id
from protocol.kinds.base import MAX_SEQ, Body, Count, Seq
from protocol.kinds.parts import Part
from protocol.kinds.usage import ReportedUsage

GroupState = Literal["open", "closed"]


class CreateGroup(Body):
    """Ask the chat service for a group; the creator becomes a member."""

    KIND: ClassVar[str] = "create_group"

    group: Id | None = None
    conversation: Id | None = None
    title: str = Field(default="", max_length=500)
    members: list[Id] = Field(default_factory=list, max_length=1000)
    observers: list[Id] = Field(
        default_factory=list,
        max_length=100,
        description="May read the group's history but get no inbox delivery (e.g. the gateway).",
    )
    max_turns: int | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="The group's turn budget: how many chat messages its members may post "
        "in all, the creator and people (user:<id>) aside; past it such a post is refused "
        "with budget_spent (the other kinds, a task's result, are taken). None: no limit.",
    )


class SetTurns(Body):
    """Give a group a new turn budget, its count of turns taken starting again at 0 (its
    creator only): a conversation continued with a follow-up goal, or ended early."""

    KIND: ClassVar[str] = "set_turns"

    group: Id
    max_turns: int | None = Field(default=None, ge=0, le=1000, description="None: no limit.")


class GetGroup(Body):
    KIND: ClassVar[str] = "get_group"

    group: Id


class CloseGroup(Body):
    KIND: ClassVar[str] = "close_group"

    group: Id


class AddMembers(Body):
    """Add members to a group (its creator only); members already in it are ignored."""

    KIND: ClassVar[str] = "add_members"

    group: Id
    members: list[Id] = Field(min_length=1, max_length=1000)


class RemoveMembers(Body):
    """Remove members from a group: its creator removes anyone but itself, others only
    themselves."""

    KIND: ClassVar[str] = "remove_members"

    group: Id
    members: list[Id] = Field(min_length=1, max_length=1000)


class LeaveGroup(Body):
    """The sender leaves the group (the creator cannot leave; it closes the group)."""

    KIND: ClassVar[str] = "leave_group"

    group: Id


class ListGroups(Body):
    """The groups the sender is a member of."""

    KIND: ClassVar[str] = "list_groups"

    state: GroupState | None = Field(default=None, description="Only groups in this state.")
    limit: int = Field(default=100, ge=1, le=1000)


class GroupInfo(Body):
    KIND: ClassVar[str] = "group_info"

    group: Id
    conversation: Id | None = None
    title: str = Field(default="", max_length=500)
    created_by: Id
    members: list[Id]
    observers: list[Id] = Field(default_factory=list)
    state: GroupState = "open"
    max_turns: int | None = Field(
        default=None, ge=0, le=1000, description="The turn budget (None: no limit)."
    )
    turns: Count = Field(default=0, description="Turns taken of it: members' chat messages.")
    owed: dict[Id, Count] = Field(
        default_factory=dict,
        description="Answers a person asked for (their chat message named these members "
        "as next speakers): a member's chat messages take these before the turn budget, "
        "so a person's question is answered even once the members' turns are spent.",
    )


class Posted(Body):
    """The chat service's answer to a post, sent only once the append is durable."""

    KIND: ClassVar[str] = "posted"

    group: Id
    seq: Seq
    duplicate: bool = False


class History(Body):
    """Page through a group's log by sequence number, forward or back.

    The page is the first ``limit`` messages after ``after``; with ``before``, the last
    ``limit`` messages below it (and above ``after``), to page back from the newest.
    Either way it is oldest first."""

    KIND: ClassVar[str] = "history"

    group: Id
    after: int = Field(default=0, ge=0, le=MAX_SEQ, description="Only messages with a higher seq.")
    before: int | None = Field(
        default=None,
        ge=1,
        le=MAX_SEQ,
        description="Only messages with a lower seq; the page ends there.",
    )
    limit: int = Field(default=100, ge=1, le=1000)


class LoggedMessage(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    seq: Seq
    envelope: dict[str, Any]


class HistoryPage(Body):
    KIND: ClassVar[str] = "history_page"

    group: Id
    messages: list[LoggedMessage]
    last_seq: Seq = 0


class ChatMessage(Body):
    """A discussion message in a group."""

    KIND: ClassVar[str] = "chat_message"

    text: str = Field(max_length=200_000)
    next_speakers: list[Id] = Field(
        default_factory=list, max_length=100, description="Who should speak next."
    )
    mentions: list[Id] = Field(default_factory=list, max_length=100)
    parts: list[Part] = Field(
        default_factory=list, max_length=100, description="Attachments: text, data, files."
    )
    usage: ReportedUsage = None


class GroupList(Body):
    """Answer to :class:`ListGroups`, ordered by group id."""

    KIND: ClassVar[str] = "group_list"

    groups: list[GroupInfo]


class Pending(Body):
    """Ask for the messages that wait for the sender's answer: they mention it or name it
    as a next speaker, and it has not posted a message ``in_reply_to`` them yet."""

    KIND: ClassVar[str] = "pending"

    group: Id | None = Field(default=None, description="One group, or all the sender's groups.")
    limit: int = Field(default=100, ge=1, le=1000)


class PendingMessages(Body):
    """Answer to :class:`Pending`: logged messages, oldest first within each group."""

    KIND: ClassVar[str] = "pending_messages"

    messages: list[LoggedMessage]
