"""Who is calling: an API key in ``Authorization: Bearer`` or ``X-API-Key``, or (for a
browser's WebSocket, which cannot set headers) the subprotocol ``ioa-key.<key>`` offered
beside ``ioa.v1``; never in a URL (:mod:`gateway.url_secrets` refuses those). And how fast
they may call (a token bucket per key → 429 + Retry-After).
"""

import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from starlette.datastructures import Headers

from gateway import keys
from gateway.keys import Caller
from gateway.problems import GatewayProblem
from gateway.settings import GatewaySettings


class Unauthorized(GatewayProblem):
    """No key, or a key that is unknown, wrong or revoked (HTTP 401)."""

    def __init__(self, detail: str) -> None:
        super().__init__(401, "unauthorized", detail, {"WWW-Authenticate": "Bearer"})


class SlowDown(GatewayProblem):
    """Past the key's rate limit; try again after ``retry_after`` seconds (HTTP 429)."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(429, "rate_limited", detail, {"Retry-After": str(retry_after)})


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """A token bucket per key: ``rate`` tokens a second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> None:
        now = time.monotonic()
        bucket = self._buckets.setdefault(key, _Bucket(float(self.burst), now))
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens < 1:
            wait = math.ceil((1 - bucket.tokens) / self.rate)
            raise SlowDown(f"more than {self.rate:g} requests/s for this key", max(1, wait))
        bucket.tokens -= 1


class Keyring:
    """Checks keys against the database, trusting a good answer for a few seconds."""

    def __init__(self, engine: Engine, settings: GatewaySettings) -> None:
        self.engine = engine
        self.ttl = settings.key_cache_seconds
        self.limiter = RateLimiter(settings.rate_per_second, settings.rate_burst)
        self._cache: dict[str, tuple[float, Caller]] = {}

    async def caller(self, key: str | None) -> Caller:
        if not key:
            raise Unauthorized("an API key is required (Authorization: Bearer <key>)")
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            caller = hit[1]
        else:
            found = await asyncio.to_thread(keys.verify, self.engine, key)
            if found is None:
                self._cache.pop(key, None)
                raise Unauthorized("the API key is unknown, wrong or revoked")
            caller = found
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (time.monotonic() + self.ttl, caller)
        self.limiter.take(caller.key_id)
        return caller

    def forget(self, key_id: str) -> None:
        """Drop a revoked key's cached answer, so it stops working now."""
        for key, (_, caller) in list(self._cache.items()):
            if caller.key_id == key_id:
                del self._cache[key]

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")


SUBPROTOCOL = "ioa.v1"
"""The WebSocket subprotocol of the gateway's feeds: the one the server echoes back."""
KEY_SUBPROTOCOL = "ioa-key."
"""Prefix of the subprotocol that carries a browser's key (API keys are valid tokens)."""


def key_subprotocols(key: str) -> list[str]:
    """What a WebSocket client offers as ``Sec-WebSocket-Protocol`` to send ``key``."""
    return [SUBPROTOCOL, KEY_SUBPROTOCOL + key]


def key_from(headers: Headers, subprotocols: Sequence[str] = ()) -> str | None:
    """The key a request carries: ``Authorization: Bearer``, ``X-API-Key``, or a
    WebSocket's ``ioa-key.<key>`` subprotocol."""
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    offered = (p[len(KEY_SUBPROTOCOL) :] for p in subprotocols if p.startswith(KEY_SUBPROTOCOL))
    return headers.get("x-api-key") or next(offered, None)


def get_keyring(request: Request) -> Keyring:
    keyring: Keyring = request.app.state.keyring
    return keyring


_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The API key.")


async def authenticate(
    request: Request,
    _bearer_key: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    _header_key: Annotated[str | None, Security(_header)],
) -> Caller:
    """The caller of this request (401 without a good key, 429 past its rate)."""
    return await get_keyring(request).caller(key_from(request.headers))


CallerDep = Annotated[Caller, Depends(authenticate)]
KeyringDep = Annotated[Keyring, Depends(get_keyring)]
