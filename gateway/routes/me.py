"""``/v1/me``: the caller as a member of teams. Register a card (a person, ``human``),
see what waits for your answer across conversations, and answer it: accept or decline
an invitation, report a task's result or failure, reply to a message naming you.

The gateway speaks as the caller's user (``user:<name>``), as it does everywhere; the
coordinator and the chat service decide as they do for any agent (only the assignee's
result counts, only members post).
"""

import asyncio
import hashlib
from collections import defaultdict
from datetime import UTC, datetime
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Path, Request, Response, status

from gateway import network, people
from gateway.auth import CallerDep
from gateway.deps import ConnDep, SettingsDep
from gateway.feed import get_state
from gateway.inboxes import PeopleInboxes
from gateway.keys import Caller
from gateway.people import ANSWERS, PendingItem
from gateway.problems import Problem
from gateway.schemas import Answered, CardCreate, PendingAnswer, PendingList, PendingPublic
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import Conflict, InvalidMessage, IoaError, NotFound
from protocol.ids import ID_PATTERN, PERSON_PREFIX
from protocol.kinds import (
    AgentCard,
    AgentInfo,
    Body,
    ChatMessage,
    Deregister,
    Register,
    TaskFailed,
    TaskResult,
    TeamAccept,
    TeamDecline,
)
from protocol.subjects import CHAT, COORDINATOR, REGISTRY

log = structlog.get_logger("ioa.gateway.me")

router = APIRouter(
    prefix="/v1/me",
    tags=["me"],
    responses={
        401: {"model": Problem},
        422: {"model": Problem},
        429: {"model": Problem},
        503: {"model": Problem},
        504: {"model": Problem},
    },
)


def get_people(request: Request) -> PeopleInboxes:
    inboxes: PeopleInboxes = request.app.state.people
    return inboxes


PeopleDep = Annotated[PeopleInboxes, Depends(get_people)]
ItemId = Annotated[str, Path(pattern=ID_PATTERN, description="The pending item's id.")]


@router.put("/card", response_model=AgentInfo)
async def register_card(
    body: CardCreate, conn: ConnDep, settings: SettingsDep, caller: CallerDep, inboxes: PeopleDep
) -> AgentInfo:
    """Be a member of teams: register (or replace) your card as a person. Teams find you
    by it like any agent; what they ask of you shows in ``GET /v1/me/pending``. You stay
    online while you use ``/v1/me`` (the lease is ``IOA_PERSON_LEASE_SECONDS``)."""
    card = AgentCard(
        id=caller.user,
        name=body.name or caller.user.removeprefix(PERSON_PREFIX),
        description=body.description,
        skills=body.skills,
        human=True,
    )
    # First the inbox's reader, then the card: nobody can invite a card before it exists,
    # and the inbox keeps what comes until the reader gets to it.
    await asyncio.to_thread(people.register, inboxes.engine, caller.user)
    inboxes.wake()
    ask = Register(card=card, lease_seconds=settings.person_lease_seconds)
    await conn.send(REGISTRY, "register", Envelope.of(ask, sender=caller.user))
    return AgentInfo(card=card, online=True, last_seen=datetime.now(UTC))


@router.get("/card", response_model=AgentInfo, responses={404: {"model": Problem}})
async def read_card(conn: ConnDep, caller: CallerDep, inboxes: PeopleDep) -> AgentInfo:
    """Your card as the registry has it, and whether you are online (404 without one)."""
    await inboxes.renew(caller.user)
    return await network.agent_info(conn, caller.user)


@router.delete("/card", status_code=status.HTTP_204_NO_CONTENT)
async def remove_card(conn: ConnDep, caller: CallerDep, inboxes: PeopleDep) -> Response:
    """Stop being a member of new teams: your card goes, your inbox is no longer read."""
    await conn.send(REGISTRY, "deregister", Envelope.of(Deregister(), sender=caller.user))
    await asyncio.to_thread(people.unregister, inboxes.engine, caller.user)
    inboxes.wake()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/pending", response_model=PendingList)
async def pending(conn: ConnDep, caller: CallerDep, inboxes: PeopleDep) -> PendingList:
    """What waits for your answer, across conversations, oldest first: invitations, tasks
    assigned to you, messages naming you. Each is checked against its conversation, so
    what no longer waits (answered, reassigned, past its deadline, ended) is left out."""
    await inboxes.renew(caller.user)
    items = await asyncio.to_thread(people.open_items, inboxes.engine, caller.user)
    items = await _still_awaited(conn, inboxes, caller.user, items)
    return PendingList(items=[_public(item) for item in items])


@router.post(
    "/pending/{item}",
    response_model=Answered,
    responses={404: {"model": Problem}, 409: {"model": Problem}},
)
async def answer(
    item: ItemId, body: PendingAnswer, conn: ConnDep, caller: CallerDep, inboxes: PeopleDep
) -> Answered:
    """Answer one pending item: ``accept`` or ``decline`` an invitation, ``result`` or
    ``failed`` for a task, ``reply`` to a message. 404 if it is not yours, 409 once it no
    longer waits for an answer."""
    await inboxes.renew(caller.user)
    row = await asyncio.to_thread(people.item, inboxes.engine, caller.user, item)
    if row is None:
        raise NotFound(f"nothing waits for your answer under {item!r}; see GET /v1/me/pending")
    if row.closed_at is not None:
        raise Conflict(f"{item} no longer waits for an answer: {row.closed_why}")
    if body.action not in ANSWERS[row.kind]:
        raise InvalidMessage(
            f"a {row.kind} is answered with {' or '.join(ANSWERS[row.kind])}, not {body.action}"
        )
    closed = await _close_unawaited(conn, inboxes, caller.user, [row])
    if row.id in closed:
        raise Conflict(f"{item} no longer waits for an answer: {closed[row.id]}")
    seq = await _send(conn, caller, row, body)
    await asyncio.to_thread(
        people.close, inboxes.engine, caller.user, {row.id: f"answered: {body.action}"}
    )
    return Answered(item=row.id, action=body.action, conversation=row.conversation, seq=seq)


async def _send(
    conn: Connection, caller: Caller, row: PendingItem, body: PendingAnswer
) -> int | None:
    """Send the answer as the caller; the seq it got in the group log, for posts."""
    if row.kind == "invite":
        to_coordinator: Body = (
            TeamAccept(conversation=row.conversation)
            if body.action == "accept"
            else TeamDecline(conversation=row.conversation, reason=body.text)
        )
        env = Envelope.of(
            to_coordinator, sender=caller.user, conversation=row.conversation, in_reply_to=row.id
        )
        await conn.send(COORDINATOR, body.action, env)
        return None
    post: Body
    if body.action == "result":
        post = TaskResult(task_id=row.task_id or "", text=body.text, data=body.data)
    elif body.action == "failed":
        post = TaskFailed(task_id=row.task_id or "", reason=body.text)
    else:
        post = ChatMessage(text=body.text)
    env = Envelope.of(
        post,
        sender=caller.user,
        conversation=row.conversation,
        group=row.group or row.conversation,
        in_reply_to=row.id,
        # The same answer to the same item has the same id: a retry is stored once.
        id=_answer_id(caller.user, row.id),
    )
    reply = await conn.send(CHAT, "post", env)
    seq: int = reply.body.seq
    return seq


async def _still_awaited(
    conn: Connection, inboxes: PeopleInboxes, user: str, items: list[PendingItem]
) -> list[PendingItem]:
    """``items`` that still wait for ``user``'s answer; the others are closed."""
    closed = await _close_unawaited(conn, inboxes, user, items)
    return [item for item in items if item.id not in closed]


async def _close_unawaited(
    conn: Connection, inboxes: PeopleInboxes, user: str, items: list[PendingItem]
) -> dict[str, str]:
    """Close those of ``items`` that no longer wait for ``user``'s answer, by their
    conversations' states; their ids, with why."""
    by_conversation: defaultdict[str, list[PendingItem]] = defaultdict(list)
    for item in items:
        by_conversation[item.conversation].append(item)
    closed: dict[str, str] = {}
    for found in await asyncio.gather(
        *(_why_closed(conn, user, c, some) for c, some in by_conversation.items())
    ):
        closed.update(found)
    if closed:
        await asyncio.to_thread(people.close, inboxes.engine, user, closed)
    return closed


async def _why_closed(
    conn: Connection, user: str, conversation: str, items: list[PendingItem]
) -> dict[str, str]:
    """Which of one conversation's ``items`` no longer wait, and why, asked as the person
    (who was invited to it). A coordinator that does not answer now closes none of them
    (they are checked again on the next ask)."""
    try:
        state = await get_state(conn, conversation, reader=user)
    except NotFound:
        return {item.id: "the conversation is gone" for item in items}
    except IoaError as exc:
        log.warning("could not check a conversation", conversation=conversation, error=str(exc))
        return {}
    now = datetime.now(UTC)
    return {item.id: why for item in items if (why := people.no_longer_awaited(item, state, now))}


def _public(item: PendingItem) -> PendingPublic:
    return PendingPublic(
        id=item.id,
        kind=item.kind,
        answers=list(ANSWERS[item.kind]),
        conversation=item.conversation,
        group=item.group,
        sender=item.sender,
        text=item.text,
        task_id=item.task_id,
        deadline=item.due,
        received_at=item.received,
        body=item.body_json(),
    )


def _answer_id(user: str, item: str) -> str:
    return "answer-" + hashlib.sha256(f"{user}\n{item}".encode()).hexdigest()[:32]
