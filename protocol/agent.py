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
"""

import asyncio
import contextlib
from collections import OrderedDict, deque
from types import TracebackType
from typing import Any, Self

import nats
import structlog
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from protocol.connection import Connection
from protocol.envelope import Envelope, decode
from protocol.errors import IoaError, NotFound
from protocol.kinds import (
    GROUP_KINDS,
    AgentCard,
    Body,
    ChatMessage,
    Heartbeat,
    Posted,
    Register,
    TaskAssign,
    TaskFailed,
    TaskResult,
    TeamAccept,
    TeamDecline,
    TeamInvite,
)
from protocol.settings import NatsSettings
from protocol.streams import inbox_stream
from protocol.subjects import CHAT, COORDINATOR, REGISTRY
from protocol.tracing import annotate, consumer_span, record_error

log = structlog.get_logger("ioa.agent")


def consumer_name(agent: str) -> str:
    """The durable inbox consumer's name (consumer names may not contain ':')."""
    return "inbox-" + agent.replace(":", "--")


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
    ) -> None:
        self.card = card
        self.id = card.id
        self.settings = settings
        self.lease_seconds = lease_seconds
        self.conn = Connection(settings, card.id)
        self.log = log.bind(agent=card.id)
        self._histories: dict[str, deque[Envelope[Any]]] = {}
        self._history_size = history_size
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._seen_size = seen_size
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    # --- hooks ------------------------------------------------------------------
    async def on_invite(self, env: Envelope[TeamInvite]) -> TeamDecline | None:
        """Return ``None`` to accept an invitation, or a :class:`TeamDecline`."""
        return None

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed:
        """Do a task assigned to this agent."""
        return TaskFailed(task_id=env.body.task_id, reason=f"{self.id} does not take tasks")

    async def on_turn(self, env: Envelope[ChatMessage]) -> str | None:
        """Answer a discussion message that names this agent as a next speaker."""
        return None

    async def on_group_message(self, env: Envelope[Any]) -> None:
        """See every message of this agent's groups (after the hooks above)."""

    # --- helpers ----------------------------------------------------------------
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
    ) -> Posted:
        env = Envelope.of(
            body,
            sender=self.id,
            conversation=conversation,
            group=group,
            in_reply_to=in_reply_to,
        )
        reply = await self.conn.send(CHAT, "post", env)
        posted: Posted = reply.body
        return posted

    # --- lifecycle --------------------------------------------------------------
    async def __aenter__(self) -> Self:
        await self.conn.__aenter__()
        await self._register()
        psub = await self._bind_inbox()
        self._tasks = [
            asyncio.create_task(self._heartbeats(), name=f"{self.id}-heartbeat"),
            asyncio.create_task(self._consume(psub), name=f"{self.id}-inbox"),
        ]
        self.log.info("agent online", skills=[s.id for s in self.card.skills])
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stopping.set()
        # The inbox loop finishes the message in hand; the heartbeat just stops.
        self._tasks[0].cancel()
        await asyncio.wait(self._tasks, timeout=8)
        for task in self._tasks:
            task.cancel()
        await self.conn.__aexit__(exc_type, exc, tb)
        self.log.info("agent stopped")

    async def _register(self) -> None:
        await self.conn.request(
            REGISTRY, "register", Register(card=self.card, lease_seconds=self.lease_seconds)
        )

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                await self.conn.request(REGISTRY, "heartbeat", Heartbeat())
            except NotFound:
                self.log.warning("registry forgot this agent; registering again")
                with contextlib.suppress(IoaError):
                    await self._register()
            except IoaError as exc:
                self.log.warning("heartbeat failed", error=str(exc))

    async def _bind_inbox(self) -> Any:
        stream = inbox_stream(self.conn.subjects).name
        durable = consumer_name(self.id)
        config = ConsumerConfig(
            durable_name=durable,
            filter_subjects=self.conn.subjects.inbox_filters(self.id),
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=300,
            max_deliver=5,
        )
        for attempt in range(60):
            try:
                await self.conn.js.add_consumer(stream, config)
                return await self.conn.js.pull_subscribe_bind(durable=durable, stream=stream)
            except NotFoundError:
                if attempt == 0:
                    self.log.info("waiting for the inbox stream (is the chat service up?)")
                await asyncio.sleep(0.5)
        raise NotFound(f"inbox stream {stream} does not exist; start the chat service first")

    async def _consume(self, psub: Any) -> None:
        while not self._stopping.is_set():
            try:
                msgs = await psub.fetch(batch=16, timeout=1.0)
            except nats.errors.TimeoutError:
                continue
            except Exception as exc:  # a NATS outage: wait and fetch again
                self.log.warning("inbox fetch failed", error=str(exc))
                await asyncio.sleep(0.5)
                continue
            for msg in msgs:
                await self._deliver(msg)

    async def _deliver(self, msg: Msg) -> None:
        with consumer_span(msg.subject, msg.headers, name=f"process inbox {self.id}") as span:
            try:
                env = decode(msg.data, max_bytes=self.settings.max_message_bytes)
            except IoaError as exc:
                self.log.warning("dropped a bad inbox message", error=str(exc))
                record_error(span, exc)
                await msg.term()
                return
            annotate(span, env)
            if env.id in self._seen:
                await msg.ack()
                return
            try:
                with structlog.contextvars.bound_contextvars(
                    agent=self.id, conversation=env.conversation
                ):
                    await self._dispatch(env)
            except Exception as exc:
                record_error(span, exc)
                self.log.exception("handling an inbox message failed", type=env.type)
            self._remember(env.id)
            await msg.ack()

    def _remember(self, message_id: str) -> None:
        self._seen[message_id] = None
        if len(self._seen) > self._seen_size:
            self._seen.popitem(last=False)

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
                text = await self.on_turn(env)
                if text:
                    await self.post(
                        env.group, ChatMessage(text=text), conversation=env.conversation,
                        in_reply_to=env.id,
                    )
        await self.on_group_message(env)

    async def _answer_invite(self, env: Envelope[TeamInvite]) -> None:
        decline = await self.on_invite(env)
        answer: Body = decline or TeamAccept(conversation=env.body.conversation)
        op = "decline" if decline else "accept"
        try:
            await self.conn.request(COORDINATOR, op, answer, conversation=env.body.conversation)
        except IoaError as exc:
            self.log.warning("could not answer an invitation", error=str(exc))

    async def _do_task(self, env: Envelope[TaskAssign]) -> None:
        assert env.group is not None
        try:
            outcome = await self.on_task(env)
        except Exception as exc:
            self.log.exception("task failed", task=env.body.task_id)
            outcome = TaskFailed(task_id=env.body.task_id, reason=f"{type(exc).__name__}: {exc}")
        await self.post(env.group, outcome, conversation=env.conversation, in_reply_to=env.id)
