"""Membership: add, remove, leave, list my groups; only members post or read."""

import pytest

from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import Forbidden, InvalidMessage, NotAMember, NotFound
from protocol.kinds import (
    AddMembers,
    ChatMessage,
    CloseGroup,
    CreateGroup,
    GetGroup,
    GroupInfo,
    GroupList,
    History,
    LeaveGroup,
    ListGroups,
    Posted,
    RemoveMembers,
)
from tests.services.chat.conftest import envelopes


async def make_group(conn: Connection, group: str, members: list[str]) -> GroupInfo:
    reply = await conn.request("chat", "create_group", CreateGroup(group=group, members=members))
    return reply.body


async def post(conn: Connection, group: str, text: str) -> Envelope:
    env = Envelope.of(ChatMessage(text=text), sender=conn.identity, group=group)
    reply = await conn.send("chat", "post", env)
    assert isinstance(reply.body, Posted)
    return env


async def my_groups(conn: Connection, **kw) -> list[str]:
    reply = await conn.request("chat", "list_groups", ListGroups(**kw))
    assert isinstance(reply.body, GroupList)
    return [g.group for g in reply.body.groups]


async def test_an_added_member_can_post_and_receives_what_follows(
    chat, alice, bob, carol, open_inbox
) -> None:
    await make_group(alice, "g", ["bob"])
    inbox = await open_inbox(carol)
    with pytest.raises(NotFound, match="no group 'g'"):  # a stranger, as for no group
        await post(carol, "g", "let me in")
    info = await alice.request("chat", "add_members", AddMembers(group="g", members=["carol"]))
    assert info.body.members == ["alice", "bob", "carol"]
    later = await post(bob, "g", "welcome carol")
    await post(carol, "g", "thanks")
    assert [e.id for e in envelopes(await inbox.receive(1))] == [later.id]


async def test_only_the_creator_adds_members(chat, alice, bob) -> None:
    await make_group(alice, "g", ["bob"])
    with pytest.raises(Forbidden, match="adds members"):
        await bob.request("chat", "add_members", AddMembers(group="g", members=["mallory"]))


async def test_adding_past_the_member_limit_is_refused(chat, chat_settings, alice) -> None:
    await make_group(alice, "g", [])
    many = [f"agent-{i}" for i in range(chat_settings.max_members)]
    with pytest.raises(InvalidMessage, match="at most"):
        await alice.request("chat", "add_members", AddMembers(group="g", members=many))


async def test_a_removed_member_can_no_longer_post_read_or_receive(
    chat, alice, bob, carol, open_inbox
) -> None:
    await make_group(alice, "g", ["bob", "carol"])
    inbox = await open_inbox(bob)
    await alice.request("chat", "remove_members", RemoveMembers(group="g", members=["bob"]))
    with pytest.raises(NotFound, match="no group 'g'"):
        await post(bob, "g", "still here?")
    with pytest.raises(NotFound, match="no group 'g'"):
        await bob.request("chat", "history", History(group="g"))
    await post(carol, "g", "bob is gone")
    assert await inbox.receive(0, settle=1.0) == []


async def test_a_member_removes_only_itself_and_the_creator_cannot_leave(
    chat, alice, bob, carol
) -> None:
    await make_group(alice, "g", ["bob", "carol"])
    with pytest.raises(Forbidden, match="only 'alice'"):
        await bob.request("chat", "remove_members", RemoveMembers(group="g", members=["carol"]))
    with pytest.raises(Forbidden, match="cannot leave"):
        await alice.request("chat", "leave_group", LeaveGroup(group="g"))
    left = await bob.request("chat", "remove_members", RemoveMembers(group="g", members=["bob"]))
    assert left.body.members == ["alice", "carol"]


async def test_leaving_takes_the_group_off_my_list(chat, alice, bob, carol) -> None:
    await make_group(alice, "g1", ["bob"])
    await make_group(alice, "g2", ["bob", "carol"])
    await make_group(carol, "g3", [])
    assert await my_groups(bob) == ["g1", "g2"]
    await bob.request("chat", "leave_group", LeaveGroup(group="g1"))
    assert await my_groups(bob) == ["g2"]
    with pytest.raises(NotFound, match="no group 'g1'"):  # it is a stranger now
        await bob.request("chat", "leave_group", LeaveGroup(group="g1"))
    assert await my_groups(carol) == ["g2", "g3"]


async def test_an_observer_cannot_leave_what_it_is_no_member_of(chat, alice, gateway) -> None:
    await alice.request("chat", "create_group", CreateGroup(group="g", observers=["gateway"]))
    with pytest.raises(NotAMember, match="'gateway' is not a member"):
        await gateway.request("chat", "leave_group", LeaveGroup(group="g"))


async def test_my_groups_can_be_filtered_by_state(chat, alice, bob) -> None:
    await make_group(alice, "open-one", ["bob"])
    await make_group(alice, "closed-one", ["bob"])
    await alice.request("chat", "close_group", CloseGroup(group="closed-one"))
    assert await my_groups(bob, state="open") == ["open-one"]
    assert await my_groups(bob, state="closed") == ["closed-one"]


async def test_people_are_members_like_agents(chat, alice, settings) -> None:
    async with Connection(settings, "user:7") as person:
        await make_group(alice, "g", ["user:7"])
        await post(person, "g", "hello from a person")
        assert await my_groups(person) == ["g"]
        info = (await person.request("chat", "get_group", GetGroup(group="g"))).body
        assert info.members == ["alice", "user:7"]


async def test_a_closed_group_accepts_no_new_members(chat, alice) -> None:
    await make_group(alice, "g", [])
    await alice.request("chat", "close_group", CloseGroup(group="g"))
    with pytest.raises(Forbidden, match="closed"):
        await alice.request("chat", "add_members", AddMembers(group="g", members=["bob"]))
