"""Keeping an agent's credentials alive: before its user JWT expires, the agent asks
the registry for a renewed one (``renew``) and reconnects once to present it.

The server checks a JWT's expiry when a client connects and closes the connection when
it passes, so a renewed JWT takes effect on a new connection: one reconnect per
lifetime, at a point spread between 60 % and 75 % of it so that agents admitted
together do not reconnect together. A registry that cannot answer is asked again until
the old JWT runs out; one that refuses (the user was revoked) is not asked again, and
the connection is closed when the JWT expires rather than knocking on the server with
it forever.
"""

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import structlog

from protocol.credentials import HeldCredentials
from protocol.errors import Forbidden, IoaError, NotFound
from protocol.kinds import Renew, Renewed
from protocol.subjects import REGISTRY

if TYPE_CHECKING:
    from protocol.connection import Connection

log = structlog.get_logger("ioa.renewal")

RENEW_AT = (0.6, 0.75)
"""When to renew, as parts of the JWT's lifetime (a random point between them)."""


def _seconds_until(when: datetime) -> float:
    return (when - datetime.now(UTC)).total_seconds()


async def keep_renewed(conn: "Connection", held: HeldCredentials) -> None:
    """Renew ``held`` before each expiry for as long as the connection is open."""
    while (expires := held.claims.expires_at) is not None:
        issued = held.claims.issued_at
        lifetime = (expires - issued).total_seconds()
        due = issued + timedelta(seconds=lifetime * random.uniform(*RENEW_AT))
        await asyncio.sleep(max(0.0, _seconds_until(due)))
        renewed = await _renewal(conn, held, expires)
        if renewed is None:
            await asyncio.sleep(max(0.0, _seconds_until(expires)))
            log.error("credentials expired; closing the connection", agent=conn.identity)
            await conn.nc.close()
            return
        held.replace(renewed.jwt)
        log.info(
            "credentials renewed",
            agent=conn.identity,
            public_key=held.claims.public_key,
            expires_at=held.claims.expires_at,
        )
        await conn.nc.force_reconnect()


async def _renewal(conn: "Connection", held: HeldCredentials, expires: datetime) -> Renewed | None:
    """The registry's renewed JWT, asked for again until ``expires``; ``None`` when
    it refuses or time runs out."""
    while (left := _seconds_until(expires)) > 0:
        try:
            reply = await conn.request(
                REGISTRY,
                "renew",
                Renew(public_key=held.claims.public_key),
                timeout=min(conn.settings.request_timeout, left),
                traced=False,
            )
            body: Renewed = reply.body
            return body
        except (Forbidden, NotFound) as exc:
            log.error("credentials will not be renewed", agent=conn.identity, error=str(exc))
            return None
        except IoaError as exc:
            wait = min(max(left / 10, 0.2), 30.0)
            log.warning("credentials not renewed yet", agent=conn.identity, error=str(exc))
            await asyncio.sleep(min(wait, max(0.0, _seconds_until(expires))))
    return None
