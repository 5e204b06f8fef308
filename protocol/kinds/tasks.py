"""Tasks: assignment to one member, and how it ends."""

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from protocol.ids import Id
from protocol.kinds.base import Body
from protocol.kinds.parts import Part
from protocol.kinds.usage import ReportedUsage

REASON_CHARS = 5000
"""The longest reason a task_failed or task_cancelled carries."""

TaskMode = Literal["sync", "async"]


class TaskAssign(Body):
    """Posted to a group: ``assignee`` should do this and post a result or a failure."""

    KIND: ClassVar[str] = "task_assign"

    task_id: Id
    assignee: Id
    description: str = Field(max_length=50_000)
    mode: TaskMode = Field(
        default="sync", description="sync: the flow waits for it; async: the flow goes on."
    )
    inputs: dict[str, Any] = Field(default_factory=dict)
    criteria: str = Field(default="", max_length=5000, description="When the task is done.")
    deadline: datetime | None = None


class TaskProgress(Body):
    """A note from the assignee on long work; the task is still running."""

    KIND: ClassVar[str] = "task_progress"

    task_id: Id
    text: str = Field(default="", max_length=20_000)
    percent: float | None = Field(default=None, ge=0, le=100)


class TaskResult(Body):
    """The assignee's result. A tool that has one exact answer puts it in ``data`` as
    ``answer`` (a display string, e.g. ``"57.6 km/h"``) and ``value`` (the number), and
    one whose text states only what its own sources hold sets ``grounded: true``: the
    coordinator takes those as facts and checks every other text against them."""

    KIND: ClassVar[str] = "task_result"

    task_id: Id
    text: str = Field(max_length=200_000)
    data: dict[str, Any] | None = None
    parts: list[Part] = Field(default_factory=list, max_length=100)
    usage: ReportedUsage = None


class TaskFailed(Body):
    KIND: ClassVar[str] = "task_failed"

    task_id: Id
    reason: str = Field(max_length=REASON_CHARS)
    usage: ReportedUsage = None


class TaskCancelled(Body):
    """The coordinator called the task off; the assignee should stop working on it."""

    KIND: ClassVar[str] = "task_cancelled"

    task_id: Id
    reason: str = Field(default="", max_length=REASON_CHARS)


class Pause(Body):
    """The flow waits until every task named in ``triggers`` has finished."""

    KIND: ClassVar[str] = "pause"

    triggers: list[Id] = Field(min_length=1, max_length=100)
    reason: str = Field(default="", max_length=2000)
