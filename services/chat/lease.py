"""One active fan-out at a time: a lease in a JetStream KV bucket whose entries expire.

Replicas race to ``create`` the key; the winner renews it by compare-and-set
every third of the TTL. A replica that dies stops renewing, the key ages out
of the bucket, and another replica creates it. A replica that cannot renew
in time (it lost the key) stops fanning out at once.
"""

import asyncio
import contextlib
from types import TracebackType
from typing import Self

import structlog
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

log = structlog.get_logger("ioa.chat.lease")


class Lease:
    """Holds ``key`` in ``bucket`` while it can; :attr:`held` says whether it does now."""

    def __init__(
        self,
        js: JetStreamContext,
        bucket: str,
        key: str,
        holder: str,
        ttl: float,
        *,
        replicas: int = 1,
    ):
        self._js = js
        self._bucket = bucket
        self._key = key
        self._holder = holder.encode()
        self._ttl = ttl
        self._replicas = replicas
        self._kv: KeyValue | None = None
        self._revision: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self.changed = asyncio.Event()

    @property
    def held(self) -> bool:
        return self._revision is not None

    async def __aenter__(self) -> Self:
        try:
            self._kv = await self._js.key_value(self._bucket)
        except BucketNotFoundError:
            self._kv = await self._js.create_key_value(
                KeyValueConfig(
                    bucket=self._bucket,
                    description="ioa chat: leases",
                    history=1,
                    ttl=self._ttl,
                    storage=StorageType.FILE,
                    # On one server only, the lease would die with it and no replica
                    # could fan out again until that server came back.
                    replicas=self._replicas,
                )
            )
        await self._try()
        self._task = asyncio.create_task(self._keep(), name=f"lease-{self._key}")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            # Not cancel(): nats-py may turn a cancelled request into its own error,
            # which the renewal would take for a failed renewal and carry on.
            self._stop.set()
            done, _ = await asyncio.wait({self._task}, timeout=10)
            if not done:
                self._task.cancel()
        if self._kv is not None and self._revision is not None:
            # Hand over at once instead of letting the others wait out the TTL.
            with contextlib.suppress(Exception):
                await self._kv.delete(self._key, last=self._revision)
        self._revision = None

    async def _keep(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self._ttl / 3)
            if not self._stop.is_set():
                await self._try()

    async def _try(self) -> None:
        assert self._kv is not None
        was = self.held
        try:
            if self._revision is None:
                self._revision = await self._kv.create(self._key, self._holder)
            else:
                self._revision = await self._kv.update(self._key, self._holder, last=self._revision)
        except KeyWrongLastSequenceError:
            self._revision = None  # someone else holds it
        except Exception as exc:  # NATS unreachable: we cannot know, so we do not hold it
            log.warning("lease renewal failed", key=self._key, error=str(exc))
            self._revision = None
        if was != self.held:
            log.info("lease " + ("taken" if self.held else "lost"), key=self._key)
            self.changed.set()
