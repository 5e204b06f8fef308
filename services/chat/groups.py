"""Group records and where they live: a JetStream KV bucket with compare-and-set updates.

Several chat replicas share the bucket. Every change reads a record with its
revision and writes it back only if the revision is still the latest, retrying
otherwise, so two replicas never overwrite each other's change.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Self

import structlog
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue
from pydantic import ValidationError

from protocol.errors import Conflict, Internal, NotFound
from protocol.kinds import GroupInfo
from protocol.kinds.chat import GroupState

log = structlog.get_logger("ioa.chat.groups")

UPDATE_ATTEMPTS = 20


@dataclass(slots=True)
class Group:
    """One group as the chat service keeps it; ``revision`` is the KV revision it was read at."""

    id: str
    created_by: str
    members: list[str]
    observers: list[str] = field(default_factory=list)
    conversation: str | None = None
    title: str = ""
    state: GroupState = "open"
    revision: int = 0

    @classmethod
    def new(
        cls,
        id: str,
        *,
        created_by: str,
        members: Iterable[str],
        observers: Iterable[str] = (),
        conversation: str | None = None,
        title: str = "",
    ) -> Self:
        """A new open group; the creator is always its first member, ids appear once each."""
        member_list = unique([created_by, *members])
        observer_list = [o for o in unique(observers) if o not in member_list]
        return cls(
            id=id,
            created_by=created_by,
            members=member_list,
            observers=observer_list,
            conversation=conversation,
            title=title,
        )

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    def is_member(self, agent: str) -> bool:
        return agent in self.members

    def can_read(self, agent: str) -> bool:
        """Members and observers may read the history."""
        return agent in self.members or agent in self.observers

    def recipients(self, sender: str) -> list[str]:
        """Who gets a copy of a message from ``sender``: every member but the sender."""
        return [m for m in self.members if m != sender]

    def info(self) -> GroupInfo:
        return GroupInfo(
            group=self.id,
            conversation=self.conversation,
            title=self.title,
            created_by=self.created_by,
            members=list(self.members),
            observers=list(self.observers),
            state=self.state,
        )

    @classmethod
    def from_info(cls, info: GroupInfo, *, revision: int = 0) -> Self:
        return cls(
            id=info.group,
            created_by=info.created_by,
            members=list(info.members),
            observers=list(info.observers),
            conversation=info.conversation,
            title=info.title,
            state=info.state,
            revision=revision,
        )


def unique(ids: Iterable[str]) -> list[str]:
    """``ids`` without repeats, in first-seen order."""
    return list(dict.fromkeys(ids))


def key_of(group_id: str) -> str:
    # KV keys may not contain ':' (ids may); '=' never occurs in an id, so the
    # mapping is one to one.
    return group_id.replace(":", "=")


class GroupStore:
    """Group records in a KV bucket, one key per group, stored as ``GroupInfo`` JSON."""

    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    @classmethod
    async def open(cls, js: JetStreamContext, bucket: str, *, replicas: int = 1) -> Self:
        """Bind to ``bucket``, creating it if it does not exist yet (every replica may)."""
        try:
            kv = await js.key_value(bucket)
        except BucketNotFoundError:
            # Two replicas starting together both land here; creating a bucket
            # with the same configuration twice is harmless.
            kv = await js.create_key_value(
                KeyValueConfig(
                    bucket=bucket,
                    description="ioa chat groups",
                    history=1,
                    replicas=replicas,
                    storage=StorageType.FILE,
                )
            )
            log.info("created the groups bucket", bucket=bucket)
        return cls(kv)

    async def create(self, group: Group) -> Group:
        """Store a new group; :class:`Conflict` if a group with its id exists."""
        try:
            revision = await self._kv.create(key_of(group.id), _encode(group))
        except KeyWrongLastSequenceError:
            raise Conflict(f"group {group.id!r} already exists") from None
        return replace(group, revision=revision)

    async def get(self, group_id: str) -> Group:
        """The group with its current revision; :class:`NotFound` if there is none."""
        try:
            entry = await self._kv.get(key_of(group_id))
        except KeyNotFoundError:
            raise NotFound(f"there is no group {group_id!r}") from None
        try:
            info = GroupInfo.model_validate_json(entry.value or b"")
        except ValidationError as exc:
            log.error("unreadable group record", group=group_id, error=str(exc))
            raise Internal(f"the record of group {group_id!r} is unreadable") from None
        return Group.from_info(info, revision=entry.revision or 0)

    async def update(self, group_id: str, change: Callable[[Group], Group]) -> Group:
        """Apply ``change`` to the latest record and store it if nobody wrote in between.

        ``change`` gets a copy and returns the new record; it may raise to refuse
        the change (that error propagates). It may run more than once when
        another replica wins a race, so it must not have side effects.
        """
        for _ in range(UPDATE_ATTEMPTS):
            current = await self.get(group_id)
            copy = replace(current, members=[*current.members], observers=[*current.observers])
            changed = change(copy)
            if changed == current:
                return current
            try:
                revision = await self._kv.update(
                    key_of(group_id), _encode(changed), last=current.revision
                )
            except KeyWrongLastSequenceError:
                continue  # someone else changed it first: read again and redo
            return replace(changed, revision=revision)
        raise Conflict(f"group {group_id!r} is changing too often; try again")


def _encode(group: Group) -> bytes:
    return group.info().model_dump_json().encode()
