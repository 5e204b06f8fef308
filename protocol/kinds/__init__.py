"""Every message body of ``ioa/1``, and the table from envelope ``type`` to model."""

from typing import get_args

from protocol.kinds.base import Ack, Body
from protocol.kinds.cards import AgentCard, Provider, Skill
from protocol.kinds.chat import (
    ChatMessage,
    CloseGroup,
    CreateGroup,
    GetGroup,
    GroupInfo,
    History,
    HistoryPage,
    LoggedMessage,
    Posted,
)
from protocol.kinds.conversation import (
    TERMINAL_STATES,
    Budget,
    CancelConversation,
    Conclude,
    Conclusion,
    ContinueConversation,
    ConversationState,
    FlowPolicy,
    GetConversation,
    Member,
    RequestSubTeam,
    StartConversation,
    TaskRecord,
)
from protocol.kinds.error import ErrorBody
from protocol.kinds.parts import DataPart, FilePart, Part, TextPart
from protocol.kinds.registry import (
    AgentInfo,
    AgentStatus,
    Deregister,
    GetAgent,
    Heartbeat,
    Lease,
    Register,
    Search,
    SearchHit,
    SearchResults,
    Update,
)
from protocol.kinds.tasks import (
    Pause,
    TaskAssign,
    TaskCancelled,
    TaskFailed,
    TaskProgress,
    TaskResult,
)
from protocol.kinds.team import TeamAccept, TeamDecline, TeamInvite, TeamLeave

ALL_KINDS: tuple[type[Body], ...] = (
    Ack,
    AgentCard,
    Register,
    Update,
    Heartbeat,
    Deregister,
    Lease,
    Search,
    SearchResults,
    GetAgent,
    AgentInfo,
    AgentStatus,
    CreateGroup,
    GetGroup,
    CloseGroup,
    GroupInfo,
    Posted,
    History,
    HistoryPage,
    ChatMessage,
    TeamInvite,
    TeamAccept,
    TeamDecline,
    TeamLeave,
    TaskAssign,
    TaskProgress,
    TaskResult,
    TaskFailed,
    TaskCancelled,
    Pause,
    StartConversation,
    GetConversation,
    CancelConversation,
    ContinueConversation,
    RequestSubTeam,
    ConversationState,
    Conclude,
    Conclusion,
    ErrorBody,
)
KINDS: dict[str, type[Body]] = {cls.KIND: cls for cls in ALL_KINDS}

GroupBody = (
    ChatMessage
    | TaskAssign
    | TaskProgress
    | TaskResult
    | TaskFailed
    | TaskCancelled
    | Pause
    | Conclude
    | Conclusion
)
"""The bodies that may be posted to a group."""
GROUP_KINDS: frozenset[str] = frozenset(cls.KIND for cls in get_args(GroupBody))

__all__ = [
    "ALL_KINDS",
    "GROUP_KINDS",
    "KINDS",
    "TERMINAL_STATES",
    "Ack",
    "AgentCard",
    "AgentInfo",
    "AgentStatus",
    "Body",
    "Budget",
    "CancelConversation",
    "ChatMessage",
    "CloseGroup",
    "Conclude",
    "Conclusion",
    "ContinueConversation",
    "ConversationState",
    "CreateGroup",
    "DataPart",
    "Deregister",
    "ErrorBody",
    "FilePart",
    "FlowPolicy",
    "GetAgent",
    "GetConversation",
    "GetGroup",
    "GroupBody",
    "GroupInfo",
    "Heartbeat",
    "History",
    "HistoryPage",
    "Lease",
    "LoggedMessage",
    "Member",
    "Part",
    "Pause",
    "Posted",
    "Provider",
    "Register",
    "RequestSubTeam",
    "Search",
    "SearchHit",
    "SearchResults",
    "Skill",
    "StartConversation",
    "TaskAssign",
    "TaskCancelled",
    "TaskFailed",
    "TaskProgress",
    "TaskRecord",
    "TaskResult",
    "TeamAccept",
    "TeamDecline",
    "TeamInvite",
    "TeamLeave",
    "TextPart",
    "Update",
]
