"""Listing one's conversations, as the gateway does for ``GET /v1/conversations``.

Real registry, chat, agents and coordinator on the session's nats-server; the LLM is a
scripted OpenAI-compatible server.
"""

import asyncio
from pathlib import Path

from protocol.connection import Connection
from protocol.kinds import ConversationList, ListConversations, StartConversation
from tests.services.coordinator.network import finish, network
from tests.support.scripted_llm import Script

LISTS = 1_200
"""More lists than JetStream keeps consumers on a stream (1,000): each list used to
create one, which the server kept for minutes, so the 1,001st list failed."""
WORKERS = 16


async def test_a_burst_of_lists_all_succeed_and_each_shows_the_senders_own_conversations(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        async with (
            Connection(net.settings, "lister") as mine,
            Connection(net.settings, "someone") as theirs,
        ):
            goal = StartConversation(goal="Compute 2+2", max_team=1)
            first = await finish(mine, goal)
            await finish(theirs, goal)
            second = await finish(mine, goal)
            failed = await finish(mine, StartConversation(goal="Xyzzy plugh frobnicate"))
            lists: list[ConversationList] = []
            errors: list[Exception] = []

            async def lister(count: int) -> None:
                for _ in range(count):
                    try:
                        reply = await mine.request("coordinator", "list", ListConversations())
                        lists.append(reply.body)
                    except Exception as exc:
                        errors.append(exc)

            await asyncio.gather(*(lister(LISTS // WORKERS) for _ in range(WORKERS)))
            only_failed = await mine.request(
                "coordinator", "list", ListConversations(states=["failed"])
            )
            bucket = await mine.js.stream_info(
                f"KV_{net.settings.subjects.bucket('conversations')}"
            )
    assert not errors, f"{len(errors)} of {LISTS} lists failed, the first: {errors[0]!r}"
    assert len(lists) == LISTS
    newest_first = [failed.conversation, second.conversation, first.conversation]
    for page in lists:
        assert [c.conversation for c in page.conversations] == newest_first
        assert page.total == 3
    assert [c.state for c in lists[0].conversations] == ["failed", "concluded", "concluded"]
    assert [c.conversation for c in only_failed.body.conversations] == newest_first[:1]
    # The coordinator's one watch of its bucket; listing creates no consumers.
    assert bucket.state.consumer_count == 1
