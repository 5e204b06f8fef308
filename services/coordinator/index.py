"""The index: what every replica knows of all conversations without reading them.

Listing a requester's conversations, and each replica's scan for conversations to
adopt, used to read the whole bucket on every call: a listing of its keys (which
creates a JetStream consumer, and the server keeps at most 1,000 of them on a stream,
each for minutes) and then every record. At a few hundred lists a second the listing
failed. Now each replica watches the bucket through one consumer for its lifetime and
keeps a :class:`Heading` of every record in memory (a few hundred bytes each, not the
records). The watch starts with the latest value of every key and then sees every
write, whichever replica made it, so the index is never more than a moment behind the
bucket, and a restarted replica rebuilds it from the bucket: nothing kept beside the
bucket can disagree with it. A per-requester key kept on writes was the other choice;
it would make every state change a second compare-and-set on a key that all of one
user's conversations share.

A reader that must see every write made before it (a user lists the conversation it
just started through another replica) waits with :meth:`ConversationIndex.caught_up`
until the watch has reached the bucket's last sequence at that moment.
"""

import asyncio
from collections import defaultdict
from collections.abc import Callable
from types import TracebackType
from typing import Self

import structlog
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue
from pydantic import Field, ValidationError

from protocol.errors import Unavailable
from services.coordinator.state import Heading, TaskHeading

log = structlog.get_logger("ioa.coordinator.index")

CATCH_UP_SECONDS = 5.0


class Indexed(Heading):
    tasks: list[TaskHeading] = Field(default_factory=list)

    def assigned_to(self, agent: str) -> bool:
        """Whether ``agent`` has an open task here."""
        return any(t.open and t.assignee == agent for t in self.tasks)


class ConversationIndex:
    """A heading of every record in the bucket, kept up to date by a watch."""

    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv
        self._by_id: dict[str, Indexed] = {}
        self._by_requester: defaultdict[str, set[str]] = defaultdict(set)
        self._seen = 0  # the last stream sequence the watch has applied
        self._waiting: list[tuple[int, asyncio.Future[None]]] = []
        self._loaded = asyncio.Event()
        self._watcher: KeyValue.KeyWatcher | None = None
        self._task: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[Indexed], None]] = []

    async def __aenter__(self) -> Self:
        self._watcher = await self._kv.watchall()
        self._task = asyncio.create_task(self._follow(self._watcher), name="coordinator-index")
        await self._loaded.wait()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._watcher is not None:
            try:
                await self._watcher.stop()
            except Exception as exc:  # the connection is going anyway
                log.info("could not stop the watch", error=str(exc))
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=5)

    def listen(self, listener: Callable[[Indexed], None]) -> None:
        """Call ``listener`` with each heading as the watch sees it written, by any replica."""
        self._listeners.append(listener)

    def headings(self) -> list[Indexed]:
        return list(self._by_id.values())

    def of(self, requester: str) -> list[Indexed]:
        """The conversations ``requester`` started."""
        return [self._by_id[c] for c in self._by_requester.get(requester, ())]

    def assigned_to(self, agent: str) -> list[Indexed]:
        """The unfinished conversations in which ``agent`` has an open task."""
        return [h for h in self._by_id.values() if not h.finished and h.assigned_to(agent)]

    async def caught_up(self) -> None:
        """Return once the index holds every write made to the bucket before this call."""
        last = (await self._kv.status()).stream_info.state.last_seq
        if self._seen >= last:
            return
        ready = asyncio.get_running_loop().create_future()
        self._waiting.append((last, ready))
        try:
            await asyncio.wait_for(ready, CATCH_UP_SECONDS)
        except TimeoutError:
            raise Unavailable(
                f"this coordinator's view of the conversations is {last - self._seen} "
                "writes behind (is NATS recovering?); try again in a few seconds"
            ) from None
        finally:
            if not ready.done():
                ready.cancel()

    async def _follow(self, watcher: KeyValue.KeyWatcher) -> None:
        # The watch sends None once it has delivered the bucket's values at its start.
        async for entry in watcher:
            if entry is None:
                self._loaded.set()
                continue
            if entry.operation in (KV_DEL, KV_PURGE) or not entry.value:
                self._drop(entry.key)
            else:
                self._put(entry.key, entry.value)
            self._seen = max(self._seen, entry.revision or 0)
            self._wake()

    def _put(self, key: str, value: bytes) -> None:
        try:
            heading = Indexed.model_validate_json(value)
        except ValidationError as exc:
            log.warning("a record that does not decode is left out", key=key, error=str(exc))
            self._drop(key)
            return
        old = self._by_id.get(key)
        if old is not None and old.requester != heading.requester:
            self._by_requester[old.requester].discard(key)
        self._by_id[key] = heading
        self._by_requester[heading.requester].add(key)
        for listener in self._listeners:
            try:
                listener(heading)
            except Exception:  # the watch goes on whatever a listener does
                log.exception("an index listener failed", key=key)

    def _drop(self, key: str) -> None:
        old = self._by_id.pop(key, None)
        if old is not None:
            self._by_requester[old.requester].discard(key)

    def _wake(self) -> None:
        if not self._waiting:
            return
        still = []
        for last, ready in self._waiting:
            if ready.done():
                continue
            if self._seen >= last:
                ready.set_result(None)
            else:
                still.append((last, ready))
        self._waiting = still
