"""Overload: past the requests it takes at once, the chat service refuses at once with
``rate_limited`` instead of queueing; nothing it accepted is lost, and it goes on serving.

The figures (3x the sustained rate, memory, recovery) are ``bench/chat_overload.py``'s;
this is the same behaviour in miniature, with no clock in it: a service that takes 4
requests at once gets 40 senders' posts all at once.
"""

import asyncio
from collections import Counter

from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import RateLimited
from protocol.kinds import ChatMessage, CreateGroup, History, Posted
from protocol.settings import ServiceSettings
from services.chat.app import serve
from services.chat.settings import ChatSettings

SENDERS = [f"sender-{n}" for n in range(40)]
POSTS_EACH = 5


async def test_a_burst_past_capacity_is_shed_and_nothing_accepted_is_lost(
    settings: ServiceSettings, chat_settings: ChatSettings
) -> None:
    small = chat_settings.model_copy(update={"max_in_flight": 4})
    async with serve(small) as chat, Connection(settings, "owner") as owner:
        await owner.request("chat", "create_group", CreateGroup(group="g", members=SENDERS))
        conns = [Connection(settings, sender) for sender in SENDERS]
        for conn in conns:
            await conn.__aenter__()
        try:
            posts = [
                Envelope.of(ChatMessage(text=f"{c.identity} {n}"), sender=c.identity, group="g")
                for c in conns
                for n in range(POSTS_EACH)
            ]
            by_sender = {c.identity: c for c in conns}
            outcomes = await asyncio.gather(
                *(by_sender[p.sender].send("chat", "post", p) for p in posts),
                return_exceptions=True,
            )
            accepted = {
                p.id for p, o in zip(posts, outcomes, strict=True) if isinstance(o, Envelope)
            }
            shed = [p for p, o in zip(posts, outcomes, strict=True) if isinstance(o, RateLimited)]
            assert len(accepted) + len(shed) == len(posts), Counter(type(o) for o in outcomes)
            assert accepted and shed
            assert "at capacity" in str(next(o for o in outcomes if isinstance(o, RateLimited)))
            assert chat.service.counts["shed"] == len(shed)

            # The service is healthy: a refused post sent again (same envelope) is taken.
            retried = await by_sender[shed[0].sender].send("chat", "post", shed[0])
            assert isinstance(retried.body, Posted) and not retried.body.duplicate
            accepted.add(shed[0].id)
        finally:
            for conn in conns:
                await conn.__aexit__(None, None, None)

        # Every accepted post is in the log once, and no refused one is.
        page = (await owner.request("chat", "history", History(group="g", limit=1000))).body
        logged = Counter(m.envelope["id"] for m in page.messages)
        assert set(logged) == accepted and set(logged.values()) == {1}
