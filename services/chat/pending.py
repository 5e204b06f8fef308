"""The "waits for your answer" index: which logged messages an agent still owes a reply.

A message is pending for an agent when it mentions the agent or names it as a
next speaker (and the agent did not send it), until the agent posts a message
with ``in_reply_to`` set to it.

The index lives in a JetStream KV bucket, one key per (agent, group, message):
``<agent>.<group>.<message id>`` → ``p<seq>`` (pending) or ``a`` (answered).
It is written by the fan-out, which reads every logged message at least once
in log order, so the index is derived from the log and survives any crash:

- a mention is recorded with ``create``, which never overwrites, so a
  redelivered old message cannot make an answered one pending again;
- an answer is recorded with ``put`` whether or not its target was pending
  (reading first would cost a round trip for every reply).

Who is addressed: the ids in ``mentions`` and ``next_speakers``, and every
``@<id>`` written in the message's ``text`` where ``<id>`` is a member of the
group (people type ``@calculator`` rather than fill in a field). A token is
read up to the first character an id cannot hold; when that is not a member,
trailing ``:``, ``-`` and ``_`` are dropped (``@bob: why?`` mentions ``bob``).
An ``@`` inside a word (``ada@example.org``) mentions nobody.

Why KV rather than scanning the log at query time: a query then costs one
filtered watch over the agent's own keys plus one read per pending message,
whatever the length of the logs; scanning would read every message of every
group the agent is in. Entries expire after ``IOA_PENDING_TTL``.
"""

import asyncio
import re
from collections.abc import Collection
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from services.chat.groups import key_of

PENDING = b"p"
ANSWERED = b"a"


class PendingIndex:
    """Writes and reads the pending-answers bucket."""

    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    @classmethod
    async def open(
        cls, js: JetStreamContext, bucket: str, *, ttl: float, replicas: int = 1
    ) -> "PendingIndex":
        try:
            kv = await js.key_value(bucket)
        except BucketNotFoundError:
            kv = await js.create_key_value(
                KeyValueConfig(
                    bucket=bucket,
                    description="ioa chat: messages waiting for an agent's answer",
                    history=1,
                    ttl=ttl,
                    replicas=replicas,
                    storage=StorageType.FILE,
                )
            )
        return cls(kv)

    @staticmethod
    def wants(envelope: dict[str, Any]) -> bool:
        """Whether a logged envelope may touch the index at all (most do not)."""
        body = envelope.get("body") or {}
        return bool(
            envelope.get("in_reply_to")
            or body.get("mentions")
            or body.get("next_speakers")
            or "@" in (body.get("text") or "")
        )

    async def record(
        self, group: str, seq: int, envelope: dict[str, Any], members: Collection[str]
    ) -> None:
        """Index one logged message (idempotent: the fan-out may see it more than once);
        ``members`` are the group's members, who may be mentioned in its text."""
        message = envelope["id"]
        pending = (self._mark_pending(a, group, message, seq) for a in addressed(envelope, members))
        await asyncio.gather(*pending)
        target = envelope.get("in_reply_to")
        if target:
            await self._kv.put(_key(envelope.get("sender", ""), group, target), ANSWERED)

    async def _mark_pending(self, agent: str, group: str, message: str, seq: int) -> None:
        try:
            await self._kv.create(_key(agent, group, message), PENDING + str(seq).encode())
        except KeyWrongLastSequenceError:
            pass  # already pending, or already answered: keep it

    async def pending(self, agent: str, group: str | None) -> list[tuple[str, int]]:
        """(group, seq) of the messages waiting for ``agent``, in one group or all of them."""
        pattern = f"{key_of(agent)}.{key_of(group) if group else '*'}.*"
        watcher = await self._kv.watch(pattern, ignore_deletes=True)
        found: list[tuple[str, int]] = []
        try:
            async for entry in watcher:
                if entry is None:  # the end of what is stored now
                    break
                value = entry.value or b""
                if value.startswith(PENDING):
                    group_key = entry.key.split(".")[1]
                    found.append((group_key.replace("=", ":"), int(value[1:])))
        finally:
            await watcher.stop()  # type: ignore[no-untyped-call]
        return sorted(found)


def _key(agent: str, group: str, message: str) -> str:
    return f"{key_of(agent)}.{key_of(group)}.{key_of(message)}"


# An "@" not preceded by a word character or another "@", then an id's characters.
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9_:-]{0,127})")


def addressed(envelope: dict[str, Any], members: Collection[str]) -> set[str]:
    """Whom a logged message waits for: its mentions, its next speakers and the members
    it mentions in its text as ``@<id>``; never its sender."""
    body = envelope.get("body") or {}
    found = {*body.get("mentions", ()), *body.get("next_speakers", ())}
    text = body.get("text")
    if isinstance(text, str) and "@" in text:
        found.update(_text_mentions(text, members))
    return found - {envelope.get("sender", "")}


def _text_mentions(text: str, members: Collection[str]) -> set[str]:
    found = set()
    for token in _MENTION.findall(text):
        for candidate in (token, token.rstrip(":-_")):
            if candidate in members:
                found.add(candidate)
                break
    return found
