"""Groups: creation, lookup, closing, and safe concurrent updates of their records."""

import asyncio

import pytest

from protocol.connection import Connection
from protocol.errors import Conflict, Forbidden, InvalidMessage, NotFound
from protocol.kinds import CloseGroup, CreateGroup, GetGroup, GroupInfo
from services.chat.app import ChatServer
from services.chat.groups import Group


async def test_the_creator_is_always_a_member_and_ids_appear_once(chat, alice) -> None:
    reply = await alice.request(
        "chat",
        "create_group",
        CreateGroup(
            title="team",
            conversation="c1",
            members=["bob", "alice", "bob"],
            observers=["gateway", "bob", "gateway"],
        ),
    )
    info = reply.body
    assert isinstance(info, GroupInfo)
    assert info.members == ["alice", "bob"]
    assert info.observers == ["gateway"]  # a member is not also an observer
    assert info.created_by == "alice"
    assert info.state == "open"
    assert info.conversation == "c1"
    assert info.group  # a new id was made


async def test_get_group_returns_what_was_created_to_a_member(chat, alice, bob) -> None:
    created = (
        await alice.request("chat", "create_group", CreateGroup(group="g-1", members=["bob"]))
    ).body
    fetched = (await bob.request("chat", "get_group", GetGroup(group="g-1"))).body
    assert fetched == created


async def test_get_group_by_a_stranger_is_not_found_as_an_unknown_id(chat, alice, mallory) -> None:
    await alice.request("chat", "create_group", CreateGroup(group="g-1"))
    with pytest.raises(NotFound, match=r"there is no group 'g-1'$"):
        await mallory.request("chat", "get_group", GetGroup(group="g-1"))


async def test_creating_a_group_whose_id_exists_is_a_conflict(chat, alice) -> None:
    await alice.request("chat", "create_group", CreateGroup(group="dup"))
    with pytest.raises(Conflict, match="already exists"):
        await alice.request("chat", "create_group", CreateGroup(group="dup"))


async def test_ids_with_colons_are_valid_group_ids(chat, alice) -> None:
    await alice.request("chat", "create_group", CreateGroup(group="conv:1", members=["user:7"]))
    info = (await alice.request("chat", "get_group", GetGroup(group="conv:1"))).body
    assert info.members == ["alice", "user:7"]


async def test_an_unknown_group_is_not_found(chat, alice) -> None:
    with pytest.raises(NotFound, match="no group 'nope'"):
        await alice.request("chat", "get_group", GetGroup(group="nope"))


async def test_a_group_larger_than_the_limit_is_refused(chat, chat_settings, alice) -> None:
    too_many = [f"agent-{i}" for i in range(chat_settings.max_members)]
    with pytest.raises(InvalidMessage, match="at most"):
        await alice.request("chat", "create_group", CreateGroup(members=too_many))


async def test_only_the_creator_may_close_a_group(chat, alice, bob) -> None:
    await alice.request("chat", "create_group", CreateGroup(group="g", members=["bob"]))
    with pytest.raises(Forbidden, match="only 'alice'"):
        await bob.request("chat", "close_group", CloseGroup(group="g"))
    closed = (await alice.request("chat", "close_group", CloseGroup(group="g"))).body
    assert closed.state == "closed"
    again = (await alice.request("chat", "close_group", CloseGroup(group="g"))).body
    assert again.state == "closed"  # closing twice is harmless


async def test_concurrent_updates_of_one_group_all_take_effect(
    chat: ChatServer, alice: Connection
) -> None:
    await alice.request("chat", "create_group", CreateGroup(group="busy"))

    def add_observer(name: str):
        def change(group: Group) -> Group:
            group.observers.append(name)
            return group

        return change

    names = [f"watcher-{i}" for i in range(10)]
    # Ten writers race on one record; compare-and-set makes each one redo its
    # change on top of the others' instead of overwriting them.
    await asyncio.gather(*(chat.groups.update("busy", add_observer(n)) for n in names))
    group = await chat.groups.get("busy")
    assert sorted(group.observers) == sorted(names)
