"""Team formation: invitations and the answers to them."""

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from protocol.ids import Id
from protocol.kinds.base import Body


class TeamInvite(Body):
    """Delivered to a candidate's inbox: join a conversation's team."""

    KIND: ClassVar[str] = "team_invite"

    conversation: Id
    goal: str = Field(max_length=20_000)
    role: str = Field(default="member", max_length=500)
    group: Id | None = None
    deadline: datetime | None = None


class TeamAccept(Body):
    KIND: ClassVar[str] = "team_accept"

    conversation: Id


class TeamDecline(Body):
    KIND: ClassVar[str] = "team_decline"

    conversation: Id
    reason: str = Field(default="", max_length=2000)


class TeamLeave(Body):
    KIND: ClassVar[str] = "team_leave"

    conversation: Id
    reason: str = Field(default="", max_length=2000)
