"""The group logs: appending to them and reading pages of them back.

Every group's log is the subject ``subjects.group_log(group)`` in the one
GROUPS stream. An append carries the envelope id as ``Nats-Msg-Id``, so
JetStream stores a retried post once and answers it with the first sequence.
"""

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any

import nats
import structlog
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from protocol.connection import MSG_ID_HEADER, Connection
from protocol.envelope import Envelope
from protocol.errors import Timeout, Unavailable
from protocol.ids import new_id
from protocol.kinds import LoggedMessage
from protocol.streams import group_stream
from protocol.tracing import producer_span

log = structlog.get_logger("ioa.chat.log")

GROUP_REVISION_HEADER = "Ioa-Group-Revision"

# JSON around each message in a history page ({"seq":…,"envelope":…},).
PER_MESSAGE_OVERHEAD = 64


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

    async def append(self, group: str, env: Envelope[Any], *, group_revision: int = 0) -> Appended:
        """Append ``env`` durably; returns once JetStream has stored it.

        ``group_revision`` (the group record the post was accepted under) travels
        in a header, so the fan-out delivers to at least that membership.
        """
        subject = self._subjects.group_log(group)
        try:
            with producer_span(subject, env) as headers:
                headers[MSG_ID_HEADER] = env.id
                headers[GROUP_REVISION_HEADER] = str(group_revision)
                ack = await self._conn.js.publish(subject, env.encode(), headers=headers)
        except (TimeoutError, nats.errors.NoRespondersError) as exc:
            # Nothing is lost: a retry with the same envelope id is stored once.
            raise Unavailable(
                f"the log of group {group!r} is not available right now ({type(exc).__name__}); "
                "retry the post with the same envelope id",
                in_reply_to=env.id,
            ) from None
        return Appended(seq=ack.seq, duplicate=bool(ack.duplicate))

    async def at(self, seq: int) -> LoggedMessage | None:
        """The logged message with stream sequence ``seq`` (``None`` if it aged out)."""
        try:
            raw = await self._conn.js.get_msg(self._stream, seq)
        except nats.js.errors.NotFoundError:
            return None
        return LoggedMessage(seq=seq, envelope=json.loads(raw.data or b"{}"))

    async def read(
        self, group: str, *, after: int, limit: int, max_bytes: int, timeout: float
    ) -> list[LoggedMessage]:
        """Up to ``limit`` messages of ``group`` with sequence above ``after``, oldest first.

        The page stops early rather than grow past ``max_bytes`` (it always holds
        at least one message when there is one), so it fits in one reply.
        """
        js = self._conn.js
        # A short-lived consumer reads the page in a few round trips; its
        # pending count says how many messages there are, so nothing waits for
        # messages that do not exist. The server removes it if we vanish.
        config = ConsumerConfig(
            name=f"history-{new_id()}",
            filter_subject=self._subjects.group_log(group),
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=after + 1,
            ack_policy=AckPolicy.NONE,
            inactive_threshold=max(timeout * 2, 10.0),
            mem_storage=True,
            num_replicas=1,
        )
        info = await js.add_consumer(self._stream, config)
        try:
            wanted = min(limit, info.num_pending or 0)
            if wanted == 0:
                return []
            psub = await js.pull_subscribe_bind(consumer=info.name, stream=self._stream)
            try:
                return await asyncio.wait_for(self._fetch(psub, wanted, max_bytes), timeout=timeout)
            except TimeoutError:
                raise Timeout(f"reading the history of group {group!r} took too long") from None
            finally:
                await psub.unsubscribe()
        finally:
            with contextlib.suppress(Exception):
                await js.delete_consumer(self._stream, info.name)

    async def _fetch(self, psub: Any, wanted: int, max_bytes: int) -> list[LoggedMessage]:
        page: list[LoggedMessage] = []
        size = 0
        while len(page) < wanted:
            try:
                msgs = await psub.fetch(batch=wanted - len(page), timeout=1.0)
            except TimeoutError:  # nats' own and asyncio's; the caller's deadline bounds this
                continue
            for msg in msgs:
                seq = msg.metadata.sequence.stream
                try:
                    envelope = json.loads(msg.data)
                except ValueError:
                    # Only this service writes the logs; say so loudly, serve the rest.
                    log.error("a group log holds a message that is not JSON", seq=seq)
                    wanted -= 1
                    continue
                size += len(msg.data) + PER_MESSAGE_OVERHEAD
                if page and size > max_bytes:
                    return page
                page.append(LoggedMessage(seq=seq, envelope=envelope))
                if len(page) >= wanted:
                    return page
        return page
