"""The turn budget holds where posts enter: two agents that always name each other as
next speakers stop at the conversation's ``max_turns``, however fast they talk, and the
conversation concludes; after it, the group takes none of their chat messages.

Real registry, chat, agents and coordinator; the LLM is a scripted server.
"""

import asyncio
from pathlib import Path
from typing import Any

import pytest

from protocol.agent import Agent
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import BudgetSpent
from protocol.kinds import Budget, ChatMessage, StartConversation
from protocol.subjects import CHAT
from tests.services.coordinator.network import card, finish, group_messages, network
from tests.support.scripted_llm import Script


class Chatterbox(Agent):
    """Answers every turn by handing the word to ``other``: on their own, two of them
    never stop."""

    def __init__(self, *args: Any, other: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.other = other

    async def on_turn(self, env: Envelope[ChatMessage]) -> ChatMessage:
        return ChatMessage(text=f"{self.id} hands over to {self.other}", next_speakers=[self.other])


async def test_two_agents_naming_each_other_stop_at_the_turn_budget(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        for me, other in (("ping", "pong"), ("pong", "ping")):
            await net.add(Chatterbox(card(me, "table", "tennis"), net.settings, other=other))
        async with Connection(net.settings, "gateway") as conn:
            state = await finish(
                conn,
                StartConversation(
                    goal="table tennis rally",
                    required=["ping", "pong"],
                    max_team=2,
                    policy="autonomous",
                    budget=Budget(max_turns=4),
                ),
            )
            await asyncio.sleep(1.5)  # long enough for a loop to show
            logged = await group_messages(conn, state.conversation)
        async with Connection(net.settings, "ping") as ping:
            late = Envelope.of(ChatMessage(text="one more"), sender="ping", group=state.group)
            with pytest.raises(BudgetSpent):
                await ping.send(CHAT, "post", late)
    assert state.state == "concluded", state.reason
    assert (state.reason or "").startswith("the budget of 4 turns is spent")
    said = [m for m in logged if m["sender"] in ("ping", "pong") and m["type"] == "chat_message"]
    assert 1 <= len(said) <= 4
    assert logged[-1]["type"] == "conclusion"
