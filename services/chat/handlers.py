"""The chat service's operations: create_group, get_group, close_group, post, history."""

import structlog

from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import Forbidden, InvalidMessage, NotAMember, TooLarge
from protocol.ids import new_id
from protocol.kinds import (
    CloseGroup,
    CreateGroup,
    GetGroup,
    GroupBody,
    GroupInfo,
    History,
    HistoryPage,
    Posted,
)
from protocol.service import Service
from protocol.subjects import CHAT
from services.chat import __version__
from services.chat.grouplog import GroupLog
from services.chat.groups import Group, GroupStore
from services.chat.settings import ChatSettings

log = structlog.get_logger("ioa.chat")

# Room kept in every reply for the HistoryPage around the logged envelopes, so a
# page (and a post read back alone in one) always fits the message size limit.
PAGE_HEADROOM = 4096


def chat_service(
    conn: Connection, groups: GroupStore, logs: GroupLog, settings: ChatSettings
) -> Service:
    """The chat service's request handlers, on ``<root>.from.*.chat.>``."""
    service = Service(
        conn, CHAT, __version__, description="ioa chat: groups, group logs, delivery to members"
    )
    max_post_bytes = settings.max_message_bytes - PAGE_HEADROOM

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
        )
        if len(group.members) > settings.max_members:
            raise InvalidMessage(
                f"a group may have at most {settings.max_members} members, "
                f"this one would have {len(group.members)}",
                in_reply_to=env.id,
            )
        group = await groups.create(group)
        log.info("group created", group=group.id, members=group.members, observers=group.observers)
        return group.info()

    @service.handler("get_group")
    async def get_group(env: Envelope[GetGroup]) -> GroupInfo:
        return (await groups.get(env.body.group)).info()

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

        group = await groups.update(env.body.group, close)
        log.info("group closed", group=group.id)
        return group.info()

    @service.handler("post")
    async def post(env: Envelope[GroupBody]) -> Posted:
        if env.group is None:
            raise InvalidMessage("a post needs the envelope's 'group' set", in_reply_to=env.id)
        size = len(env.encode())
        if size > max_post_bytes:
            raise TooLarge(
                f"a post may have at most {max_post_bytes} bytes, this one has {size}",
                in_reply_to=env.id,
            )
        group = await groups.get(env.group)
        if not group.is_member(env.sender):
            raise NotAMember(
                f"{env.sender!r} is not a member of group {group.id!r}", in_reply_to=env.id
            )
        if not group.is_open:
            raise Forbidden(f"group {group.id!r} is closed", in_reply_to=env.id)
        appended = await logs.append(group.id, env)
        # The fan-out consumer delivers it to the members from here on.
        return Posted(group=group.id, seq=appended.seq, duplicate=appended.duplicate)

    @service.handler("history")
    async def history(env: Envelope[History]) -> HistoryPage:
        body = env.body
        group = await groups.get(body.group)
        if not group.can_read(env.sender):
            raise NotAMember(
                f"{env.sender!r} is neither a member nor an observer of group {group.id!r}",
                in_reply_to=env.id,
            )
        messages = await logs.read(
            group.id,
            after=body.after,
            limit=body.limit,
            max_bytes=settings.max_message_bytes - PAGE_HEADROOM,
            timeout=settings.history_timeout,
        )
        last_seq = messages[-1].seq if messages else body.after
        return HistoryPage(group=group.id, messages=messages, last_seq=last_seq)

    return service
