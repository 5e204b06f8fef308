"""Whether a task's assignee that was reported offline is really gone.

An offline report is no proof: it may be replayed to a coordinator that restarted
(the events wait in their stream), or the member lost its lease for a moment (a slow
model call on a busy machine) and is back, still working on the task. Handing the task
to another member then has it done twice. So before a task is reassigned the registry
is asked how the member stands now, and a member that reported progress on the task
since the report is taken as alive.
"""

from protocol.connection import Connection
from protocol.errors import NotFound
from protocol.kinds import AgentInfo, GetAgent
from protocol.subjects import REGISTRY
from services.coordinator.state import Task


async def gone(conn: Connection, task: Task) -> bool:
    """Whether ``task``'s assignee, reported offline, is gone: its lease has run out now
    (or its card is gone) and it has told nothing of the task since the report. A
    registry out of reach raises: the question is asked again, nothing is reassigned."""
    if task.progress_at and task.offline_at and task.progress_at >= task.offline_at:
        return False
    try:
        reply = await conn.request(REGISTRY, "get_agent", GetAgent(agent=task.assignee))
    except NotFound:
        return True  # deregistered
    info: AgentInfo = reply.body
    return not info.online
