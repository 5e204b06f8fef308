"""Limits: posts per sender per second (rate_limited) and the token bucket behind it."""

import pytest

from protocol.envelope import Envelope
from protocol.errors import RateLimited
from protocol.kinds import ChatMessage, CreateGroup
from services.chat.app import serve
from services.chat.ratelimit import RateLimiter
from services.chat.settings import ChatSettings


def test_a_token_bucket_allows_a_burst_then_the_rate() -> None:
    limiter = RateLimiter(rate=2, burst=3)
    assert [limiter.allow("a", now=0.0) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b", now=0.0)  # every sender has its own bucket
    assert limiter.allow("a", now=0.5)  # one token back after half a second
    assert not limiter.allow("a", now=0.5)


async def test_a_sender_posting_too_fast_is_rate_limited_and_may_retry_later(
    chat_settings: ChatSettings, alice, bob
) -> None:
    limited = chat_settings.model_copy(update={"post_rate": 5.0, "post_burst": 3.0})
    async with serve(limited):
        await alice.request("chat", "create_group", CreateGroup(group="g", members=["bob"]))
        for i in range(3):
            await alice.request("chat", "post", ChatMessage(text=f"{i}"), group="g")
        refused = Envelope.of(ChatMessage(text="one too many"), sender="alice", group="g")
        with pytest.raises(RateLimited, match="faster than 5"):
            await alice.send("chat", "post", refused)
        await bob.request("chat", "post", ChatMessage(text="bob is not limited"), group="g")
