"""Every subject of ``ioa/1``: who publishes there, who subscribes, and what it carries.

This table is the one source of the AsyncAPI document and of the subject tables in
``docs/protocol.md``. A test checks :data:`OPERATIONS` against the live routes of the
registry, chat and coordinator services, so the documents cannot drift from the code.
"""

from dataclasses import dataclass

from protocol.kinds import (
    GROUP_KINDS,
    Ack,
    AddMembers,
    Admit,
    Admitted,
    AgentInfo,
    AgentStatus,
    Body,
    CancelConversation,
    ChatMessage,
    ContinueConversation,
    ConversationList,
    ConversationState,
    CreateGroup,
    Deregister,
    GetAgent,
    GetConversation,
    GetGroup,
    GroupInfo,
    GroupList,
    Heartbeat,
    History,
    HistoryPage,
    Lease,
    LeaveGroup,
    ListConversations,
    ListGroups,
    Pending,
    PendingMessages,
    Posted,
    Register,
    RemoveMembers,
    RequestSubTeam,
    Revoke,
    Revoked,
    Search,
    SearchResults,
    SetTurns,
    StartConversation,
    TeamAccept,
    TeamDecline,
    TeamInvite,
    Update,
)
from protocol.kinds import CloseGroup as CloseGroupBody
from protocol.subjects import CHAT, COORDINATOR, REGISTRY


@dataclass(frozen=True, slots=True)
class Operation:
    """One request operation: ``<root>.from.<agent>.<service>.<op>``, answered by a reply."""

    service: str
    op: str
    takes: tuple[str, ...]
    returns: tuple[str, ...]
    summary: str

    @property
    def key(self) -> str:
        return f"{self.service}.{self.op}"


@dataclass(frozen=True, slots=True)
class Delivery:
    """A one-way subject: a durable inbox, a group log, or an event."""

    name: str
    address: str
    """The subject below the root, with ``{parameters}``."""
    carries: tuple[str, ...]
    publisher: str
    subscribers: str
    summary: str
    durable: bool = True


def _kinds(*models: type[Body]) -> tuple[str, ...]:
    return tuple(model.KIND for model in models)


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        REGISTRY,
        "register",
        _kinds(Register),
        _kinds(Lease),
        "Register (or re-register) the sender's own card and start its lease.",
    ),
    Operation(
        REGISTRY,
        "update",
        _kinds(Update),
        _kinds(Lease),
        "Replace the sender's registered card; its lease and status are kept.",
    ),
    Operation(REGISTRY, "heartbeat", _kinds(Heartbeat), _kinds(Lease), "Renew the sender's lease."),
    Operation(
        REGISTRY,
        "deregister",
        _kinds(Deregister),
        _kinds(Ack),
        "Remove the sender's card (idempotent).",
    ),
    Operation(
        REGISTRY,
        "search",
        _kinds(Search),
        _kinds(SearchResults),
        "Find agents by capability (query, skills, tags).",
    ),
    Operation(
        REGISTRY, "get_agent", _kinds(GetAgent), _kinds(AgentInfo), "One agent's card and status."
    ),
    Operation(
        REGISTRY,
        "admit",
        _kinds(Admit),
        _kinds(Admitted),
        "Administrators only: issue an agent's NATS credentials and provision its inbox.",
    ),
    Operation(
        REGISTRY,
        "revoke",
        _kinds(Revoke),
        _kinds(Revoked),
        "Administrators only: revoke an agent's credentials and remove its card.",
    ),
    Operation(
        CHAT,
        "create_group",
        _kinds(CreateGroup),
        _kinds(GroupInfo),
        "Create a group; the creator becomes a member.",
    ),
    Operation(
        CHAT, "get_group", _kinds(GetGroup), _kinds(GroupInfo), "A group's members and state."
    ),
    Operation(
        CHAT,
        "list_groups",
        _kinds(ListGroups),
        _kinds(GroupList),
        "The groups the sender is a member of.",
    ),
    Operation(
        CHAT,
        "add_members",
        _kinds(AddMembers),
        _kinds(GroupInfo),
        "Add members to a group (its creator only).",
    ),
    Operation(
        CHAT,
        "remove_members",
        _kinds(RemoveMembers),
        _kinds(GroupInfo),
        "Remove members (the creator anyone but itself, others only themselves).",
    ),
    Operation(
        CHAT, "leave_group", _kinds(LeaveGroup), _kinds(GroupInfo), "The sender leaves a group."
    ),
    Operation(
        CHAT,
        "close_group",
        _kinds(CloseGroupBody),
        _kinds(GroupInfo),
        "Close a group (its creator only); later posts are refused.",
    ),
    Operation(
        CHAT,
        "set_turns",
        _kinds(SetTurns),
        _kinds(GroupInfo),
        "Give a group a new turn budget, counting from 0 (its creator only).",
    ),
    Operation(
        CHAT,
        "post",
        tuple(sorted(GROUP_KINDS)),
        _kinds(Posted),
        "Append a message to the envelope's group; answered once the append is durable.",
    ),
    Operation(
        CHAT,
        "history",
        _kinds(History),
        _kinds(HistoryPage),
        "Page through a group's log (members and observers).",
    ),
    Operation(
        CHAT,
        "pending",
        _kinds(Pending),
        _kinds(PendingMessages),
        "The messages that wait for the sender's answer (mention it or name it next).",
    ),
    Operation(
        COORDINATOR,
        "start",
        _kinds(StartConversation),
        _kinds(ConversationState),
        "Start a conversation for a goal; the coordinator forms a team and leads it.",
    ),
    Operation(
        COORDINATOR,
        "get",
        _kinds(GetConversation),
        _kinds(ConversationState),
        "A conversation's current state.",
    ),
    Operation(
        COORDINATOR,
        "list",
        _kinds(ListConversations),
        _kinds(ConversationList),
        "The sender's own conversations, newest first, paged, optionally by state.",
    ),
    Operation(
        COORDINATOR,
        "accept",
        _kinds(TeamAccept),
        _kinds(Ack),
        "Accept an invitation to a conversation's team.",
    ),
    Operation(
        COORDINATOR,
        "decline",
        _kinds(TeamDecline),
        _kinds(Ack),
        "Decline an invitation, with a reason.",
    ),
    Operation(
        COORDINATOR,
        "cancel",
        _kinds(CancelConversation),
        _kinds(ConversationState),
        "Cancel a conversation; its open tasks are called off.",
    ),
    Operation(
        COORDINATOR,
        "continue",
        _kinds(ContinueConversation),
        _kinds(ConversationState),
        "A follow-up goal for a concluded conversation: same team, same history.",
    ),
    Operation(
        COORDINATOR,
        "sub_team",
        _kinds(RequestSubTeam),
        _kinds(ConversationState),
        "A member asks for a sub-team to do its task; the child's conclusion is the result.",
    ),
    Operation(
        COORDINATOR,
        "post",
        _kinds(ChatMessage),
        _kinds(Ack),
        "The requester's (or an observer's) message for a conversation (the envelope's "
        "conversation) that has no group yet: kept, and posted to the group once it exists.",
    ),
)

DELIVERIES: tuple[Delivery, ...] = (
    Delivery(
        "inbox.invite",
        "to.{agent}.invite",
        _kinds(TeamInvite),
        publisher=COORDINATOR,
        subscribers="the invited agent (its durable inbox consumer)",
        summary="An invitation to join a conversation's team; answer with coordinator.accept "
        "or coordinator.decline before its deadline.",
    ),
    Delivery(
        "inbox.group",
        "to.{agent}.group.{group}",
        tuple(sorted(GROUP_KINDS)),
        publisher=CHAT,
        subscribers="each member of the group (its durable inbox consumer)",
        summary="A copy of every message appended to a group the agent is a member of, "
        "in log order.",
    ),
    Delivery(
        "group.log",
        "group.{group}.log",
        tuple(sorted(GROUP_KINDS)),
        publisher=CHAT,
        subscribers="the chat service's fan-out, and observers with read access (the gateway)",
        summary="The group's ordered, durable log: the single source of truth for its history. "
        "Only the chat service writes it.",
    ),
    Delivery(
        "events.agent",
        "events.agent.{status}",
        _kinds(AgentStatus),
        publisher=REGISTRY,
        subscribers="observers (the gateway, the web UI)",
        summary="An agent came online or went offline; {status} is 'online' or 'offline'.",
    ),
    Delivery(
        "events.conversation",
        "events.conversation.{conversation}",
        _kinds(ConversationState),
        publisher=COORDINATOR,
        subscribers="observers (the gateway streams it to the user)",
        summary="A conversation's state after every change.",
    ),
)

PARAMETERS: dict[str, str] = {
    "agent": "An agent id (letters, digits, _ - :); in a request, the authenticated sender.",
    "group": "A group id.",
    "conversation": "A conversation id.",
    "status": "'online' or 'offline'.",
}
