"""Posting to a group and reading its history back."""

from itertools import pairwise

import pytest

from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import Forbidden, InvalidMessage, NotAMember, NotFound, TooLarge
from protocol.kinds import (
    ChatMessage,
    CloseGroup,
    CreateGroup,
    History,
    HistoryPage,
    Posted,
    TaskAssign,
    TaskResult,
)
from protocol.streams import group_stream


async def make_group(conn: Connection, group: str, members: list[str], **kw) -> None:
    await conn.request("chat", "create_group", CreateGroup(group=group, members=members, **kw))


async def post(conn: Connection, group: str, text: str) -> tuple[Envelope, Posted]:
    env = Envelope.of(ChatMessage(text=text), sender=conn.identity, group=group)
    reply = await conn.send("chat", "post", env)
    assert isinstance(reply.body, Posted)
    return env, reply.body


async def test_a_post_is_answered_with_its_sequence_and_read_back_from_history(
    chat, alice, bob
) -> None:
    await make_group(alice, "g", ["bob"])
    first, posted1 = await post(alice, "g", "hello")
    second, posted2 = await post(bob, "g", "hi alice")
    assert posted1.group == "g" and not posted1.duplicate
    assert posted2.seq > posted1.seq

    page = (await bob.request("chat", "history", History(group="g"))).body
    assert isinstance(page, HistoryPage)
    assert [m.seq for m in page.messages] == [posted1.seq, posted2.seq]
    assert [m.envelope for m in page.messages] == [first.to_dict(), second.to_dict()]
    assert page.last_seq == posted2.seq


async def test_history_pages_by_sequence(chat, alice) -> None:
    await make_group(alice, "g", [])
    seqs = [(await post(alice, "g", f"m{i}"))[1].seq for i in range(5)]

    first = (await alice.request("chat", "history", History(group="g", limit=2))).body
    rest = (await alice.request("chat", "history", History(group="g", after=first.last_seq))).body
    tail = (await alice.request("chat", "history", History(group="g", after=seqs[-1]))).body

    assert [m.seq for m in first.messages] == seqs[:2]
    assert [m.seq for m in rest.messages] == seqs[2:]
    assert [m.envelope["body"]["text"] for m in rest.messages] == ["m2", "m3", "m4"]
    assert tail.messages == [] and tail.last_seq == seqs[-1]


async def test_history_pages_back_from_the_newest_with_before(chat, alice) -> None:
    await make_group(alice, "g", [])
    await make_group(alice, "other", [])
    seqs = []
    for i in range(6):
        seqs.append((await post(alice, "g", f"m{i}"))[1].seq)
        await post(alice, "other", f"elsewhere {i}")  # interleaved in the same stream

    async def page(**kw: int) -> list[int]:
        found = (await alice.request("chat", "history", History(group="g", **kw))).body
        return [m.seq for m in found.messages]

    newest = await page(before=seqs[-1] + 1, limit=2)
    older = await page(before=newest[0], limit=2)
    oldest = await page(before=older[0], limit=10)
    bounded = await page(after=seqs[1], before=seqs[4], limit=10)
    beyond = await page(before=seqs[-1] + 1000, limit=3)

    assert newest == seqs[4:6]
    assert older == seqs[2:4]
    assert oldest == seqs[:2]
    assert await page(before=oldest[0]) == []
    assert bounded == seqs[2:4]
    assert beyond == seqs[3:6]
    assert await page(after=seqs[3], before=seqs[3]) == []


async def test_a_large_history_pages_back_keeping_the_newest_that_fit(
    chat, chat_settings, alice
) -> None:
    await make_group(alice, "big", [])
    text = "x" * 60_000  # about four of these fill a 256 KiB reply
    seqs = [(await post(alice, "big", text))[1].seq for _ in range(6)]

    last = (await alice.request("chat", "history", History(group="big", before=seqs[-1] + 1))).body
    first = last.messages[0].seq
    rest = (await alice.request("chat", "history", History(group="big", before=first))).body

    assert 1 <= len(last.messages) < 6
    assert [m.seq for m in last.messages] == seqs[-len(last.messages) :]
    assert [m.seq for m in rest.messages] + [m.seq for m in last.messages] == seqs


async def test_history_of_one_group_holds_none_of_another(chat, alice) -> None:
    await make_group(alice, "a", [])
    await make_group(alice, "b", [])
    await post(alice, "a", "for a")
    await post(alice, "b", "for b")
    page = (await alice.request("chat", "history", History(group="b"))).body
    assert [m.envelope["body"]["text"] for m in page.messages] == ["for b"]


async def test_sequence_numbers_increase_within_a_group_but_are_not_contiguous(chat, alice) -> None:
    # The contract (docs/protocol.md, "Ordering"): seq is the shared log stream's
    # sequence, so it increases along a group's log and skips the other groups' posts.
    await make_group(alice, "a", [])
    await make_group(alice, "b", [])
    a_seqs, b_seqs = [], []
    for i in range(4):
        a_seqs.append((await post(alice, "a", f"a{i}"))[1].seq)
        b_seqs.append((await post(alice, "b", f"b{i}"))[1].seq)

    assert a_seqs == sorted(set(a_seqs)) and b_seqs == sorted(set(b_seqs))
    assert all(later - earlier > 1 for earlier, later in pairwise(a_seqs))
    assert not set(a_seqs) & set(b_seqs)
    # A reader that pages with ``after`` = the last seq it saw misses nothing in the gaps.
    seen, after = [], 0
    while page := (
        await alice.request("chat", "history", History(group="a", after=after, limit=1))
    ).body.messages:
        seen += [m.seq for m in page]
        after = page[-1].seq
    assert seen == a_seqs


async def test_a_large_history_comes_in_pages_that_fit_one_reply(
    chat, chat_settings, alice
) -> None:
    await make_group(alice, "big", [])
    text = "x" * 60_000  # about four of these fill a 256 KiB reply
    for _ in range(6):
        await post(alice, "big", text)
    page = (await alice.request("chat", "history", History(group="big"))).body
    assert 1 <= len(page.messages) < 6
    rest = (await alice.request("chat", "history", History(group="big", after=page.last_seq))).body
    assert len(page.messages) + len(rest.messages) == 6


async def test_a_post_from_a_stranger_is_refused_as_to_no_group(chat, alice, mallory) -> None:
    await make_group(alice, "g", ["bob"])
    with pytest.raises(NotFound, match=r"there is no group 'g'$"):
        await post(mallory, "g", "let me in")
    page = (await alice.request("chat", "history", History(group="g"))).body
    assert page.messages == []


async def test_a_closed_group_refuses_posts(chat, alice, bob) -> None:
    await make_group(alice, "g", ["bob"])
    await post(bob, "g", "before")
    await alice.request("chat", "close_group", CloseGroup(group="g"))
    with pytest.raises(Forbidden, match="closed"):
        await post(bob, "g", "after")
    page = (await bob.request("chat", "history", History(group="g"))).body
    assert [m.envelope["body"]["text"] for m in page.messages] == ["before"]


async def test_the_same_envelope_posted_twice_is_stored_once(chat, alice) -> None:
    await make_group(alice, "g", [])
    env = Envelope.of(ChatMessage(text="once"), sender="alice", group="g")
    first = (await alice.send("chat", "post", env)).body
    retry = (await alice.send("chat", "post", env)).body
    assert not first.duplicate
    assert retry.duplicate
    assert retry.seq == first.seq
    page = (await alice.request("chat", "history", History(group="g"))).body
    assert [m.envelope["id"] for m in page.messages] == [env.id]


async def test_a_post_without_a_group_is_invalid(chat, alice) -> None:
    with pytest.raises(InvalidMessage, match="'group'"):
        await alice.request("chat", "post", ChatMessage(text="where?"))


async def test_a_post_to_an_unknown_group_is_not_found(chat, alice) -> None:
    with pytest.raises(NotFound):
        await post(alice, "ghost", "anyone?")


async def test_a_post_must_be_a_group_message_kind(chat, alice) -> None:
    await make_group(alice, "g", [])
    with pytest.raises(InvalidMessage, match="takes"):
        await alice.request("chat", "post", CreateGroup(), group="g")


async def test_every_group_kind_may_be_posted(chat, alice) -> None:
    await make_group(alice, "g", ["bob"])
    task = TaskAssign(task_id="t1", assignee="bob", description="add 2 and 2")
    reply = await alice.request("chat", "post", task, group="g")
    assert isinstance(reply.body, Posted)


async def test_a_post_too_large_for_a_history_page_is_refused(chat, chat_settings, alice) -> None:
    await make_group(alice, "g", [])
    # Under the size limit of a request, but with no room left for a history page around it.
    text = "x" * 200_000
    data = {"more": "y" * (chat_settings.max_message_bytes - len(text) - 1000)}
    result = TaskResult(task_id="t1", text=text, data=data)
    with pytest.raises(TooLarge, match="a post may have at most"):
        await alice.request("chat", "post", result, group="g")


async def test_only_members_and_observers_may_read_history(chat, alice, gateway, mallory) -> None:
    await make_group(alice, "g", ["bob"], observers=["gateway"])
    await post(alice, "g", "secret plans")
    page = (await gateway.request("chat", "history", History(group="g"))).body
    assert [m.envelope["body"]["text"] for m in page.messages] == ["secret plans"]
    with pytest.raises(NotFound, match=r"there is no group 'g'$"):
        await mallory.request("chat", "history", History(group="g"))


async def test_an_observer_may_not_post(chat, alice, gateway) -> None:
    await make_group(alice, "g", [], observers=["gateway"])
    with pytest.raises(NotAMember):
        await post(gateway, "g", "I only watch")


async def test_reading_history_leaves_no_consumer_behind(chat, alice) -> None:
    await make_group(alice, "g", [])
    await post(alice, "g", "one")
    for after in (0, 1, 99):
        await alice.request("chat", "history", History(group="g", after=after))
    stream = group_stream(alice.subjects).name
    names = [c.name for c in await alice.js.consumers_info(stream)]
    assert names == ["fanout"]
