"""Who may read or act on a conversation: decided here, for every operation.

An id is not a secret, so it grants nothing. A conversation may be read by its
requester, its observers (the gateway that started it for a user; a sub-team's are its
parent's, so whoever may read the parent may read it), the members of its group as
they are now (the chat service owns membership: one who left or was removed reads no
more; while the team forms, those invited who have not declined), the administrator
and the coordinator's own identity (its replicas, its operators' tools). It may be
steered (cancelled, posted to, continued) by its requester, its observers and the
administrator. Anyone else gets the same ``not_found`` as for an id that does not
exist: the answer tells a stranger nothing, not even that it exists.
"""

import structlog

from protocol.connection import Connection
from protocol.errors import IoaError
from protocol.kinds import GetGroup, GroupInfo
from protocol.subjects import ADMIN, CHAT, COORDINATOR
from services.coordinator.state import Record

log = structlog.get_logger("ioa.coordinator.access")


def may_steer(rec: Record, sender: str) -> bool:
    return sender in (rec.requester, *rec.observers, ADMIN)


async def may_read(conn: Connection, rec: Record, sender: str) -> bool:
    if may_steer(rec, sender) or sender == COORDINATOR:
        return True
    if rec.group is None:
        return any(i.agent == sender and i.status != "declined" for i in rec.invites)
    return sender in await members_now(conn, rec.group)


async def members_now(conn: Connection, group: str) -> list[str]:
    """The group's members as the chat service has them now. When it cannot say, nobody
    is: a member is refused for a moment rather than a stranger let in."""
    try:
        reply = await conn.request(CHAT, "get_group", GetGroup(group=group))
    except IoaError as exc:
        log.warning("group membership unknown: reading refused", group=group, error=str(exc))
        return []
    return reply.body.members if isinstance(reply.body, GroupInfo) else []
