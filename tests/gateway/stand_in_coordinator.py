"""A STAND-IN coordinator for the gateway's tests: NOT the real coordinator.

It exists only because the real coordinator (services/coordinator) was being
written in parallel when the gateway was; replace it with the real one's
``serve`` once that is stable. It is built on the real service runtime
(:class:`protocol.service.Service`) and speaks the real contract:

- ``start(StartConversation)`` → ``ConversationState`` ("forming", trace_id set);
  with ``create_groups=True`` it also asks the (real) chat service for the
  conversation's group, with the start's observers as group observers.
- ``get(GetConversation)`` → ``ConversationState``, or ``NotFound``.

Tests drive the conversation by hand: :meth:`change` stores a new state and
publishes it as an event with ``Connection.deliver`` (the EVENTS stream), and
:meth:`log` appends an envelope to a group's log in the GROUPS stream.
"""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import NotFound
from protocol.ids import new_id
from protocol.kinds import (
    Body,
    ConversationState,
    CreateGroup,
    GetConversation,
    GroupInfo,
    StartConversation,
)
from protocol.service import Service
from protocol.settings import ServiceSettings
from protocol.streams import ensure_stream, event_stream, group_stream
from protocol.subjects import CHAT, COORDINATOR
from protocol.tracing import current_trace_id


class StandInCoordinator:
    """Answers ``start`` and ``get`` from a dict; tests change states by hand."""

    def __init__(self, conn: Connection, *, create_groups: bool = False) -> None:
        self.conn = conn
        self.create_groups = create_groups
        self.states: dict[str, ConversationState] = {}
        self.starts: list[Envelope[StartConversation]] = []
        self.start_trace_ids: list[str | None] = []
        self.service = Service(conn, COORDINATOR, "0.0.0-stand-in")
        self.service.handler("start")(self._start)
        self.service.handler("get")(self._get)

    async def _start(self, env: Envelope[StartConversation]) -> ConversationState:
        self.starts.append(env)
        self.start_trace_ids.append(current_trace_id())
        conversation = new_id()
        group = None
        if self.create_groups:
            reply = await self.conn.request(
                CHAT,
                "create_group",
                CreateGroup(conversation=conversation, observers=env.body.observers),
                conversation=conversation,
            )
            assert isinstance(reply.body, GroupInfo)
            group = reply.body.group
        now = datetime.now(UTC)
        state = ConversationState(
            conversation=conversation,
            goal=env.body.goal,
            state="forming",
            group=group,
            trace_id=current_trace_id(),
            created_at=now,
            updated_at=now,
        )
        self.states[conversation] = state
        return state

    async def _get(self, env: Envelope[GetConversation]) -> ConversationState:
        state = self.states.get(env.body.conversation)
        if state is None:
            raise NotFound(f"no conversation {env.body.conversation!r}", in_reply_to=env.id)
        return state

    async def change(self, conversation: str, **changes: Any) -> ConversationState:
        """Store a new state of ``conversation`` and publish it as the coordinator does."""
        state = self.states[conversation].model_copy(
            update={**changes, "updated_at": datetime.now(UTC)}
        )
        self.states[conversation] = state
        env = Envelope.of(state, sender=COORDINATOR, conversation=conversation)
        await self.conn.deliver(self.conn.subjects.event("conversation", conversation), env)
        return state

    async def log(self, group: str, body: Body, *, sender: str = COORDINATOR) -> int:
        """Append a message to a group's log directly (as the chat service would)."""
        env = Envelope.of(body, sender=sender, group=group)
        ack = await self.conn.deliver(self.conn.subjects.group_log(group), env)
        return ack.seq

    async def post(self, group: str, body: Body) -> int:
        """Post through the real chat service, as the coordinator (a member) does."""
        env = Envelope.of(body, sender=COORDINATOR, group=group)
        reply = await self.conn.send(CHAT, "post", env)
        seq: int = reply.body.seq
        return seq


@asynccontextmanager
async def stand_in_coordinator(
    settings: ServiceSettings, *, create_groups: bool = False
) -> AsyncIterator[StandInCoordinator]:
    """Run the stand-in; make sure the EVENTS and GROUPS streams exist."""
    async with AsyncExitStack() as stack:
        conn = await stack.enter_async_context(Connection(settings, COORDINATOR))
        await ensure_stream(conn.js, event_stream(conn.subjects))
        await ensure_stream(conn.js, group_stream(conn.subjects))
        coordinator = StandInCoordinator(conn, create_groups=create_groups)
        await stack.enter_async_context(coordinator.service)
        yield coordinator
