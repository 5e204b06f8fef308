"""The coordinator's requests, its own inbox, and the agent-offline events it follows."""

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import structlog

from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import Conflict, Forbidden, InvalidMessage, NotFound
from protocol.ids import new_id
from protocol.kinds import (
    Ack,
    AgentStatus,
    CancelConversation,
    ChatMessage,
    ContinueConversation,
    ConversationList,
    ConversationState,
    GetConversation,
    ListConversations,
    RequestSubTeam,
    StartConversation,
    TeamAccept,
    TeamDecline,
)
from protocol.service import Service
from protocol.subjects import COORDINATOR
from protocol.tracing import current_trace_id, inject
from services.coordinator import access, events, plans
from services.coordinator.index import ConversationIndex
from services.coordinator.scheduler import Scheduler
from services.coordinator.state import ConversationStore, Record, now, unknown

log = structlog.get_logger("ioa.coordinator")

VERSION = "0.2.0"


def build_service(
    conn: Connection, store: ConversationStore, index: ConversationIndex, scheduler: Scheduler
) -> Service:
    service = Service(conn, COORDINATOR, VERSION, description="forms teams and leads conversations")

    async def begin(rec: Record) -> ConversationState:
        rec.trace, rec.trace_id = inject(), current_trace_id()
        scheduler.claim_new(rec)
        await store.create(rec)
        scheduler.launch(rec.id)
        log.info("conversation started", conversation=rec.id, requester=rec.requester)
        return rec.public()

    @service.handler("start")
    async def start(env: Envelope[StartConversation]) -> ConversationState:
        body = env.body
        if body.min_team > body.max_team:
            raise InvalidMessage(
                f"min_team ({body.min_team}) is larger than max_team ({body.max_team})",
                in_reply_to=env.id,
            )
        if set(body.required) & set(body.excluded):
            raise InvalidMessage(
                "an agent cannot be both required and excluded", in_reply_to=env.id
            )
        return await begin(
            Record(
                id=new_id(),
                goal=body.goal,
                requester=env.sender,
                policy=plans.policy_for(body, in_reply_to=env.id),
                plan=body.plan,
                conclusion_policy=body.conclusion_policy,
                budget=body.budget,
                min_team=body.min_team,
                max_team=body.max_team,
                required=body.required,
                excluded=body.excluded,
                depth=body.depth,
                observers=list(dict.fromkeys([*body.observers, env.sender])),
                deadline=now() + timedelta(seconds=body.budget.max_seconds),
            )
        )

    async def readable(env: Envelope[Any], conversation: str) -> Record:
        """The conversation, if ``env``'s sender may read it (else as if unknown)."""
        rec = await store.get(conversation)
        if not await access.may_read(conn, rec, env.sender):
            raise unknown(conversation, in_reply_to=env.id)
        return rec

    @service.handler("get")
    async def get(env: Envelope[GetConversation]) -> ConversationState:
        return (await readable(env, env.body.conversation)).public()

    @service.handler("list")
    async def list_(env: Envelope[ListConversations]) -> ConversationList:
        """The sender's own conversations (those it started), newest first: found in the
        index, and only the page's records read."""
        body = env.body
        await index.caught_up()  # a conversation just started elsewhere is listed too
        mine = index.of(env.sender)
        if body.states:
            mine = [h for h in mine if h.state in body.states]
        mine.sort(key=lambda h: h.created_at, reverse=True)
        page = mine[body.offset : body.offset + body.limit]
        records = await asyncio.gather(*(store.get(h.id) for h in page))
        return ConversationList(
            conversations=[rec.public() for rec in records], total=len(mine), offset=body.offset
        )

    async def answer(env: Envelope[Any]) -> Ack:
        conversation = env.body.conversation

        def invited_answer(rec: Record) -> bool:
            if not any(i.agent == env.sender for i in rec.invites):
                raise unknown(conversation, in_reply_to=env.id)  # not invited: not yours
            return events.answer_invite(rec, env)

        rec = await store.change(conversation, invited_answer)
        scheduler.kick(rec.id)
        return Ack()

    @service.handler("accept")
    async def accept(env: Envelope[TeamAccept]) -> Ack:
        return await answer(env)

    @service.handler("decline")
    async def decline(env: Envelope[TeamDecline]) -> Ack:
        return await answer(env)

    async def change_owned(
        env: Envelope[Any], conversation: str, edit: Callable[[Record], bool]
    ) -> Record:
        """``edit`` a conversation that ``env``'s sender may steer (else as if unknown)."""

        def owned_edit(rec: Record) -> bool:
            if not access.may_steer(rec, env.sender):
                raise unknown(conversation, in_reply_to=env.id)
            return edit(rec)

        return await store.change(conversation, owned_edit)

    @service.handler("cancel")
    async def cancel(env: Envelope[CancelConversation]) -> ConversationState:
        reason = env.body.reason
        rec = await change_owned(env, env.body.conversation, lambda r: r.ask_to_cancel(reason))
        scheduler.kick(rec.id)
        return rec.public()

    @service.handler("post")
    async def post(env: Envelope[ChatMessage]) -> Ack:
        """A message for a conversation whose group may not exist yet (its team is still
        forming): kept in the record, posted to the group once it exists."""
        if env.conversation is None:
            raise InvalidMessage(
                "say which conversation the message is for in the envelope's conversation",
                in_reply_to=env.id,
            )
        rec = await change_owned(env, env.conversation, lambda r: events.said_early(r, env))
        scheduler.kick(rec.id)
        return Ack()

    @service.handler("continue")
    async def continue_(env: Envelope[ContinueConversation]) -> ConversationState:
        def follow_up(rec: Record) -> bool:
            if rec.state != "concluded":
                raise Conflict(
                    f"conversation {rec.id} is {rec.state}; only a concluded one can continue",
                    in_reply_to=env.id,
                )
            rec.goal, rec.round, rec.cursor, rec.turns = env.body.goal, rec.round + 1, 0, 0
            rec.state = "discussing" if rec.policy in ("round_robin", "autonomous") else "executing"
            rec.conclusion = rec.reason = None
            rec.settled = False
            rec.deadline = now() + timedelta(seconds=rec.budget.max_seconds)
            scheduler.claim_new(rec)
            return True

        rec = await change_owned(env, env.body.conversation, follow_up)
        scheduler.launch(rec.id)
        return rec.public()

    @service.handler("sub_team")
    async def sub_team(env: Envelope[RequestSubTeam]) -> ConversationState:
        """A child conversation for the sender's open task: one per task, so a retried
        request (a lost reply, a restarted agent) gets the same child, not a second."""
        body = env.body
        parent = await readable(env, body.conversation)
        task = parent.task(body.task_id)
        if task is not None and task.assignee == env.sender and task.sub_team is not None:
            return (await store.get(task.sub_team)).public()
        if task is None or not task.open or task.assignee != env.sender:
            raise Forbidden(
                f"{env.sender} has no open task {body.task_id} in {parent.id}", in_reply_to=env.id
            )
        if parent.depth < 1:
            raise Forbidden(
                f"conversation {parent.id} may not nest sub-teams any deeper (its depth limit "
                "is reached): do the task with this team, or start the conversation with a "
                "larger depth",
                in_reply_to=env.id,
            )
        left = parent.budget.max_tokens - parent.tokens
        if left < 1:
            raise Forbidden(
                f"conversation {parent.id} has spent its {parent.budget.max_tokens} LLM tokens, "
                "none are left for a sub-team: do the task with this team",
                in_reply_to=env.id,
            )
        child = Record(
            id=f"{task.task_id}-sub",
            goal=body.goal,
            requester=env.sender,
            max_team=body.max_team,
            depth=parent.depth - 1,
            parent=parent.id,
            parent_task=body.task_id,
            excluded=[env.sender],
            # What the parent has left, not a fresh copy: the child's spending comes back
            # to the parent when it ends.
            budget=parent.budget.model_copy(update={"max_tokens": left}),
            observers=parent.observers,
            deadline=min(parent.deadline, task.deadline),
        )

        def link(rec: Record) -> bool:
            found = rec.task(body.task_id)
            if found is None or found.sub_team == child.id:
                return False
            found.sub_team = child.id
            rec.children.append(child.id)
            return True

        try:
            state = await begin(child)
        except Conflict:  # a retry that raced the first request: the child it made
            state = (await store.get(child.id)).public()
        # Linked after it exists: a crash in between leaves a child that the retry finds.
        parent = await store.change(parent.id, link)
        if parent.finished:  # it ended meanwhile, before its end could call the child off
            why = parent.calls_off_children()
            await store.change(child.id, lambda rec: rec.ask_to_cancel(why))
            scheduler.kick(child.id)
        return state

    return service


async def on_inbox(store: ConversationStore, scheduler: Scheduler, env: Envelope[Any]) -> None:
    """Group messages reach the coordinator as a member; they may wake a conversation."""
    if env.conversation is None:
        return
    try:
        await store.change(env.conversation, lambda rec: events.group_message(rec, env))
    except NotFound:
        log.info("message for an unknown conversation", conversation=env.conversation)
        return
    scheduler.kick(env.conversation)


async def on_agent_offline(
    store: ConversationStore, index: ConversationIndex, scheduler: Scheduler, env: Envelope[Any]
) -> None:
    """Tasks of an agent that went offline are handed to someone else."""
    if not isinstance(env.body, AgentStatus) or env.body.online:
        return
    agent = env.body.agent
    await index.caught_up()  # a task handed out a moment ago by another replica too
    for heading in index.assigned_to(agent):
        await store.change(heading.id, lambda rec: events.agent_offline(rec, agent, env.ts))
        scheduler.kick(heading.id)
