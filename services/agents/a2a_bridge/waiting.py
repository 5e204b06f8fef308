"""The bridge's open questions: remote tasks waiting for a group's answer, kept across
restarts.

They live in the agent's own handled-ids bucket (``protocol.inbox.handled_bucket``):
on a secured network that is the only bucket an agent may use, and only to get and
put keys, not to list or watch them (``protocol/permissions.py``). So they are one
record, ``a2a.waiting`` (group -> question), read once at the first use and written
whole on every change; the bucket's other keys are message ids, which hold no dot,
so it cannot clash with them. It expires with the bucket's TTL (7 days) unless
changed. Without the bucket (an agent run with ``handled_ttl=None``, or a network
that refuses it) the questions are kept in memory only, and the log says so.
"""

import json
from dataclasses import dataclass
from typing import Any

import structlog
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from protocol.connection import Connection
from protocol.envelope import Envelope, from_dict
from protocol.errors import IoaError
from protocol.inbox import handled_bucket
from protocol.kinds import TaskAssign

log = structlog.get_logger("ioa.a2a_bridge")

KEY = "a2a.waiting"  # a dot: no message id (a handled key) has one


@dataclass(slots=True)
class Waiting:
    """A remote task waiting for the group's answer, and the task of ours it serves."""

    remote_task: str
    remote_context: str
    assignment: Envelope[TaskAssign] | None

    def record(self) -> dict[str, Any]:
        assignment = self.assignment.to_dict() if self.assignment else None
        return {"task": self.remote_task, "context": self.remote_context, "for": assignment}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "Waiting":
        assignment = from_dict(record["for"]) if record.get("for") else None
        if assignment is not None and not isinstance(assignment.body, TaskAssign):
            raise ValueError(f"a waiting question serves a {assignment.type}, not a task")
        return cls(str(record["task"]), str(record["context"]), assignment)


class WaitingStore:
    """Open questions by group, in memory and in the agent's bucket."""

    def __init__(self, conn: Connection, owner: str) -> None:
        self._conn = conn
        self._owner = owner
        self._kv: KeyValue | None = None
        self._questions: dict[str, Waiting] = {}
        self._loaded = False

    async def get(self, group: str) -> Waiting | None:
        await self._load()
        return self._questions.get(group)

    async def put(self, group: str, waiting: Waiting) -> None:
        await self._load()
        self._questions[group] = waiting
        await self._save()

    async def drop(self, group: str) -> None:
        await self._load()
        if self._questions.pop(group, None) is not None:
            await self._save()

    async def _save(self) -> None:
        if self._kv is None:
            return
        if self._questions:
            record = {group: w.record() for group, w in self._questions.items()}
            await self._kv.put(KEY, json.dumps(record).encode())
        else:
            await self._kv.delete(KEY)

    async def _load(self) -> None:
        """Read the questions a previous run left, once, before the first one is used."""
        if self._loaded:
            return
        self._loaded = True
        bucket = handled_bucket(self._conn.subjects, self._owner)
        try:
            self._kv = await self._conn.js.key_value(bucket)
            raw = (await self._kv.get(KEY)).value or b"{}"
        except KeyNotFoundError:
            return  # nothing was left open
        except Exception as exc:  # no bucket, or none allowed: memory only
            self._kv = None
            log.warning(
                "open questions are kept in memory only: a restart forgets them",
                bucket=bucket,
                error=f"{type(exc).__name__}: {exc}",
            )
            return
        try:
            record: dict[str, Any] = json.loads(raw)
            for group, question in record.items():
                self._questions[group] = Waiting.from_record(question)
        except (IoaError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.error("the open questions left were unreadable; dropped", error=str(exc))
            self._questions.clear()
        if self._questions:
            log.info("open questions restored", groups=sorted(self._questions))
