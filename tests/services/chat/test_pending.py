"""Pending answers: messages that mention me or name me next, until I reply to them."""

import asyncio

import pytest

from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import NotAMember, NotFound
from protocol.kinds import ChatMessage, CreateGroup, Pending, PendingMessages, Posted
from services.chat.pending import addressed


async def post(
    conn: Connection, group: str, text: str, *, in_reply_to: str | None = None, **kw
) -> Envelope:
    env = Envelope.of(
        ChatMessage(text=text, **kw), sender=conn.identity, group=group, in_reply_to=in_reply_to
    )
    assert isinstance((await conn.send("chat", "post", env)).body, Posted)
    return env


async def pending_ids(conn: Connection, group: str | None = None) -> list[str]:
    reply = await conn.request("chat", "pending", Pending(group=group))
    assert isinstance(reply.body, PendingMessages)
    return [m.envelope["id"] for m in reply.body.messages]


async def eventually(conn: Connection, expected: list[str], group: str | None = None) -> None:
    """The index is written by the fan-out, a moment after the post is answered."""
    for _ in range(50):
        if (got := await pending_ids(conn, group)) == expected:
            return
        await asyncio.sleep(0.1)
    assert got == expected


async def test_a_mention_waits_for_an_answer_until_the_reply(chat, alice, bob, carol) -> None:
    await alice.request("chat", "create_group", CreateGroup(group="g", members=["bob", "carol"]))
    ask = await post(alice, "g", "@bob what is 2+2?", mentions=["bob"])
    turn = await post(alice, "g", "carol, you are next", next_speakers=["carol"])
    await post(alice, "g", "nobody in particular")
    await eventually(bob, [ask.id])
    await eventually(carol, [turn.id], group="g")
    await eventually(alice, [])  # one's own mentions never wait for oneself

    await post(bob, "g", "4", in_reply_to=ask.id)
    await eventually(bob, [])
    await eventually(carol, [turn.id])


async def test_pending_spans_all_my_groups_in_order(chat, alice, bob) -> None:
    for group in ("g1", "g2"):
        await alice.request("chat", "create_group", CreateGroup(group=group, members=["bob"]))
    first = await post(alice, "g2", "a", mentions=["bob"])
    second = await post(alice, "g1", "b", next_speakers=["bob"])
    third = await post(alice, "g2", "c", mentions=["bob"], next_speakers=["bob"])
    await eventually(bob, [second.id, first.id, third.id])  # by group, then log order
    await eventually(bob, [first.id, third.id], group="g2")


async def test_pending_of_a_group_i_may_not_see_is_not_found(chat, alice, mallory) -> None:
    await alice.request("chat", "create_group", CreateGroup(group="g"))
    with pytest.raises(NotFound, match=r"there is no group 'g'$"):
        await mallory.request("chat", "pending", Pending(group="g"))


async def test_pending_of_a_group_i_only_observe_is_not_a_member(chat, alice, gateway) -> None:
    await alice.request("chat", "create_group", CreateGroup(group="g", observers=["gateway"]))
    with pytest.raises(NotAMember, match="'gateway' is not a member"):
        await gateway.request("chat", "pending", Pending(group="g"))


async def test_an_at_mention_in_the_text_of_a_member_waits_for_its_answer(
    chat, alice, bob, carol
) -> None:
    await alice.request("chat", "create_group", CreateGroup(group="g", members=["bob", "carol"]))
    ask = await post(alice, "g", "@bob: what is 2+2? (cc @carol, not @dave or ada@carol.org)")
    plain = await post(alice, "g", "mail carol@bob.org or ask @alice")  # no member mentioned
    await eventually(bob, [ask.id])
    await eventually(carol, [ask.id])
    await eventually(alice, [])  # oneself, even when mentioned in one's own text

    await post(bob, "g", "4", in_reply_to=ask.id)
    await eventually(bob, [])
    await eventually(carol, [ask.id])
    assert plain.id not in await pending_ids(carol)


def test_text_mentions_are_member_ids_after_an_at_sign() -> None:
    members = {"bob", "user:ada", "calc-2"}

    def mentioned(text: str) -> set[str]:
        return addressed({"sender": "x", "body": {"text": text}}, members)

    assert mentioned("@bob, @user:ada and @calc-2.") == {"bob", "user:ada", "calc-2"}
    assert mentioned("@bob: now") == {"bob"}
    assert mentioned("@@bob x@bob @bobby @dave @") == set()
