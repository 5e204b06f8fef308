"""A stranger to a group (neither its creator, a member nor an observer) gets for it,
on every operation that names a group, word for word what an id no group has gets;
those who may see the group keep their precise refusals."""

from collections.abc import Callable
from typing import Any

import pytest

from protocol.connection import Connection
from protocol.envelope import Envelope, decode
from protocol.kinds import (
    AddMembers,
    ChatMessage,
    CloseGroup,
    CreateGroup,
    ErrorBody,
    GetGroup,
    History,
    LeaveGroup,
    Pending,
    RemoveMembers,
    SetTurns,
)
from protocol.kinds.base import Body
from services.chat.app import ChatServer

THEIRS = "g-alices"
UNKNOWN = "g-nobody"
"""An id no group has, as long as ``THEIRS`` (so no answer differs by its length)."""

NAMING_A_GROUP: dict[str, Callable[[str], Body]] = {
    "get_group": lambda group: GetGroup(group=group),
    "history": lambda group: History(group=group),
    "post": lambda group: ChatMessage(text="let me in"),
    "pending": lambda group: Pending(group=group),
    "leave_group": lambda group: LeaveGroup(group=group),
    "add_members": lambda group: AddMembers(group=group, members=["mallory"]),
    "remove_members": lambda group: RemoveMembers(group=group, members=["bob"]),
    "close_group": lambda group: CloseGroup(group=group),
    "set_turns": lambda group: SetTurns(group=group, max_turns=1000),
}


async def refusal(conn: Connection, op: str, group: str) -> dict[str, Any]:
    """The error ``conn`` gets for ``op`` on ``group``, as it came on the wire; it
    answers the request it was given (``in_reply_to``)."""
    env = Envelope.of(NAMING_A_GROUP[op](group), sender=conn.identity, group=group)
    subject = conn.subjects.request(conn.identity, "chat", op)
    reply = decode((await conn.nc.request(subject, env.encode(), timeout=5)).data)
    assert isinstance(reply.body, ErrorBody), reply
    assert reply.in_reply_to == env.id
    return reply.body.model_dump(mode="json")


def as_theirs(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v.replace(UNKNOWN, THEIRS) if isinstance(v, str) else v for k, v in answer.items()}


@pytest.fixture
async def alices_group(chat: ChatServer, alice: Connection, bob: Connection) -> None:
    """Alice's group with bob, carol and gateway (an observer), and turns to spend; bob
    left it again."""
    create = CreateGroup(group=THEIRS, members=["bob", "carol"], observers=["gateway"], max_turns=5)
    await alice.request("chat", "create_group", create)
    await alice.request("chat", "post", ChatMessage(text="secret plans"), group=THEIRS)
    await bob.request("chat", "leave_group", LeaveGroup(group=THEIRS))


@pytest.mark.parametrize("who", ["mallory", "bob"], ids=["never-in-it", "left-it"])
@pytest.mark.parametrize("op", list(NAMING_A_GROUP))
async def test_a_stranger_gets_for_a_group_what_an_unknown_id_gets(
    chat: ChatServer,
    alices_group: None,
    alice: Connection,
    mallory: Connection,
    bob: Connection,
    op: str,
    who: str,
) -> None:
    stranger = {"mallory": mallory, "bob": bob}[who]
    before = await chat.groups.get(THEIRS)

    theirs = await refusal(stranger, op, THEIRS)

    assert theirs == as_theirs(await refusal(stranger, op, UNKNOWN))
    assert theirs["code"] == "not_found"
    after = await chat.groups.get(THEIRS)
    assert after.revision == before.revision  # nothing was stored
    assert after.info() == before.info()


@pytest.mark.parametrize(
    ("who", "op", "code"),
    [
        ("gateway", "post", "not_a_member"),
        ("gateway", "pending", "not_a_member"),
        ("gateway", "leave_group", "not_a_member"),
        ("gateway", "add_members", "forbidden"),
        ("gateway", "remove_members", "forbidden"),
        ("gateway", "close_group", "forbidden"),
        ("gateway", "set_turns", "forbidden"),
        ("carol", "add_members", "forbidden"),
        ("carol", "remove_members", "forbidden"),
        ("carol", "close_group", "forbidden"),
        ("carol", "set_turns", "forbidden"),
    ],
)
async def test_those_who_may_see_a_group_keep_their_precise_refusals(
    chat: ChatServer, alices_group: None, settings: Any, who: str, op: str, code: str
) -> None:
    async with Connection(settings, who) as conn:
        answer = await refusal(conn, op, THEIRS)
    assert answer["code"] == code, answer


async def test_an_observer_and_a_member_read_what_a_stranger_may_not(
    chat: ChatServer, alices_group: None, gateway: Connection, carol: Connection
) -> None:
    for reader in (gateway, carol):
        info = (await reader.request("chat", "get_group", GetGroup(group=THEIRS))).body
        assert info.members == ["alice", "carol"]
        page = (await reader.request("chat", "history", History(group=THEIRS))).body
        assert [m.envelope["body"]["text"] for m in page.messages] == ["secret plans"]


async def test_a_closed_group_is_closed_to_its_members_and_unknown_to_strangers(
    chat: ChatServer, alices_group: None, alice: Connection, carol: Connection, mallory: Connection
) -> None:
    await alice.request("chat", "close_group", CloseGroup(group=THEIRS))
    assert (await refusal(carol, "post", THEIRS))["code"] == "forbidden"
    assert (await refusal(alice, "add_members", THEIRS))["code"] == "forbidden"
    assert await refusal(mallory, "post", THEIRS) == as_theirs(
        await refusal(mallory, "post", UNKNOWN)
    )
