"""A sub-team lives for its parent's task: it ends when its parent ends, and what it
spent counts against its parent whenever it ends.

Real registry, chat, agents and coordinator on the session's nats-server; the LLM is a
scripted OpenAI-compatible server.
"""

import asyncio
from pathlib import Path

from protocol.connection import Connection
from protocol.kinds import CancelConversation, StartConversation
from tests.services.coordinator.network import (
    Lead,
    Sleeper,
    card,
    group_messages,
    network,
    records,
    start,
    state_of,
)
from tests.support.scripted_llm import Script


async def test_cancelling_a_conversation_cancels_its_sub_teams_and_counts_what_they_spent(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        # xylophone (lead) → marimba (its sub-team: second) → glockenspiel (sleeper)
        await net.add(Lead(card("lead", "xylophone"), net.settings, goal="marimba"))
        await net.add(Lead(card("second", "marimba"), net.settings, goal="glockenspiel"))
        sleeper = await net.add(Sleeper(card("sleeper", "glockenspiel"), net.settings))
        async with Connection(net.settings, "gateway") as conn:
            parent = await start(
                conn, StartConversation(goal="xylophone", required=["lead"], max_team=1, depth=2)
            )
            for _ in range(300):
                if sleeper.tasks:
                    break
                await asyncio.sleep(0.1)
            assert sleeper.tasks, "the sub-team's sub-team never handed out its task"
            before = await state_of(conn, parent)
            [child] = before.children
            child_before = await state_of(conn, child)
            [grandchild] = child_before.children
            await conn.request(
                "coordinator",
                "cancel",
                CancelConversation(conversation=parent, reason="changed my mind"),
            )
            ids = [parent, child, grandchild]
            for _ in range(300):
                if all(rec.done_with for rec in await records(conn, ids)):
                    break
                await asyncio.sleep(0.1)
            after, child_after, grandchild_after = [await state_of(conn, c) for c in ids]
            messages = await group_messages(conn, grandchild)
    assert after.state == "cancelled" and after.reason == "changed my mind"
    assert child_after.state == "cancelled"
    assert child_after.reason == (
        f"its parent conversation {parent} ended: cancelled (changed my mind)"
    )
    assert grandchild_after.state == "cancelled"
    assert (grandchild_after.reason or "").startswith(
        f"its parent conversation {child} ended: cancelled"
    )
    assert messages[-2]["type"] == "task_cancelled"  # then the members are told
    assert messages[-2]["body"]["task_id"] == sleeper.tasks[0]
    # Each ended after its parent's task was closed, and still counts against it.
    assert grandchild_after.tokens > 0
    assert child_after.tokens == child_before.tokens + grandchild_after.tokens
    assert after.tokens == before.tokens + child_after.tokens
