"""The inboxes of the people registered here, consumed for them.

Each registered person has the durable inbox consumer any agent has
(``protocol.inbox``: ``inbox-user--<name>``); every gateway replica binds to it, so
the replicas share its messages and any one of them can die. A message that needs the
person's answer becomes a row in the gateway's database (``people.py``) *before* it
is acknowledged: a gateway that dies in between gets the message again, and a message
that arrives while no gateway runs waits in the inbox. The handled-ids bucket agents
use is not needed: storing an item twice stores it once.

Which people: the ``people`` table, read again every ``IOA_PEOPLE_SYNC_SECONDS`` (a
person who registered at another replica is picked up by then) and at once when
someone registers here.

A person's card has a lease like an agent's; the gateway renews it when the person
uses ``/v1/me`` (the web page asks for their pending items every few seconds), so a
person counts as reachable while they have been around within the lease.
"""

import asyncio
import contextlib
import functools
import time
from types import TracebackType
from typing import Any, Self

import structlog
from sqlalchemy import Engine

from gateway import people
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import IoaError, NotFound
from protocol.inbox import Inbox
from protocol.kinds import Heartbeat
from protocol.subjects import REGISTRY

log = structlog.get_logger("ioa.gateway.people")

RETRY_SECONDS = 1.0


class PeopleInboxes:
    """Consumes the registered people's inboxes into the database; renews their leases."""

    def __init__(
        self, conn: Connection, engine: Engine, *, sync_seconds: float, lease_seconds: float
    ) -> None:
        self.conn = conn
        self.engine = engine
        self.sync_seconds = sync_seconds
        self.lease_seconds = lease_seconds
        self._inboxes: dict[str, Inbox] = {}
        self._renewed: dict[str, float] = {}
        self._wake = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        self._stopping = False

    async def __aenter__(self) -> Self:
        self._loop = asyncio.create_task(self._sync_forever(), name="gateway-people")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # The loop is let finish what it does rather than cancelled: an inbox cut off in
        # the middle of closing would keep its pull subscription, and the connection's
        # drain would then wait its whole timeout.
        self._stopping = True
        self._wake.set()
        if self._loop is not None:
            await self._loop
        # Together: each lets its message in hand finish, which takes up to a second.
        await asyncio.gather(*(self._close(user) for user in list(self._inboxes)))

    @property
    def consumed(self) -> set[str]:
        """The people whose inboxes this replica reads now."""
        return set(self._inboxes)

    def wake(self) -> None:
        """Someone registered or left: read the people table now."""
        self._wake.set()

    async def sync(self) -> None:
        """Read the inboxes of everyone in the people table, and only theirs."""
        wanted = await asyncio.to_thread(people.everyone, self.engine)
        for user in set(self._inboxes) - wanted:
            await self._close(user)
        for user in wanted - set(self._inboxes):
            inbox = Inbox(
                self.conn,
                user,
                functools.partial(self._keep, user),
                handled_ttl=None,
                stream_wait=self.sync_seconds,
            )
            try:
                await inbox.__aenter__()
            except Exception as exc:  # tried again on the next sync
                log.warning("could not open a person's inbox", user=user, error=str(exc))
                continue
            self._inboxes[user] = inbox

    async def renew(self, user: str) -> None:
        """Renew ``user``'s lease if they have a card and it was not renewed lately (a
        tenth of the lease: one heartbeat per few minutes however often they call)."""
        if user not in self._inboxes:
            return
        now = time.monotonic()
        if now - self._renewed.get(user, float("-inf")) < self.lease_seconds / 10:
            return
        self._renewed[user] = now
        try:
            await self.conn.send(REGISTRY, "heartbeat", Envelope.of(Heartbeat(), sender=user))
        except NotFound:
            log.info("a person's card is gone from the registry", user=user)
        except IoaError as exc:
            self._renewed.pop(user, None)  # try again on the next call
            log.warning("could not renew a person's lease", user=user, error=str(exc))

    async def _keep(self, user: str, env: Envelope[Any]) -> None:
        item = people.item_of(user, env)
        if item is None:
            return
        # Acknowledged only once stored: while the database is down the inbox waits here
        # (it tells JetStream it is still working), and a stop leaves it unacknowledged.
        while True:
            try:
                await asyncio.to_thread(people.keep, self.engine, item)
                return
            except Exception as exc:
                log.warning("could not store a pending item; retrying", user=user, error=str(exc))
                await asyncio.sleep(RETRY_SECONDS)

    async def _close(self, user: str) -> None:
        inbox = self._inboxes.pop(user, None)
        self._renewed.pop(user, None)
        if inbox is not None:
            with contextlib.suppress(Exception):
                await inbox.__aexit__(None, None, None)

    async def _sync_forever(self) -> None:
        while not self._stopping:
            try:
                await self.sync()
            except Exception:
                log.exception("syncing the people's inboxes failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.sync_seconds)
            self._wake.clear()
