"""Posts per sender per second: one token bucket per sender, kept in this replica.

Each replica limits what it serves, so with ``n`` replicas behind the queue
group a sender gets at most ``n`` times the rate; the limit protects a replica
and the log from one runaway agent, it is not an exact quota.
"""

import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(slots=True)
class Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """``rate`` tokens per second per key, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: float, *, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()
        self._max_keys = max_keys

    def allow(self, key: str, *, now: float | None = None) -> bool:
        """Take one token for ``key``; ``False`` when none is left."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(tokens=self.burst, stamp=now)
            if len(self._buckets) > self._max_keys:
                # The longest-idle sender's bucket would be full again anyway.
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True
