"""Group records and where they live: a JetStream KV bucket with compare-and-set updates.

Several chat replicas share the bucket. Every change reads a record with its
revision and writes it back only if the revision is still the latest, retrying
otherwise, so two replicas never overwrite each other's change.

A second bucket indexes membership (key ``<member>.<group>``) so "my groups"
is one filtered read instead of a scan of every group. The group record stays
the truth: index keys are written before a member is added and deleted after
one is removed, so the index is always a superset, and a listing checks each
group's record before answering.

Every replica keeps a copy of the records, fed by a watch on the bucket, so a
post and a fan-out need no round trip to read the group (:meth:`cached`). A
copy is used only when it is at least as new as the caller needs: a post that
the copy would refuse is checked against the bucket first (a member added a
moment ago on another replica), and the fan-out asks for at least the revision
the post was accepted under. What the copy can let through is a post in the
few milliseconds after another replica removed its sender or closed the group.
"""

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Self

import structlog
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    KeyValueConfig,
    StorageType,
)
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue
from pydantic import ValidationError

from protocol.deadline import left
from protocol.errors import Conflict, Internal, NotFound, Timeout
from protocol.ids import is_person, new_id
from protocol.kinds import ChatMessage, GroupInfo
from protocol.kinds.chat import GroupState

log = structlog.get_logger("ioa.chat.groups")

UPDATE_ATTEMPTS = 20
KEYS_READ_SECONDS = 5.0
"""The longest one read of the membership index may take (less when a deadline is near)."""
KEYS_BATCH = 256


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
    max_turns: int | None = None
    """The turn budget: members' chat messages (the creator's aside) it takes in all."""
    turns: int = 0
    owed: dict[str, int] = field(default_factory=dict)
    """Answers a person asked these members for (see ``turns``)."""
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
        max_turns: int | None = None,
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
            max_turns=max_turns,
        )

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    def is_member(self, agent: str) -> bool:
        return agent in self.members

    def takes_turn(self, sender: str, kind: str) -> bool:
        """Whether a post of ``kind`` from ``sender`` spends one of the group's turns: a
        chat message of an agent other than the creator (a person steers, at a person's
        pace: their words are no loop to break)."""
        if self.max_turns is None or kind != "chat_message":
            return False
        return sender != self.created_by and not is_person(sender)

    def asks_as_person(self, sender: str, message: ChatMessage) -> bool:
        """Whether ``message`` is a person's question that names members to answer it,
        in a group with a turn budget (see ``turns.owe``)."""
        return self.max_turns is not None and is_person(sender) and bool(message.next_speakers)

    def can_read(self, agent: str) -> bool:
        """Its creator, members and observers may read the group: its record, its history."""
        return agent == self.created_by or agent in self.members or agent in self.observers

    def seen_by(self, agent: str) -> Self:
        """This group, if ``agent`` may know that it exists (:meth:`can_read`); anyone else
        gets :func:`no_group`, word for word what an id no group has gets, so that a
        stranger cannot tell a group it may not see from one that does not exist."""
        if not self.can_read(agent):
            raise no_group(self.id)
        return self

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
            max_turns=self.max_turns,
            turns=self.turns,
            owed=dict(self.owed),
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
            max_turns=info.max_turns,
            turns=info.turns,
            owed=dict(info.owed),
            revision=revision,
        )


def no_group(group_id: str) -> NotFound:
    """The answer for a group id that no group has (and for one the asker may not see)."""
    return NotFound(f"there is no group {group_id!r}")


def unique(ids: Iterable[str]) -> list[str]:
    """``ids`` without repeats, in first-seen order."""
    return list(dict.fromkeys(ids))


def key_of(group_id: str) -> str:
    # KV keys may not contain ':' (ids may); '=' never occurs in an id, so the
    # mapping is one to one.
    return group_id.replace(":", "=")


async def open_bucket(
    js: JetStreamContext, bucket: str, description: str, *, replicas: int = 1
) -> KeyValue:
    """Bind to ``bucket``, creating it if it does not exist yet (every replica may)."""
    try:
        return await js.key_value(bucket)
    except BucketNotFoundError:
        # Two replicas starting together both land here; creating a bucket
        # with the same configuration twice is harmless.
        kv = await js.create_key_value(
            KeyValueConfig(
                bucket=bucket,
                description=description,
                history=1,
                replicas=replicas,
                storage=StorageType.FILE,
            )
        )
        log.info("created a bucket", bucket=bucket)
        return kv


async def keys_under(js: JetStreamContext, bucket: str, prefix: str) -> list[str]:
    """The live keys ``<prefix>.<token>`` of KV bucket ``bucket``, as they stand when asked.

    A short-lived pull consumer of each key's last entry: its pending count at creation
    says how many entries there are, so the read ends when it has them all, and a key
    written before the call is never missed. (nats-py's ``watch`` decides that the stored
    entries are all in by comparing the consumer's pending count with what has reached
    the client; a consumer-info reply that overtook the entries made it end with none.)
    """
    stream, subjects = f"KV_{bucket}", f"$KV.{bucket}."
    info = await js.add_consumer(
        stream,
        ConsumerConfig(
            name=f"keys-{new_id()}",
            filter_subject=f"{subjects}{prefix}.*",
            deliver_policy=DeliverPolicy.LAST_PER_SUBJECT,
            ack_policy=AckPolicy.NONE,
            headers_only=True,
            inactive_threshold=KEYS_READ_SECONDS * 2,
            mem_storage=True,
            num_replicas=1,
        ),
    )
    try:
        count = info.num_pending or 0
        if count == 0:
            return []
        psub = await js.pull_subscribe_bind(consumer=info.name, stream=stream)
        try:
            return await asyncio.wait_for(
                _read_keys(psub, count, len(subjects)), timeout=left(KEYS_READ_SECONDS)
            )
        except TimeoutError:
            raise Timeout(f"reading the keys under {prefix!r} took too long") from None
        finally:
            await psub.unsubscribe()
    finally:
        with contextlib.suppress(Exception):
            await js.delete_consumer(stream, info.name)


async def _read_keys(psub: Any, count: int, skip: int) -> list[str]:
    keys: list[str] = []
    read = 0
    while read < count:
        try:
            msgs = await psub.fetch(batch=min(count - read, KEYS_BATCH), timeout=1.0)
        except TimeoutError:  # nats' own and asyncio's; the caller's deadline bounds this
            continue
        for msg in msgs:
            read += 1
            headers = msg.headers or {}
            if headers.get("KV-Operation") in ("DEL", "PURGE") or "Nats-Marker-Reason" in headers:
                continue  # a deleted key (or, on nats-server 2.11+, one that expired)
            keys.append(msg.subject[skip:])
    return keys


class GroupStore:
    """Group records in a KV bucket, one key per group, stored as ``GroupInfo`` JSON."""

    def __init__(
        self, kv: KeyValue, memberships: KeyValue, *, js: JetStreamContext, index: str
    ) -> None:
        self._kv = kv
        self._memberships = memberships
        self._js = js
        self._index_bucket = index  # the name of ``memberships``, read by :func:`keys_under`
        self._copies: dict[str, Group] = {}
        self._watch: asyncio.Task[None] | None = None
        self._watcher: Any = None

    async def watch(self) -> None:
        """Start keeping local copies of the records up to date."""
        self._watcher = await self._kv.watchall()
        self._watch = asyncio.create_task(self._follow(self._watcher), name="groups-watch")

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watch
        if self._watcher is not None:
            with contextlib.suppress(Exception):
                await self._watcher.stop()

    async def _follow(self, watcher: Any) -> None:
        while True:
            try:
                entry = await watcher.updates(timeout=3600)
            except TimeoutError:  # nats' own and asyncio's: nothing changed for an hour
                continue
            except Exception as exc:
                log.warning("groups watch failed; copies may lag", error=str(exc))
                await asyncio.sleep(1)
                continue
            if entry is None or not entry.value:
                continue  # the end of the initial values, or a deletion (groups are kept)
            try:
                info = GroupInfo.model_validate_json(entry.value)
            except ValidationError:
                continue
            self._keep(Group.from_info(info, revision=entry.revision or 0))

    def _keep(self, group: Group) -> None:
        held = self._copies.get(group.id)
        if held is None or held.revision < group.revision:
            self._copies[group.id] = group

    async def cached(self, group_id: str, *, min_revision: int = 0) -> Group:
        """The local copy of a group if it is at least ``min_revision``, else the record."""
        group = self._copies.get(group_id)
        if group is not None and group.revision >= min_revision:
            return group
        return await self.get(group_id)

    @classmethod
    async def open(cls, js: JetStreamContext, bucket: str, *, replicas: int = 1) -> Self:
        """Bind to ``bucket`` and its membership index ``<bucket>_members``."""
        kv = await open_bucket(js, bucket, "ioa chat groups", replicas=replicas)
        index = f"{bucket}_members"
        memberships = await open_bucket(js, index, "ioa chat: member -> groups", replicas=replicas)
        return cls(kv, memberships, js=js, index=index)

    async def create(self, group: Group) -> Group:
        """Store a new group; :class:`Conflict` if a group with its id exists."""
        await self._index(group.id, group.members)
        try:
            revision = await self._kv.create(key_of(group.id), _encode(group))
        except KeyWrongLastSequenceError:
            raise Conflict(f"group {group.id!r} already exists") from None
        created = replace(group, revision=revision)
        self._keep(created)
        return created

    async def groups_of(self, member: str, *, limit: int) -> list[Group]:
        """The groups ``member`` belongs to now, ordered by id, at most ``limit``."""
        keys = await keys_under(self._js, self._index_bucket, key_of(member))
        ids = sorted(key.rsplit(".", 1)[1].replace("=", ":") for key in keys)
        found: list[Group] = []
        for group_id in ids:
            try:
                group = await self.get(group_id)
            except NotFound:
                continue  # indexed before a create that then failed
            if group.is_member(member):
                found.append(group)
                if len(found) >= limit:
                    break
        return found

    async def _index(self, group_id: str, members: Iterable[str]) -> None:
        await asyncio.gather(
            *(self._memberships.put(_member_key(m, group_id), b"") for m in members)
        )

    async def _unindex(self, group_id: str, members: Iterable[str]) -> None:
        await asyncio.gather(*(self._memberships.delete(_member_key(m, group_id)) for m in members))

    async def get(self, group_id: str) -> Group:
        """The group with its current revision; :class:`NotFound` if there is none."""
        try:
            entry = await self._kv.get(key_of(group_id))
        except KeyNotFoundError:
            raise no_group(group_id) from None
        try:
            info = GroupInfo.model_validate_json(entry.value or b"")
        except ValidationError as exc:
            log.error("unreadable group record", group=group_id, error=str(exc))
            raise Internal(f"the record of group {group_id!r} is unreadable") from None
        group = Group.from_info(info, revision=entry.revision or 0)
        self._keep(group)
        return group

    async def update(self, group_id: str, change: Callable[[Group], Group]) -> Group:
        """Apply ``change`` to the latest record and store it if nobody wrote in between.

        ``change`` gets a copy and returns the new record; it may raise to refuse
        the change (that error propagates, and nothing is stored: it runs before any
        write). It may run more than once when another replica wins a race, so it must
        not have side effects.
        """
        for _ in range(UPDATE_ATTEMPTS):
            current = await self.get(group_id)
            copy = replace(
                current,
                members=[*current.members],
                observers=[*current.observers],
                owed=dict(current.owed),
            )
            changed = change(copy)
            if changed == current:
                return current
            added = [m for m in changed.members if m not in current.members]
            removed = [m for m in current.members if m not in changed.members]
            await self._index(group_id, added)  # before: the index stays a superset
            try:
                revision = await self._kv.update(
                    key_of(group_id), _encode(changed), last=current.revision
                )
            except KeyWrongLastSequenceError:
                continue  # someone else changed it first: read again and redo
            await self._unindex(group_id, removed)
            updated = replace(changed, revision=revision)
            self._keep(updated)
            return updated
        raise Conflict(f"group {group_id!r} is changing too often; try again")


def _member_key(member: str, group_id: str) -> str:
    return f"{key_of(member)}.{key_of(group_id)}"


def _encode(group: Group) -> bytes:
    return group.info().model_dump_json().encode()
