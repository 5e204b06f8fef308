"""The group logs: appending to them and reading pages of them back.

Every group's log is the subject ``subjects.group_log(group)`` in the one
GROUPS stream. An append carries the envelope id as ``Nats-Msg-Id``, so
JetStream stores a retried post once and answers it with the first sequence.
"""

import asyncio
import contextlib
import json
from collections import deque
from dataclasses import dataclass
from typing import Any

import nats
import structlog
from nats.js.api import AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy

from protocol import metrics
from protocol.connection import MSG_ID_HEADER, Connection
from protocol.envelope import Envelope
from protocol.errors import Timeout, Unavailable
from protocol.ids import new_id
from protocol.kinds import LoggedMessage
from protocol.streams import group_stream
from protocol.tracing import inject

log = structlog.get_logger("ioa.chat.log")

GROUP_REVISION_HEADER = "Ioa-Group-Revision"

# JSON around each message in a history page ({"seq":…,"envelope":…},).
PER_MESSAGE_OVERHEAD = 64
# Messages asked for in one pull (a page back may read past many before its own).
FETCH_BATCH = 256
# Seconds JetStream has to store an append (nats-py's default for a publish).
APPEND_TIMEOUT = 5.0


@dataclass(slots=True, frozen=True)
class Appended:
    """Where an append landed; ``duplicate`` when the id was already in the log."""

    seq: int
    duplicate: bool


class GroupLog:
    """Appends to and reads from the group logs of one subject root."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._subjects = conn.subjects
        self._stream = group_stream(conn.subjects).name

    async def append(
        self, group: str, env: Envelope[Any], data: bytes, *, group_revision: int = 0
    ) -> Appended:
        """Append ``env`` (encoded as ``data``) durably; returns once JetStream has stored it.

        ``group_revision`` (the group record the post was accepted under) travels
        in a header, so the fan-out delivers to at least that membership. The trace
        context is the caller's (the post's span): a span of the append's own cost
        more than the rest of the append.
        """
        subject = self._subjects.group_log(group)
        headers = inject({MSG_ID_HEADER: env.id, GROUP_REVISION_HEADER: str(group_revision)})
        metrics.published.add(1, metrics.message_attributes("group.log", env.type))
        try:
            # A JetStream publish by hand: nats-py's turns every ack into a PubAck
            # dataclass, which showed in the profile; two fields are all we read.
            reply = await self._conn.nc.request(
                subject, data, timeout=APPEND_TIMEOUT, headers=headers
            )
            ack = json.loads(reply.data)
            if "error" in ack:
                raise nats.js.errors.APIError.from_error(ack["error"])
            return Appended(seq=int(ack["seq"]), duplicate=bool(ack.get("duplicate")))
        except (TimeoutError, nats.errors.NoRespondersError, nats.js.errors.APIError) as exc:
            # Nothing is lost: a retry with the same envelope id is stored once.
            raise Unavailable(
                f"the log of group {group!r} is not available right now ({type(exc).__name__}"
                f"{': ' + str(exc) if isinstance(exc, nats.js.errors.APIError) else ''}); "
                "retry the post with the same envelope id",
                in_reply_to=env.id,
            ) from None

    async def at(self, seq: int) -> LoggedMessage | None:
        """The logged message with stream sequence ``seq`` (``None`` if it aged out)."""
        try:
            raw = await self._conn.js.get_msg(self._stream, seq)
        except nats.js.errors.NotFoundError:
            return None
        return LoggedMessage(seq=seq, envelope=json.loads(raw.data or b"{}"))

    async def read(
        self,
        group: str,
        *,
        after: int,
        before: int | None = None,
        limit: int,
        max_bytes: int,
        timeout: float,
    ) -> list[LoggedMessage]:
        """Messages of ``group`` with ``after < seq < before``, oldest first: the first
        ``limit`` of them, or, with ``before``, the last ``limit`` (a page back from there).

        The page stops early rather than grow past ``max_bytes`` (it always holds at
        least one message when there is one), so it fits in one reply. A page back gives
        up its oldest messages instead, so paging on from its first seq misses none.
        """
        if before is not None and before <= after + 1:
            return []
        js = self._conn.js
        info = await self._reader(group, after + 1, timeout)
        try:
            count = info.num_pending or 0
            if before is not None:
                count -= await self._count_from(group, before, timeout)
            wanted = min(limit, count)
            if wanted == 0:
                return []
            # Going back means reading forward past what lies before the page.
            skip = count - wanted if before is not None else 0
            psub = await js.pull_subscribe_bind(consumer=info.name, stream=self._stream)
            try:
                return await asyncio.wait_for(
                    self._fetch(psub, skip, wanted, max_bytes, keep_newest=before is not None),
                    timeout=timeout,
                )
            except TimeoutError:
                raise Timeout(f"reading the history of group {group!r} took too long") from None
            finally:
                await psub.unsubscribe()
        finally:
            with contextlib.suppress(Exception):
                await js.delete_consumer(self._stream, info.name)

    async def _reader(self, group: str, start: int, timeout: float) -> ConsumerInfo:
        """A short-lived consumer of the group's log from ``start``: it reads a page in a
        few round trips, and its pending count says how many messages there are, so
        nothing waits for messages that do not exist. The server removes it if we vanish."""
        config = ConsumerConfig(
            name=f"history-{new_id()}",
            filter_subject=self._subjects.group_log(group),
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=start,
            ack_policy=AckPolicy.NONE,
            inactive_threshold=max(timeout * 2, 10.0),
            mem_storage=True,
            num_replicas=1,
        )
        return await self._conn.js.add_consumer(self._stream, config)

    async def _count_from(self, group: str, start: int, timeout: float) -> int:
        """How many messages of the group's log have a seq of ``start`` or more."""
        info = await self._reader(group, start, timeout)
        with contextlib.suppress(Exception):
            await self._conn.js.delete_consumer(self._stream, info.name)
        return info.num_pending or 0

    async def _fetch(
        self, psub: Any, skip: int, wanted: int, max_bytes: int, *, keep_newest: bool
    ) -> list[LoggedMessage]:
        page: deque[tuple[LoggedMessage, int]] = deque()
        size = read = 0
        while read < skip + wanted:
            try:
                msgs = await psub.fetch(batch=min(skip + wanted - read, FETCH_BATCH), timeout=1.0)
            except TimeoutError:  # nats' own and asyncio's; the caller's deadline bounds this
                continue
            for msg in msgs:
                read += 1
                if read <= skip:
                    continue
                seq = msg.metadata.sequence.stream
                try:
                    envelope = json.loads(msg.data)
                except ValueError:
                    # Only this service writes the logs; say so loudly, serve the rest.
                    log.error("a group log holds a message that is not JSON", seq=seq)
                    continue
                cost = len(msg.data) + PER_MESSAGE_OVERHEAD
                if page and size + cost > max_bytes and not keep_newest:
                    return [entry for entry, _ in page]
                page.append((LoggedMessage(seq=seq, envelope=envelope), cost))
                size += cost
                while keep_newest and len(page) > 1 and size > max_bytes:
                    size -= page.popleft()[1]
        return [entry for entry, _ in page]
