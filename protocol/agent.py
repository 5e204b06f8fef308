"""The agent runtime: register, keep the lease, consume the durable inbox, answer.

Subclass :class:`Agent` and override the hooks you need::

    class Echo(Agent):
        async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed:
            return TaskResult(task_id=env.body.task_id, text=env.body.description)

    async with Echo(card, NatsSettings()) as agent:
        await until_signalled()

The runtime registers the card, renews its lease with heartbeats (and registers
again if the registry forgot it), reads the agent's inbox through one durable
JetStream consumer, handles each message once (a redelivered id is skipped),
acknowledges it only after handling, and carries the trace context along.

A reply to a message (a turn's answer, a task's outcome) gets an envelope id
derived from the agent and the message it answers (:func:`reply_id`), and is
written into the inbox's handled record before it is posted
(:meth:`Agent.answer`). If the agent dies after that, the redelivered message
is not handled again: the recorded reply is posted again, with the same id, and
the chat service stores it once. Only a crash between the end of the work and
that record (one KV write) makes the work run again; its reply is then still
stored once.
"""

import asyncio
import contextlib
import hashlib
import json
import math
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

import structlog

from protocol.connection import Connection
from protocol.envelope import Envelope, decode
from protocol.errors import BudgetSpent, IoaError, NotFound, RateLimited, Timeout, Unavailable
from protocol.inbox import Inbox
from protocol.kinds import (
    GROUP_KINDS,
    AgentCard,
    Body,
    ChatMessage,
    ConversationState,
    Heartbeat,
    Posted,
    Register,
    RequestSubTeam,
    TaskAssign,
    TaskFailed,
    TaskResult,
    TeamAccept,
    TeamDecline,
    TeamInvite,
)
from protocol.lifecycle import cancel_until_done
from protocol.retry import OUT_OF_REACH, retrying
from protocol.settings import NatsSettings
from protocol.subjects import CHAT, COORDINATOR, REGISTRY

log = structlog.get_logger("ioa.agent")

REGISTER_PAUSE = 5.0
"""The longest pause between two attempts to register (the first pauses are shorter)."""

HOOKS = frozenset({"on_invite", "on_task", "on_turn", "on_group_message"})
HookT = TypeVar("HookT", bound=Callable[..., Awaitable[Any]])


def reply_id(agent: str, message_id: str) -> str:
    """The envelope id of ``agent``'s reply to ``message_id``: the same every time."""
    digest = hashlib.blake2b(f"{agent}\n{message_id}".encode(), digest_size=16).hexdigest()
    return f"re-{digest}"


class Agent:
    """One agent on the network. Override :meth:`on_task`, :meth:`on_turn`, :meth:`on_invite`."""

    def __init__(
        self,
        card: AgentCard,
        settings: NatsSettings,
        *,
        lease_seconds: float = 15.0,
        history_size: int = 50,
        seen_size: int = 10_000,
        ack_wait: float = 30.0,
        register_seconds: float = math.inf,
    ) -> None:
        """``register_seconds``: how long to keep asking the registry to register the
        card before giving up (default: until it succeeds or the agent is stopped)."""
        self.card = card
        self.register_seconds = register_seconds
        self.id = card.id
        self.settings = settings
        self.lease_seconds = lease_seconds
        self.conn = Connection(settings, card.id)
        self.log = log.bind(agent=card.id)
        self._histories: dict[str, deque[Envelope[Any]]] = {}
        self._history_size = history_size
        self._inbox = Inbox(
            self.conn,
            card.id,
            self._dispatch,
            seen_size=seen_size,
            ack_wait=ack_wait,
            # On an open network it makes its own consumer once the chat service has made
            # the inbox stream, however long that takes (parts start in any order).
            stream_wait=math.inf,
            on_invalid=self._answer_invalid,
            on_resume=self._resume,
        )
        # Created on entry: an Agent may be built outside a running event loop.
        self._heartbeat: asyncio.Task[None] | None = None

    # --- hooks ------------------------------------------------------------------
    async def on_invite(self, env: Envelope[TeamInvite]) -> TeamDecline | None:
        """Return ``None`` to accept an invitation, or a :class:`TeamDecline`."""
        return None

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        """Do a task assigned to this agent.

        Return ``None`` when the result comes another way: after
        :meth:`request_sub_team`, the sub-team's conclusion is the task's result.
        """
        return TaskFailed(task_id=env.body.task_id, reason=f"{self.id} does not take tasks")

    async def on_turn(self, env: Envelope[ChatMessage]) -> str | ChatMessage | None:
        """Answer a discussion message that names this agent as a next speaker.

        Return a :class:`ChatMessage` to name the next speakers yourself.
        """
        return None

    async def on_group_message(self, env: Envelope[Any]) -> None:
        """See every message of this agent's groups (after the hooks above)."""

    # --- helpers ----------------------------------------------------------------
    def hook(self, fn: HookT) -> HookT:
        """Use ``fn`` as this agent's hook of the same name: hooks without a subclass.

        >>> agent = Agent(AgentCard(id="shouter", name="Shouter"), NatsSettings())
        >>> @agent.hook
        ... async def on_task(env: Envelope[TaskAssign]) -> TaskResult:
        ...     return TaskResult(task_id=env.body.task_id, text=env.body.description.upper())
        >>> task = TaskAssign(task_id="t1", assignee="shouter", description="hello")
        >>> env = Envelope.of(task, sender="coordinator", group="g1")
        >>> asyncio.run(agent.on_task(env)).text
        'HELLO'
        """
        if fn.__name__ not in HOOKS:
            raise ValueError(f"{fn.__name__!r} is not a hook; name it one of {sorted(HOOKS)}")
        setattr(self, fn.__name__, fn)
        return fn

    def history(self, group: str) -> list[Envelope[Any]]:
        """The recent messages of a group, oldest first, as this agent received them."""
        return list(self._histories.get(group, ()))

    async def post(
        self,
        group: str,
        body: Body,
        *,
        conversation: str | None = None,
        in_reply_to: str | None = None,
        id: str | None = None,
        retry_for: float = 30.0,
    ) -> Posted:
        """Post ``body`` to ``group``; a retry with the same ``id`` is stored once.

        While NATS or the chat service is away (an outage, a restart) or sheds load
        (``rate_limited``), the same envelope is sent again for up to ``retry_for``
        seconds: a result worked out just before an outage is not lost, and the chat
        service stores it once.
        """
        env = Envelope.of(
            body,
            sender=self.id,
            conversation=conversation,
            group=group,
            in_reply_to=in_reply_to,
            id=id,
        )
        return await self._send_post(env, retry_for=retry_for)

    async def answer(
        self, handling: Envelope[Any], body: Body, *, to: Envelope[Any] | None = None
    ) -> Posted:
        """Post ``body`` to the group of the inbox message being handled (``handling``) as
        the answer to ``to`` (default: that message), with the id :func:`reply_id` gives.

        The answer is recorded as ``handling``'s outcome before it is posted, so a crash
        from here on does not run the work again: the restarted agent posts the
        recorded answer (stored once by the chat service)."""
        target = to or handling
        if handling.group is None:
            raise ValueError("only a group message can be answered in its group")
        env = Envelope.of(
            body,
            sender=self.id,
            conversation=handling.conversation,
            group=handling.group,
            in_reply_to=target.id,
            id=reply_id(self.id, target.id),
        )
        await self._inbox.record_answer(handling.id, env.encode())
        return await self._send_post(env)

    async def _resume(self, handling: Envelope[Any], recorded: bytes) -> None:
        """Post again the answer recorded for ``handling`` before a crash (see :meth:`answer`)."""
        try:
            env = decode(recorded, max_bytes=len(recorded) + 1)
        except IoaError as exc:  # not ours to guess at: the work stays done
            self.log.warning("a recorded answer is unreadable", message=handling.id, error=str(exc))
            return
        self.log.info("posting an answer recorded before a restart", message=handling.id)
        await self._send_post(env)

    async def _send_post(self, env: Envelope[Any], *, retry_for: float = 30.0) -> Posted:
        reply = await retrying(
            lambda: self.conn.send(CHAT, "post", env),
            seconds=retry_for,
            why="chat unreachable or busy; posting again",
            transient=(*OUT_OF_REACH, RateLimited),
            log=self.log,
        )
        posted: Posted = reply.body
        return posted

    # --- lifecycle --------------------------------------------------------------
    async def __aenter__(self) -> Self:
        await self.conn.__aenter__()
        await self._register()
        await self._inbox.__aenter__()
        self._heartbeat = asyncio.create_task(self._heartbeats(), name=f"{self.id}-heartbeat")
        self.log.info("agent online", skills=[s.id for s in self.card.skills])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._heartbeat is not None:
            await cancel_until_done(self._heartbeat)
        await self._inbox.__aexit__(exc_type, exc, tb)
        await self.conn.__aexit__(exc_type, exc, tb)
        self.log.info("agent stopped")

    async def _register(self) -> None:
        """Register the card; while the registry is not up yet, or cannot finish the
        registration yet (its answer is ``unavailable`` until the chat service has made
        the inboxes), ask again with a growing pause: parts of a network start in any
        order, and the same envelope is sent each time."""
        env = Envelope.of(
            Register(card=self.card, lease_seconds=self.lease_seconds), sender=self.id
        )
        await retrying(
            lambda: self.conn.send(REGISTRY, "register", env),
            seconds=self.register_seconds,
            why="cannot register yet; asking the registry again",
            transient=(*OUT_OF_REACH, RateLimited),
            log=self.log,
            longest_pause=REGISTER_PAUSE,
        )

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                await self.conn.request(REGISTRY, "heartbeat", Heartbeat(), traced=False)
            except NotFound:
                self.log.warning("registry forgot this agent; registering again")
                with contextlib.suppress(IoaError):
                    await self._register()
            except IoaError as exc:
                self.log.warning("heartbeat failed", error=str(exc))

    async def _dispatch(self, env: Envelope[Any]) -> None:
        if isinstance(env.body, TeamInvite):
            await self._answer_invite(env)
            return
        if env.type not in GROUP_KINDS or env.group is None:
            await self.on_group_message(env)
            return
        self._histories.setdefault(env.group, deque(maxlen=self._history_size)).append(env)
        if env.sender != self.id:
            body = env.body
            if isinstance(body, TaskAssign) and body.assignee == self.id:
                await self._do_task(env)
            elif isinstance(body, ChatMessage) and self.id in body.next_speakers:
                said = await self.on_turn(env)
                if said:
                    try:
                        await self.answer(
                            env, said if isinstance(said, ChatMessage) else ChatMessage(text=said)
                        )
                    except BudgetSpent as exc:  # the talk is over; not this agent's fault
                        self.log.info("the group's turns are spent", error=exc.message)
        await self.on_group_message(env)

    async def _answer_invite(self, env: Envelope[TeamInvite]) -> None:
        decline = await self.on_invite(env)
        answer: Body = decline or TeamAccept(conversation=env.body.conversation)
        op = "decline" if decline else "accept"
        reply = Envelope.of(answer, sender=self.id, conversation=env.body.conversation)
        deadline = env.body.deadline or datetime.now(UTC) + timedelta(seconds=30)
        while True:
            try:
                await self.conn.send(COORDINATOR, op, reply)
                return
            except (Unavailable, Timeout, RateLimited) as exc:
                # A coordinator restarting or busy: the same answer (same id) again, until
                # the deadline.
                if datetime.now(UTC) >= deadline:
                    self.log.warning("could not answer an invitation", error=str(exc))
                    return
                await asyncio.sleep(0.5)
            except IoaError as exc:
                self.log.warning("invitation answer refused", error=str(exc))
                return

    async def _answer_invalid(self, raw: bytes, error: IoaError) -> None:
        """An unreadable task addressed to this agent is answered with ``task_failed``
        when its task id and group can be read: silence would leave the team waiting."""
        try:
            data = json.loads(raw)
            body = data["body"]
            task_id, group = body["task_id"], data["group"]
            if data.get("type") != TaskAssign.KIND or body.get("assignee") != self.id:
                return
            failed = TaskFailed(task_id=task_id, reason=f"{error.code.value}: {error.message}")
        except (ValueError, KeyError, TypeError):
            return  # nothing in it can be answered
        conversation = data.get("conversation")
        await self.post(
            group,
            failed,
            conversation=conversation if isinstance(conversation, str) else None,
            id=reply_id(self.id, str(data.get("id"))),
        )

    async def _do_task(self, env: Envelope[TaskAssign]) -> None:
        assert env.group is not None
        try:
            outcome = await self.on_task(env)
        except Exception as exc:
            self.log.exception("task failed", task=env.body.task_id)
            outcome = TaskFailed(task_id=env.body.task_id, reason=f"{type(exc).__name__}: {exc}")
        if outcome is not None:
            await self.answer(env, outcome)

    async def request_sub_team(
        self, env: Envelope[TaskAssign], goal: str, *, max_team: int = 3
    ) -> ConversationState:
        """Ask the coordinator for a sub-team to do this task; return ``None`` from
        :meth:`on_task` afterwards: the sub-team's conclusion becomes the task's result."""
        reply = await self.conn.request(
            COORDINATOR,
            "sub_team",
            RequestSubTeam(
                conversation=env.conversation or "",
                task_id=env.body.task_id,
                goal=goal,
                max_team=max_team,
            ),
            conversation=env.conversation,
        )
        child: ConversationState = reply.body
        return child
