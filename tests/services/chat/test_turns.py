"""A group's turn budget is kept where posts enter: its agent members' chat messages
spend it, and once it is spent they are refused with ``budget_spent``; the creator's
posts, a person's and a task's result are taken; the creator alone gives it again."""

import pytest

from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import BudgetSpent, Forbidden
from protocol.kinds import (
    ChatMessage,
    CreateGroup,
    GetGroup,
    GroupInfo,
    SetTurns,
    TaskResult,
)
from protocol.kinds.base import Body
from protocol.settings import ServiceSettings


async def post(conn: Connection, body: Body, group: str = "g") -> None:
    await conn.send("chat", "post", Envelope.of(body, sender=conn.identity, group=group))


async def test_members_chat_messages_past_the_groups_turns_are_refused(
    chat: object, alice: Connection, bob: Connection, carol: Connection
) -> None:
    group = CreateGroup(group="g", members=["bob", "carol"], max_turns=3)
    await alice.request("chat", "create_group", group)
    for conn in (bob, carol, bob):
        await post(conn, ChatMessage(text="over to you", next_speakers=["carol", "bob"]))
    with pytest.raises(BudgetSpent, match="the 3 turns of group 'g' are spent"):
        await post(carol, ChatMessage(text="and again"))
    await post(bob, TaskResult(task_id="t1", text="a result spends no turn"))
    await post(alice, ChatMessage(text="the creator's conclusion is taken"))
    info: GroupInfo = (await alice.request("chat", "get_group", GetGroup(group="g"))).body
    assert (info.max_turns, info.turns) == (3, 3)


async def test_a_persons_words_spend_no_turn(
    chat: object, alice: Connection, settings: ServiceSettings
) -> None:
    group = CreateGroup(group="g", members=["user:ada"], max_turns=0)
    await alice.request("chat", "create_group", group)
    async with Connection(settings, "user:ada") as ada:
        await post(ada, ChatMessage(text="people steer"))


async def test_only_the_creator_gives_a_group_its_turns_again(
    chat: object, alice: Connection, bob: Connection
) -> None:
    await alice.request(
        "chat", "create_group", CreateGroup(group="g", members=["bob"], max_turns=1)
    )
    await post(bob, ChatMessage(text="one"))
    with pytest.raises(Forbidden, match="only 'alice'"):
        await bob.request("chat", "set_turns", SetTurns(group="g", max_turns=100))
    with pytest.raises(BudgetSpent):
        await post(bob, ChatMessage(text="two"))
    again: GroupInfo = (
        await alice.request("chat", "set_turns", SetTurns(group="g", max_turns=1))
    ).body
    assert (again.max_turns, again.turns) == (1, 0)
    await post(bob, ChatMessage(text="two, with a follow-up"))
    with pytest.raises(BudgetSpent):
        await post(bob, ChatMessage(text="three"))


async def test_a_group_without_a_turn_budget_takes_every_post(
    chat: object, alice: Connection, bob: Connection
) -> None:
    await alice.request("chat", "create_group", CreateGroup(group="g", members=["bob"]))
    for n in range(5):
        await post(bob, ChatMessage(text=f"message {n}"))
    info: GroupInfo = (await alice.request("chat", "get_group", GetGroup(group="g"))).body
    assert (info.max_turns, info.turns) == (None, 0)


async def test_a_persons_question_is_answered_even_once_the_turns_are_spent(
    chat: object, alice: Connection, bob: Connection, settings: ServiceSettings
) -> None:
    """The chaos round: a person asks a member while the conversation concludes (the
    coordinator spends the turns); the member's answer must not be lost."""
    group = CreateGroup(group="g", members=["bob", "user:ada"], max_turns=5)
    await alice.request("chat", "create_group", group)
    async with Connection(settings, "user:ada") as ada:
        await post(ada, ChatMessage(text="bob, a question", next_speakers=["bob", "alice"]))
    await alice.request("chat", "set_turns", SetTurns(group="g", max_turns=0))
    await post(bob, ChatMessage(text="the answer"))  # owed to ada: taken
    with pytest.raises(BudgetSpent):
        await post(bob, ChatMessage(text="and one more"))  # one answer per question
    info: GroupInfo = (await alice.request("chat", "get_group", GetGroup(group="g"))).body
    assert (info.turns, info.owed) == (0, {"bob": 0})
