"""Cancel is immediate: what the conversation's step waits for (a slow model call, a
member's task) is abandoned, the state is ``cancelled`` within a second, the members are
told in the group, and the group takes no more posts.

Real registry, chat, agents and coordinator; the LLM is a scripted server.
"""

import asyncio
import time
from pathlib import Path

import pytest

from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import Forbidden
from protocol.kinds import CancelConversation, ChatMessage, StartConversation
from protocol.settings import ServiceSettings
from protocol.subjects import CHAT
from tests.services.coordinator.network import (
    Sleeper,
    card,
    group_messages,
    hand_frozen_a_task,
    network,
    start,
    wait_for,
)
from tests.support.scripted_llm import Rule, Script


async def cancel_and_time(conn: Connection, conversation: str) -> float:
    """Cancel ``conversation``; the seconds until its state says ``cancelled``."""
    asked = time.monotonic()
    cancel = CancelConversation(conversation=conversation, reason="the user changed their mind")
    await conn.request("coordinator", "cancel", cancel)
    state = await wait_for(conn, conversation, seconds=10)
    assert state.state == "cancelled" and state.reason == "the user changed their mind"
    return time.monotonic() - asked


async def assert_closed_to(settings: ServiceSettings, member: str, group: str) -> None:
    async with Connection(settings, member) as conn:
        late = Envelope.of(ChatMessage(text="one more thing"), sender=member, group=group)
        with pytest.raises(Forbidden, match="closed"):
            await conn.send(CHAT, "post", late)


async def test_a_cancel_abandons_a_slow_model_call_and_ends_the_conversation_within_a_second(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script(rules=[Rule("MODERATOR MOVE", '{"move": "conclude"}', delay=60)])
    async with network(nats_url, subject_root, tmp_path, script) as net:
        async with Connection(net.settings, "gateway") as conn:
            conversation = await start(
                conn,
                StartConversation(
                    goal="Compute 12*(3+4)", required=["calculator"], max_team=1, policy="moderated"
                ),
            )
            for _ in range(200):  # until the moderator's call is in flight
                if any("MODERATOR MOVE" in str(r) for r in script.requests):
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the moderator was never asked")
            took = await cancel_and_time(conn, conversation)
            logged = await group_messages(conn, conversation)
            await assert_closed_to(net.settings, "calculator", conversation)
    assert took < 1, f"cancelled after {took:.2f} s"
    told = logged[-1]
    assert told["sender"] == "coordinator" and told["type"] == "chat_message"
    assert told["body"]["text"] == "This conversation is cancelled: the user changed their mind"


async def test_a_cancel_calls_off_the_task_in_hand_and_tells_the_members(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        frozen = await net.add(Sleeper(card("frozen", "xylophone", "tuning"), net.settings))
        async with Connection(net.settings, "gateway") as conn:
            conversation = await hand_frozen_a_task(conn, frozen, turn_seconds=120)
            took = await cancel_and_time(conn, conversation)
            state = await wait_for(conn, conversation)
            logged = await group_messages(conn, conversation)
            await assert_closed_to(net.settings, "frozen", conversation)
    assert took < 1, f"cancelled after {took:.2f} s"
    assert [(t.assignee, t.outcome) for t in state.tasks] == [("frozen", "cancelled")]
    called_off = [m["body"] for m in logged if m["type"] == "task_cancelled"]
    assert called_off == [{"task_id": frozen.tasks[0], "reason": "the user changed their mind"}]
    assert logged[-1]["body"]["text"].startswith("This conversation is cancelled")
