"""An assignee reported offline that has told of its task since is not gone: the
registry is not even asked (an offline report replayed after a restart is old news)."""

from datetime import timedelta
from typing import Any, cast

from protocol.connection import Connection
from services.coordinator import presence
from services.coordinator.state import Task, now


class Unasked:
    async def request(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the registry was asked")


async def test_progress_after_the_offline_report_means_the_member_is_there() -> None:
    reported = now()
    task = Task(
        task_id="c-t1",
        assignee="slow",
        description="work",
        deadline=reported + timedelta(minutes=1),
        assignee_offline=True,
        offline_at=reported,
        progress_at=reported + timedelta(seconds=1),
    )
    assert await presence.gone(cast(Connection, Unasked()), task) is False
