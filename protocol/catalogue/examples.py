"""One example envelope of every kind, and a whole conversation as a sequence of them.

The examples are fixed (ids and timestamps included) so the documents generated
from them are stable. ``docs/protocol.md`` shows them; a test decodes each one.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from protocol.envelope import Envelope
from protocol.errors import ErrorCode
from protocol.kinds import (
    Ack,
    AddMembers,
    Admit,
    Admitted,
    AgentCard,
    AgentInfo,
    AgentStatus,
    Body,
    Budget,
    CancelConversation,
    ChatMessage,
    CloseGroup,
    Conclude,
    Conclusion,
    ContinueConversation,
    ConversationList,
    ConversationState,
    CreateGroup,
    DataPart,
    Deregister,
    ErrorBody,
    FilePart,
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
    LoggedMessage,
    Member,
    Pause,
    Pending,
    PendingMessages,
    Posted,
    Provider,
    Register,
    RemoveMembers,
    RequestSubTeam,
    Revoke,
    Revoked,
    Search,
    SearchHit,
    SearchResults,
    SetTurns,
    Skill,
    StartConversation,
    TaskAssign,
    TaskCancelled,
    TaskFailed,
    TaskProgress,
    TaskRecord,
    TaskResult,
    TeamAccept,
    TeamDecline,
    TeamInvite,
    TeamLeave,
    TextPart,
    Update,
)
from protocol.subjects import ADMIN, CHAT, COORDINATOR, REGISTRY, Subjects

T0 = datetime(2025, 1, 6, 9, 0, 0, tzinfo=UTC)
USER = "user:ada"
AGENT = "calculator"
CONV = "conv-7f3a"
GROUP = "grp-7f3a"
TASK = "task-1"

CARD = AgentCard(
    id=AGENT,
    name="Calculator",
    description="Evaluates arithmetic expressions exactly.",
    version="1.2.0",
    provider=Provider(organization="Example Org", url="https://example.org"),
    skills=[
        Skill(
            id="arithmetic",
            name="Arithmetic",
            description="Adds, subtracts, multiplies and divides.",
            tags=["math", "calculator"],
            examples=["What is 12 * (3 + 4)?"],
        )
    ],
    max_concurrent_tasks=4,
)


def _ts(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


STATE = ConversationState(
    conversation=CONV,
    goal="What is 12 * (3 + 4)?",
    state="concluded",
    group=GROUP,
    members=[Member(agent=AGENT, role="member", reason="has the arithmetic skill", score=0.92)],
    conclusion="12 * (3 + 4) = 84.",
    turns=1,
    tokens=412,
    prompt_tokens=350,
    completion_tokens=62,
    tasks=[
        TaskRecord(
            task_id=TASK,
            assignee=AGENT,
            description="Compute 12 * (3 + 4).",
            outcome="done",
            result="84",
        )
    ],
    created_at=_ts(0),
    updated_at=_ts(9),
)

_CHAT = ChatMessage(
    text="Goal: What is 12 * (3 + 4)?\nTeam:\n- calculator: has the arithmetic skill",
    next_speakers=[AGENT],
    mentions=[AGENT],
    parts=[
        TextPart(text="Show your working."),
        DataPart(data={"expression": "12 * (3 + 4)"}),
        FilePart(
            url="https://example.org/brief.pdf", name="brief.pdf", media_type="application/pdf"
        ),
    ],
)

_GROUP_INFO = GroupInfo(
    group=GROUP,
    conversation=CONV,
    title="12 * (3 + 4)",
    created_by=COORDINATOR,
    members=[COORDINATOR, AGENT],
    observers=[USER],
)
_LOGGED = LoggedMessage(
    seq=1,
    envelope={
        "protocol": "ioa/1",
        "id": "msg-0006",
        "type": "chat_message",
        "sender": COORDINATOR,
        "ts": "2025-01-06T09:00:06Z",
        "conversation": CONV,
        "group": GROUP,
        "body": {"text": "Goal: What is 12 * (3 + 4)?", "next_speakers": [AGENT]},
    },
)

# kind -> (body, sender, conversation, group, in_reply_to)
_BODIES: list[tuple[Body, str, str | None, str | None, str | None]] = [
    (Ack(), COORDINATOR, CONV, None, "msg-0005"),
    (CARD, AGENT, None, None, None),
    (Register(card=CARD, lease_seconds=15.0), AGENT, None, None, None),
    (Update(card=CARD), AGENT, None, None, None),
    (Heartbeat(), AGENT, None, None, None),
    (Deregister(), AGENT, None, None, None),
    (Lease(agent=AGENT, lease_seconds=15.0, expires_at=_ts(15)), REGISTRY, None, None, "msg-0001"),
    (Search(query="arithmetic", tags=["math"], limit=5), COORDINATOR, CONV, None, None),
    (
        SearchResults(hits=[SearchHit(card=CARD, online=True, score=0.92, lexical_score=3.1)]),
        REGISTRY,
        CONV,
        None,
        None,
    ),
    (GetAgent(agent=AGENT), USER, None, None, None),
    (AgentInfo(card=CARD, online=True, last_seen=_ts(1)), REGISTRY, None, None, None),
    (AgentStatus(agent=AGENT, online=True, reason="registered"), REGISTRY, None, None, None),
    (Admit(agent=AGENT), ADMIN, None, None, None),
    (
        Admitted(
            agent=AGENT,
            public_key="UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4",
            creds="-----BEGIN NATS USER JWT-----\n…\n------END USER NKEY SEED------\n",
            issued_at=_ts(0),
        ),
        REGISTRY,
        None,
        None,
        None,
    ),
    (Revoke(agent=AGENT), ADMIN, None, None, None),
    (
        Revoked(
            agent=AGENT, public_keys=["UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4"]
        ),
        REGISTRY,
        None,
        None,
        None,
    ),
    (
        CreateGroup(
            conversation=CONV,
            title="12 * (3 + 4)",
            members=[AGENT],
            observers=[USER],
            max_turns=8,
        ),
        COORDINATOR,
        CONV,
        None,
        None,
    ),
    (GetGroup(group=GROUP), USER, CONV, None, None),
    (CloseGroup(group=GROUP), COORDINATOR, CONV, None, None),
    (SetTurns(group=GROUP, max_turns=8), COORDINATOR, CONV, None, None),
    (AddMembers(group=GROUP, members=["writer"]), COORDINATOR, CONV, None, None),
    (RemoveMembers(group=GROUP, members=["writer"]), COORDINATOR, CONV, None, None),
    (LeaveGroup(group=GROUP), AGENT, CONV, None, None),
    (ListGroups(state="open", limit=20), AGENT, None, None, None),
    (GroupList(groups=[_GROUP_INFO]), CHAT, None, None, None),
    (Pending(group=GROUP, limit=20), AGENT, None, None, None),
    (PendingMessages(messages=[_LOGGED]), CHAT, None, None, None),
    (_GROUP_INFO, CHAT, CONV, None, None),
    (Posted(group=GROUP, seq=1), CHAT, CONV, GROUP, "msg-0006"),
    (History(group=GROUP, after=0, limit=50), USER, CONV, None, None),
    (
        HistoryPage(group=GROUP, messages=[_LOGGED], last_seq=1),
        CHAT,
        CONV,
        None,
        None,
    ),
    (_CHAT, COORDINATOR, CONV, GROUP, None),
    (
        TeamInvite(
            conversation=CONV,
            goal="What is 12 * (3 + 4)?",
            role="Compute 12 * (3 + 4).",
            deadline=_ts(33),
        ),
        COORDINATOR,
        CONV,
        None,
        None,
    ),
    (TeamAccept(conversation=CONV), AGENT, CONV, None, None),
    (TeamDecline(conversation=CONV, reason="at capacity"), AGENT, CONV, None, None),
    (TeamLeave(conversation=CONV, reason="shutting down"), AGENT, CONV, None, None),
    (
        TaskAssign(
            task_id=TASK,
            assignee=AGENT,
            description="Compute 12 * (3 + 4).",
            mode="sync",
            inputs={"goal": "What is 12 * (3 + 4)?"},
            criteria="A single number.",
            deadline=_ts(95),
        ),
        COORDINATOR,
        CONV,
        GROUP,
        None,
    ),
    (TaskProgress(task_id=TASK, text="parsing", percent=50.0), AGENT, CONV, GROUP, None),
    (
        TaskResult(task_id=TASK, text="84", data={"value": 84}),
        AGENT,
        CONV,
        GROUP,
        "msg-0007",
    ),
    (TaskFailed(task_id=TASK, reason="division by zero"), AGENT, CONV, GROUP, "msg-0007"),
    (TaskCancelled(task_id=TASK, reason="the budget ran out"), COORDINATOR, CONV, GROUP, None),
    (Pause(triggers=[TASK], reason="waiting for the async task"), COORDINATOR, CONV, GROUP, None),
    (
        StartConversation(
            goal="What is 12 * (3 + 4)?",
            max_team=2,
            policy="sequential",
            budget=Budget(max_turns=4, max_seconds=120.0),
        ),
        USER,
        None,
        None,
        None,
    ),
    (GetConversation(conversation=CONV), USER, CONV, None, None),
    (CancelConversation(conversation=CONV, reason="no longer needed"), USER, CONV, None, None),
    (ContinueConversation(conversation=CONV, goal="And divided by 7?"), USER, CONV, None, None),
    (
        RequestSubTeam(conversation=CONV, task_id=TASK, goal="Check the result twice."),
        AGENT,
        CONV,
        None,
        None,
    ),
    (STATE, COORDINATOR, CONV, None, None),
    (Conclude(reason="every task is done"), COORDINATOR, CONV, GROUP, None),
    (Conclusion(text="12 * (3 + 4) = 84."), COORDINATOR, CONV, GROUP, None),
    (
        ErrorBody(code=ErrorCode.NOT_A_MEMBER, message="'mallory' is not a member of 'grp-7f3a'"),
        CHAT,
        CONV,
        GROUP,
        "msg-0099",
    ),
    (ListConversations(states=["concluded"], limit=20), USER, None, None, None),
    (ConversationList(conversations=[STATE], total=1), COORDINATOR, None, None, None),
]


def _envelope(
    index: int, spec: tuple[Body, str, str | None, str | None, str | None]
) -> Envelope[Any]:
    body, sender, conversation, group, in_reply_to = spec
    env = Envelope.of(
        body,
        sender=sender,
        conversation=conversation,
        group=group,
        in_reply_to=in_reply_to,
        id=f"ex-{index + 1:03d}",
    )
    return env.model_copy(update={"ts": _ts(index)})


EXAMPLES: dict[str, Envelope[Any]] = {
    spec[0].KIND: _envelope(i, spec) for i, spec in enumerate(_BODIES)
}
"""One example envelope per kind, keyed by kind."""


def example(kind: str) -> Envelope[Any]:
    """The example envelope of ``kind``; every kind in ``KINDS`` needs one."""
    try:
        return EXAMPLES[kind]
    except KeyError:
        raise KeyError(
            f"kind {kind!r} has no example: add one to protocol/catalogue/examples.py"
        ) from None


@dataclass(frozen=True, slots=True)
class Step:
    """One message of the example conversation, on the subject it travels on."""

    subject: str
    says: str
    envelope: Envelope[Any]


def _step(
    n: int,
    subject: str,
    says: str,
    body: Body,
    *,
    sender: str,
    conversation: str | None = None,
    group: str | None = None,
    in_reply_to: str | None = None,
) -> Step:
    env = Envelope.of(
        body,
        sender=sender,
        conversation=conversation,
        group=group,
        in_reply_to=in_reply_to,
        id=f"msg-{n:04d}",
    )
    return Step(subject, says, env.model_copy(update={"ts": _ts(n)}))


def conversation(subjects: Subjects | None = None) -> list[Step]:
    """A whole conversation: register, start, invite, accept, group messages, a task,
    its result, the conclusion, and the final state event."""
    s = subjects or Subjects()
    return [
        _step(1, s.request(AGENT, REGISTRY, "register"), "The agent registers its card.",
              Register(card=CARD), sender=AGENT),
        _step(2, "(reply inbox)", "The registry answers with the lease; heartbeat well within it.",
              Lease(agent=AGENT, lease_seconds=15.0, expires_at=_ts(17)),
              sender=REGISTRY, in_reply_to="msg-0001"),
        _step(3, s.request(USER, COORDINATOR, "start"), "A user (through the gateway) starts a "
              "conversation.", StartConversation(goal="What is 12 * (3 + 4)?", max_team=2),
              sender=USER),
        _step(4, s.inbox(AGENT, "invite"), "The coordinator searched the registry and invites "
              "the agent through its inbox.",
              TeamInvite(conversation=CONV, goal="What is 12 * (3 + 4)?",
                         role="Compute 12 * (3 + 4).", deadline=_ts(34)),
              sender=COORDINATOR, conversation=CONV),
        _step(5, s.request(AGENT, COORDINATOR, "accept"), "The agent accepts (then acks the "
              "inbox message).", TeamAccept(conversation=CONV), sender=AGENT, conversation=CONV),
        _step(6, s.inbox(AGENT, "group", GROUP), "The coordinator posted the opening message "
              "(chat.post); the chat service appended it to the group log and delivers it to "
              "every member.", ChatMessage(text="Goal: What is 12 * (3 + 4)?\nTeam:\n"
                                           "- calculator: has the arithmetic skill"),
              sender=COORDINATOR, conversation=CONV, group=GROUP),
        _step(7, s.inbox(AGENT, "group", GROUP), "A sync task for the agent, delivered the "
              "same way.",
              TaskAssign(task_id=TASK, assignee=AGENT, description="Compute 12 * (3 + 4).",
                         inputs={"goal": "What is 12 * (3 + 4)?"}, deadline=_ts(97)),
              sender=COORDINATOR, conversation=CONV, group=GROUP),
        _step(8, s.request(AGENT, CHAT, "post"), "The agent posts its result to the group.",
              TaskResult(task_id=TASK, text="84", data={"value": 84}),
              sender=AGENT, conversation=CONV, group=GROUP, in_reply_to="msg-0007"),
        _step(9, "(reply inbox)", "The chat service confirms the durable append.",
              Posted(group=GROUP, seq=3), sender=CHAT, conversation=CONV, group=GROUP,
              in_reply_to="msg-0008"),
        _step(10, s.inbox(AGENT, "group", GROUP), "The coordinator concludes; every member "
              "gets the conclusion.", Conclusion(text="12 * (3 + 4) = 84."),
              sender=COORDINATOR, conversation=CONV, group=GROUP),
        _step(11, s.event("conversation", CONV), "Observers see the final state.",
              STATE.model_copy(update={"updated_at": _ts(11)}),
              sender=COORDINATOR, conversation=CONV),
    ]  # fmt: skip
