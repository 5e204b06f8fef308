"""What a stranger sends: each coordinator operation on a conversation, and a request as
any identity (also one whose envelope names someone else), answered or refused typed."""

from typing import Any

from protocol.connection import Connection
from protocol.envelope import Envelope, decode
from protocol.errors import error_for
from protocol.kinds import (
    CancelConversation,
    ChatMessage,
    ContinueConversation,
    ErrorBody,
    GetConversation,
    RequestSubTeam,
    TeamAccept,
    TeamDecline,
)
from protocol.kinds.base import Body

UNKNOWN = "01NOSUCHCONVERSATION000000"
"""An id no conversation has, as long as a real one (so no answer differs by its length)."""


def every_operation(conversation: str) -> dict[str, Body]:
    """Each coordinator operation on ``conversation``, as a body to send."""
    return {
        "get": GetConversation(conversation=conversation),
        "cancel": CancelConversation(conversation=conversation),
        "continue": ContinueConversation(conversation=conversation, goal="and now?"),
        "accept": TeamAccept(conversation=conversation),
        "decline": TeamDecline(conversation=conversation, reason="no"),
        "sub_team": RequestSubTeam(conversation=conversation, task_id="t1", goal="help"),
        "post": ChatMessage(text="let me in"),
    }


async def ask(
    conn: Connection,
    service: str,
    op: str,
    body: Body,
    *,
    conversation: str | None = None,
    group: str | None = None,
    sender: str | None = None,
) -> Envelope[Any]:
    """``op`` of ``service`` as ``conn``'s identity; typed errors raised. ``sender``: the
    envelope names that sender instead, on ``conn``'s own subject (NATS lets it through,
    the service must not)."""
    env = Envelope.of(body, sender=sender or conn.identity, conversation=conversation, group=group)
    if sender is None:
        return await conn.send(service, op, env)
    subject = conn.subjects.request(conn.identity, service, op)
    reply = decode((await conn.nc.request(subject, env.encode(), timeout=5)).data)
    if isinstance(reply.body, ErrorBody):
        raise error_for(reply.body.code, reply.body.message)
    return reply
