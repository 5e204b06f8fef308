"""Who may read or act on a conversation: a stranger learns nothing, not even that it exists."""

from pathlib import Path
from typing import Any

import pytest

from protocol.connection import Connection
from protocol.errors import NotFound
from protocol.kinds import GetConversation, StartConversation
from protocol.subjects import COORDINATOR
from tests.services.coordinator.network import finish, network, state_of
from tests.support.scripted_llm import Script
from tests.support.strangers import UNKNOWN, ask, every_operation

GOAL = StartConversation(goal="My private figure: what is 17.5% of 91,250?", max_team=1)


async def refusal(conn: Connection, op: str, body: Any, conversation: str) -> str:
    with pytest.raises(NotFound) as refused:
        await ask(conn, COORDINATOR, op, body, conversation=conversation)
    return refused.value.message


async def test_a_stranger_gets_for_every_operation_what_an_unknown_id_gets(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        async with (
            Connection(net.settings, "alice") as alice,
            Connection(net.settings, "mallory") as mallory,
        ):
            state = await finish(alice, GOAL)
            theirs, nobodys = state.conversation, UNKNOWN
            for op, body in every_operation(theirs).items():
                said = await refusal(mallory, op, body, theirs)
                unknown = await refusal(mallory, op, every_operation(nobodys)[op], nobodys)
                assert said == unknown.replace(nobodys, theirs), op
            # Nothing changed: the owner still reads it, concluded as it was.
            assert (await state_of(alice, theirs)).state == "concluded"


async def test_the_requester_the_members_and_the_admin_may_read_it(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        async with Connection(net.settings, "alice") as alice:
            state = await finish(alice, GOAL)
            for reader in ("calculator", "admin"):
                async with Connection(net.settings, reader) as conn:
                    assert (await state_of(conn, state.conversation)).goal == GOAL.goal
            assert [m.agent for m in state.members] == ["calculator"]


async def test_an_id_no_conversation_can_have_is_not_found_like_any_unknown_one(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        async with Connection(net.settings, "mallory") as mallory:
            # A protocol id, but not a key of the conversations' bucket (no ':' there).
            said = await refusal(mallory, "get", GetConversation(conversation="a:b"), "a:b")
    assert said == "no conversation 'a:b'"
