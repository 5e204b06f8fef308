"""What every front door (REST, OpenAI-compatible, A2A, the web UI) asks of the network:
start, follow up, list and cancel a user's conversations, read and post in their groups,
and wait for one to end."""

import asyncio
import contextlib
from typing import Any, TypeVar

from nats.aio.msg import Msg

from gateway.feed import get_state
from gateway.keys import Caller
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import InvalidMessage, IoaError
from protocol.kinds import (
    TERMINAL_STATES,
    AgentInfo,
    CancelConversation,
    ChatMessage,
    ContinueConversation,
    ConversationList,
    ConversationState,
    GetAgent,
    History,
    HistoryPage,
    ListConversations,
    StartConversation,
)
from protocol.kinds.base import Body
from protocol.subjects import CHAT, COORDINATOR, REGISTRY

GATEWAY = "gateway"

B = TypeVar("B", bound=Body)


def _expect(reply: Envelope[Any], kind: type[B], service: str, op: str) -> B:
    """The reply's body, which must be a ``kind``."""
    if not isinstance(reply.body, kind):
        raise InvalidMessage(f"the {service} answered {op} with {reply.type!r}")
    return reply.body


async def start(conn: Connection, caller: Caller, start: StartConversation) -> ConversationState:
    """Start a conversation as ``caller``'s user (its requester, and a member of its
    group; the gateway observes it). Who may see it from then on is the coordinator's
    word: every door asks it as the user."""
    observers = list(dict.fromkeys([*start.observers, GATEWAY]))
    body = start.model_copy(update={"observers": observers})
    reply = await conn.send(COORDINATOR, "start", Envelope.of(body, sender=caller.user))
    return _expect(reply, ConversationState, "coordinator", "start")


async def _as_user(
    conn: Connection, caller: Caller, op: str, body: Any, conversation: str
) -> ConversationState:
    """Ask the coordinator for ``op`` on ``conversation`` as ``caller``'s user: it
    answers someone else's conversation as an unknown one."""
    envelope = Envelope.of(body, sender=caller.user, conversation=conversation)
    return _expect(await conn.send(COORDINATOR, op, envelope), ConversationState, "coordinator", op)


async def follow_up(
    conn: Connection, caller: Caller, conversation: str, goal: str
) -> ConversationState:
    """Give a concluded conversation a follow-up goal, as ``caller``'s user."""
    body = ContinueConversation(conversation=conversation, goal=goal)
    return await _as_user(conn, caller, "continue", body, conversation)


async def list_conversations(
    conn: Connection, caller: Caller, ask: ListConversations
) -> ConversationList:
    """A page of ``caller``'s user's conversations."""
    reply = await conn.send(COORDINATOR, "list", Envelope.of(ask, sender=caller.user))
    return _expect(reply, ConversationList, "coordinator", "list")


async def cancel(
    conn: Connection, caller: Caller, conversation: str, reason: str
) -> ConversationState:
    """Ask the coordinator to stop ``conversation``, as ``caller``'s user."""
    ask = CancelConversation(conversation=conversation, reason=reason)
    return await _as_user(conn, caller, "cancel", ask, conversation)


async def history(conn: Connection, conversation: str, ask: History) -> HistoryPage:
    """A page of ``conversation``'s group log."""
    reply = await conn.request(CHAT, "history", ask, conversation=conversation)
    return _expect(reply, HistoryPage, "chat service", "history")


async def wait_until_over(
    conn: Connection,
    caller: Caller,
    conversation: str,
    seconds: float,
    *,
    not_before: str | None = None,
) -> ConversationState:
    """The conversation's state once it is terminal (or the last one seen after
    ``seconds``). State events wake the wait; a slow poll covers a missed event.
    ``not_before``: ignore terminal states last updated at or before this ISO time
    (a follow-up of a concluded conversation is terminal until the coordinator moves)."""
    changed = asyncio.Event()

    async def on_event(msg: Msg) -> None:
        changed.set()

    sub = await conn.nc.subscribe(conn.subjects.event("conversation", conversation), cb=on_event)
    deadline = asyncio.get_running_loop().time() + seconds
    try:
        while True:
            state = await get_state(conn, conversation, reader=caller.user)
            fresh = not_before is None or state.updated_at.isoformat() > not_before
            if state.state in TERMINAL_STATES and fresh:
                return state
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return state
            changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=min(left, 2.0))
    finally:
        with contextlib.suppress(IoaError, Exception):
            await sub.unsubscribe()


async def say(conn: Connection, env: Envelope[ChatMessage]) -> int:
    """Post a person's message into its conversation's group; the group log's sequence.
    While the team is still forming (no group yet) the coordinator keeps the message and
    posts it once the group exists: the sequence is then 0."""
    if env.group is None:
        await conn.send(COORDINATOR, "post", env)
        return 0
    reply = await conn.send(CHAT, "post", env)
    seq: int = reply.body.seq
    return seq


async def agent_info(conn: Connection, agent: str) -> AgentInfo:
    """``agent``'s card as the registry has it, and whether it is online."""
    reply = await conn.request(REGISTRY, "get_agent", GetAgent(agent=agent))
    return _expect(reply, AgentInfo, "registry", "get_agent")
