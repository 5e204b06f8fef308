"""Tasks: assignment to one member, and how it ends."""

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from protocol.ids import Id
from protocol.kinds.base import Body

TaskMode = Literal["sync", "async"]


class TaskAssign(Body):
    """Posted to a group: ``assignee`` should do this and post a result or a failure."""

    KIND: ClassVar[str] = "task_assign"

    task_id: Id
    assignee: Id
    description: str = Field(max_length=50_000)
    mode: TaskMode = "sync"
    inputs: dict[str, Any] = Field(default_factory=dict)
    deadline: datetime | None = None


class TaskResult(Body):
    KIND: ClassVar[str] = "task_result"

    task_id: Id
    text: str = Field(max_length=200_000)
    data: dict[str, Any] | None = None


class TaskFailed(Body):
    KIND: ClassVar[str] = "task_failed"

    task_id: Id
    reason: str = Field(max_length=5000)
