"""Who may read or act on a conversation: decided here, for every operation.

An id is not a secret, so it grants nothing. A conversation may be read by its
requester, its observers (the gateway that started it for a user; a sub-team's are its
parent's, so whoever may read the parent may read it), those invited to its team, the
administrator and the coordinator's own identity (its replicas, its operators' tools).
It may be steered (cancelled, posted to, continued) by its requester, its observers and
the administrator. Anyone else gets the same ``not_found`` as for an id
that does not exist: the answer tells a stranger nothing, not even that it exists.
"""

from protocol.subjects import ADMIN, COORDINATOR
from services.coordinator.state import Record


def may_steer(rec: Record, sender: str) -> bool:
    return sender in (rec.requester, *rec.observers, ADMIN)


def may_read(rec: Record, sender: str) -> bool:
    if may_steer(rec, sender) or sender == COORDINATOR:
        return True
    return any(i.agent == sender for i in rec.invites)
