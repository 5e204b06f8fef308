"""Group chat: groups, posts, history, and the discussion message itself."""

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from protocol.ids import Id
from protocol.kinds.base import Body
from protocol.kinds.parts import Part

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


class GetGroup(Body):
    KIND: ClassVar[str] = "get_group"

    group: Id


class CloseGroup(Body):
    KIND: ClassVar[str] = "close_group"

    group: Id


class GroupInfo(Body):
    KIND: ClassVar[str] = "group_info"

    group: Id
    conversation: Id | None = None
    title: str = ""
    created_by: Id
    members: list[Id]
    observers: list[Id] = Field(default_factory=list)
    state: GroupState = "open"


class Posted(Body):
    """The chat service's answer to a post, sent only once the append is durable."""

    KIND: ClassVar[str] = "posted"

    group: Id
    seq: int
    duplicate: bool = False


class History(Body):
    """Page through a group's log by sequence number."""

    KIND: ClassVar[str] = "history"

    group: Id
    after: int = Field(default=0, ge=0)
    limit: int = Field(default=100, ge=1, le=1000)


class LoggedMessage(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    seq: int
    envelope: dict[str, Any]


class HistoryPage(Body):
    KIND: ClassVar[str] = "history_page"

    group: Id
    messages: list[LoggedMessage]
    last_seq: int = 0


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
