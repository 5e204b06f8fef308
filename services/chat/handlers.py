"""The chat service's operations: groups and membership, post, history, pending answers.

Who may know of a group is decided once (:meth:`Group.seen_by`): its creator, members
and observers get the precise refusals below; anyone else gets, for every operation that
names a group, the ``not_found`` of an id no group has.
"""

import json
from collections.abc import Callable
from typing import Any

import structlog

from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import Forbidden, InvalidMessage, NotAMember, RateLimited, TooLarge
from protocol.ids import new_id
from protocol.kinds import (
    AddMembers,
    ChatMessage,
    CloseGroup,
    CreateGroup,
    GetGroup,
    GroupBody,
    GroupInfo,
    GroupList,
    History,
    HistoryPage,
    LeaveGroup,
    ListGroups,
    LoggedMessage,
    Pending,
    PendingMessages,
    Posted,
    RemoveMembers,
    SetTurns,
)
from protocol.service import Service
from protocol.subjects import CHAT
from services.chat import __version__, turns
from services.chat.grouplog import PER_MESSAGE_OVERHEAD, GroupLog
from services.chat.groups import Group, GroupStore, unique
from services.chat.pending import PendingIndex
from services.chat.ratelimit import RateLimiter
from services.chat.settings import ChatSettings

log = structlog.get_logger("ioa.chat")

# Room kept in every reply for the HistoryPage around the logged envelopes, so a
# page (and a post read back alone in one) always fits the message size limit.
PAGE_HEADROOM = 4096


def chat_service(
    conn: Connection,
    groups: GroupStore,
    logs: GroupLog,
    pending_index: PendingIndex,
    settings: ChatSettings,
) -> Service:
    """The chat service's request handlers, on ``<root>.from.*.chat.>``."""
    service = Service(
        conn,
        CHAT,
        __version__,
        description="ioa chat: groups, group logs, delivery to members",
        max_in_flight=settings.max_in_flight,
    )
    max_post_bytes = settings.max_message_bytes - PAGE_HEADROOM
    limiter = RateLimiter(settings.post_rate, settings.post_burst)

    def check_size(group: Group, env: Envelope[Any]) -> None:
        if len(group.members) > settings.max_members:
            raise InvalidMessage(
                f"a group may have at most {settings.max_members} members, "
                f"group {group.id!r} would have {len(group.members)}",
                in_reply_to=env.id,
            )

    async def seen(env: Envelope[Any], group_id: str) -> Group:
        """The group, if the sender may know of it (else the not_found of an unknown id)."""
        return (await groups.get(group_id)).seen_by(env.sender)

    async def change(env: Envelope[Any], group_id: str, how: Callable[[Group], Group]) -> Group:
        """``groups.update`` as the sender: a stranger gets the not_found of an unknown id
        before ``how`` sees the group, and, as for any refusal there, nothing is stored."""
        return await groups.update(group_id, lambda group: how(group.seen_by(env.sender)))

    @service.handler("create_group")
    async def create_group(env: Envelope[CreateGroup]) -> GroupInfo:
        body = env.body
        group = Group.new(
            body.group or new_id(),
            created_by=env.sender,
            members=body.members,
            observers=body.observers,
            conversation=body.conversation or env.conversation,
            title=body.title,
            max_turns=body.max_turns,
        )
        check_size(group, env)
        group = await groups.create(group)
        log.info("group created", group=group.id, members=group.members, observers=group.observers)
        return group.info()

    @service.handler("get_group")
    async def get_group(env: Envelope[GetGroup]) -> GroupInfo:
        """A group with its members; for its creator, members and observers only."""
        return (await seen(env, env.body.group)).info()

    @service.handler("list_groups")
    async def list_groups(env: Envelope[ListGroups]) -> GroupList:
        body = env.body
        # The store applies its limit before this state filter: take them all then.
        found = await groups.groups_of(env.sender, limit=1000 if body.state else body.limit)
        chosen = [g for g in found if body.state is None or g.state == body.state]
        return GroupList(groups=[g.info() for g in chosen[: body.limit]])

    @service.handler("add_members")
    async def add_members(env: Envelope[AddMembers]) -> GroupInfo:
        def add(group: Group) -> Group:
            if group.created_by != env.sender:
                raise Forbidden(
                    f"only {group.created_by!r}, who created group {group.id!r}, adds members",
                    in_reply_to=env.id,
                )
            if not group.is_open:
                raise Forbidden(f"group {group.id!r} is closed", in_reply_to=env.id)
            group.members = unique([*group.members, *env.body.members])
            group.observers = [o for o in group.observers if o not in group.members]
            check_size(group, env)
            return group

        group = await change(env, env.body.group, add)
        log.info("members added", group=group.id, members=env.body.members)
        return group.info()

    @service.handler("remove_members")
    async def remove_members(env: Envelope[RemoveMembers]) -> GroupInfo:
        return await remove(env, env.body.group, unique(env.body.members))

    @service.handler("leave_group")
    async def leave_group(env: Envelope[LeaveGroup]) -> GroupInfo:
        return await remove(env, env.body.group, [env.sender])

    async def remove(env: Envelope[Any], group_id: str, leaving: list[str]) -> GroupInfo:
        def take_out(group: Group) -> Group:
            if leaving != [env.sender] and group.created_by != env.sender:
                raise Forbidden(
                    f"only {group.created_by!r}, who created group {group.id!r}, removes "
                    "others; a member may only remove itself",
                    in_reply_to=env.id,
                )
            if group.created_by in leaving:
                raise Forbidden(
                    f"{group.created_by!r} created group {group.id!r} and cannot leave it; "
                    "close the group instead",
                    in_reply_to=env.id,
                )
            if leaving == [env.sender] and not group.is_member(env.sender):
                raise NotAMember(
                    f"{env.sender!r} is not a member of group {group.id!r}", in_reply_to=env.id
                )
            group.members = [m for m in group.members if m not in leaving]
            return group

        group = await change(env, group_id, take_out)
        log.info("members removed", group=group.id, members=leaving)
        return group.info()

    @service.handler("close_group")
    async def close_group(env: Envelope[CloseGroup]) -> GroupInfo:
        def close(group: Group) -> Group:
            if group.created_by != env.sender:
                raise Forbidden(
                    f"only {group.created_by!r}, who created group {group.id!r}, may close it",
                    in_reply_to=env.id,
                )
            group.state = "closed"
            return group

        group = await change(env, env.body.group, close)
        log.info("group closed", group=group.id)
        return group.info()

    @service.handler("set_turns")
    async def set_turns(env: Envelope[SetTurns]) -> GroupInfo:
        group = await change(env, env.body.group, turns.give(env))
        log.info("turns set", group=group.id, max_turns=group.max_turns)
        return group.info()

    @service.handler("post")
    async def post(env: Envelope[GroupBody]) -> Posted:
        if env.group is None:
            raise InvalidMessage("a post needs the envelope's 'group' set", in_reply_to=env.id)
        data = env.encode()
        size = len(data)
        if size > max_post_bytes:
            raise TooLarge(
                f"a post may have at most {max_post_bytes} bytes, this one has {size}",
                in_reply_to=env.id,
            )
        if not limiter.allow(env.sender):
            raise RateLimited(
                f"{env.sender!r} posts faster than {settings.post_rate:g} per second; "
                "retry the same envelope later",
                in_reply_to=env.id,
            )
        group = await groups.cached(env.group)
        if not (group.is_member(env.sender) and group.is_open):
            # The local copy may lag a change made on another replica a moment ago.
            group = await groups.get(env.group)
        group.seen_by(env.sender)
        if not group.is_member(env.sender):
            raise NotAMember(
                f"{env.sender!r} is not a member of group {group.id!r}", in_reply_to=env.id
            )
        if not group.is_open:
            raise Forbidden(f"group {group.id!r} is closed", in_reply_to=env.id)
        if group.takes_turn(env.sender, env.type):
            group = await groups.update(group.id, turns.spend(env))
        elif isinstance(env.body, ChatMessage) and group.asks_as_person(env.sender, env.body):
            group = await groups.update(group.id, turns.owe(env.body.next_speakers))
        appended = await logs.append(group.id, env, data, group_revision=group.revision)

        # The fan-out consumer delivers it to the members from here on.
        return Posted(group=group.id, seq=appended.seq, duplicate=appended.duplicate)

    @service.handler("history")
    async def history(env: Envelope[History]) -> HistoryPage:
        body = env.body
        group = await seen(env, body.group)
        messages = await logs.read(
            group.id,
            after=body.after,
            before=body.before,
            limit=body.limit,
            max_bytes=settings.max_message_bytes - PAGE_HEADROOM,
            timeout=settings.history_timeout,
        )
        last_seq = messages[-1].seq if messages else body.after
        return HistoryPage(group=group.id, messages=messages, last_seq=last_seq)

    @service.handler("pending")
    async def pending(env: Envelope[Pending]) -> PendingMessages:
        """The messages that wait for the sender's answer (see ``pending.py``)."""
        body = env.body
        if body.group is not None:
            group = await seen(env, body.group)
            if not group.is_member(env.sender):
                raise NotAMember(
                    f"{env.sender!r} is not a member of group {group.id!r}", in_reply_to=env.id
                )
            mine = {group.id}
        else:
            mine = {g.id for g in await groups.groups_of(env.sender, limit=1000)}
        waiting = [
            (g, seq) for g, seq in await pending_index.pending(env.sender, body.group) if g in mine
        ]
        messages: list[LoggedMessage] = []
        size = 0
        for _, seq in waiting[: body.limit]:
            logged = await logs.at(seq)
            if logged is None:
                continue
            size += len(json.dumps(logged.envelope)) + PER_MESSAGE_OVERHEAD
            if messages and size > max_post_bytes:
                break  # the rest on the next ask, once these are answered
            messages.append(logged)
        return PendingMessages(messages=messages)

    return service
