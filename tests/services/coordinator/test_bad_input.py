"""Bad input to the coordinator's request subjects gets a typed error; it keeps serving.

The coordinator runs with the real registry, chat service and agents (``network``);
every request here is sent as raw bytes, the way a buggy or hostile peer would.
"""

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from protocol.connection import Connection
from protocol.envelope import decode
from protocol.errors import ErrorCode, NotFound
from protocol.kinds import (
    CancelConversation,
    ConversationList,
    ConversationState,
    ErrorBody,
    ListConversations,
    StartConversation,
    TeamAccept,
)
from protocol.subjects import COORDINATOR
from services.coordinator.app import Coordinator
from services.coordinator.app import serve as serve_coordinator
from services.coordinator.settings import CoordinatorSettings
from tests.services.coordinator.network import network
from tests.support.scripted_llm import Script

OPS = ("start", "get", "list", "accept", "decline", "cancel", "continue", "sub_team")
GOAL = {"goal": "What is 6 * 7?"}


def envelope(type: str = "start_conversation", body: Any = None, **fields: Any) -> bytes:
    data = {
        "protocol": "ioa/1",
        "id": "m1",
        "type": type,
        "sender": "alice",
        "ts": "2026-01-01T00:00:00Z",
        "body": GOAL if body is None else body,
        **fields,
    }
    return json.dumps(data).encode()


async def raw_request(conn: Connection, op: str, payload: bytes) -> ErrorBody:
    msg = await conn.nc.request(conn.subjects.request("alice", COORDINATOR, op), payload, timeout=5)
    reply = decode(msg.data)
    assert isinstance(reply.body, ErrorBody), f"{op}: {reply.body!r}"
    return reply.body


@pytest.fixture
async def coordinator(
    nats_url: str, subject_root: str, tmp_path: Path
) -> AsyncIterator[tuple[Coordinator, Connection]]:
    async with network(nats_url, subject_root, tmp_path, Script(), coordinator=False) as net:
        settings = CoordinatorSettings(**net.settings.model_dump(), use_llm=False)
        running = await net.stack.enter_async_context(serve_coordinator(settings))
        async with Connection(net.settings, "alice") as alice:
            yield running, alice


BAD = {
    "junk bytes": (b"\xff\xfe not json", ErrorCode.INVALID_MESSAGE),
    "not an object": (b"[1, 2, 3]", ErrorCode.INVALID_MESSAGE),
    "truncated": (b"{", ErrorCode.INVALID_MESSAGE),
    "ioa/2": (envelope(protocol="ioa/2"), ErrorCode.UNSUPPORTED_VERSION),
    "ioa/9.1": (envelope(protocol="ioa/9.1"), ErrorCode.UNSUPPORTED_VERSION),
    "unknown kind": (envelope(type="no_such_kind"), ErrorCode.INVALID_MESSAGE),
    "wrong kind": (envelope(type="search", body={"query": "x"}), ErrorCode.INVALID_MESSAGE),
    "forged sender": (envelope(sender="mallory"), ErrorCode.FORBIDDEN),
    "ill-typed body": (envelope(body={"goal": 42}), ErrorCode.INVALID_MESSAGE),
    "id with dots": (envelope(id="has.dots"), ErrorCode.INVALID_MESSAGE),
    "oversized": (envelope(body={"goal": "x" * 300_000}), ErrorCode.TOO_LARGE),
}


async def test_bad_input_to_every_operation_gets_its_typed_error(
    coordinator: tuple[Coordinator, Connection],
) -> None:
    # One network for every case: starting one takes seconds.
    running, alice = coordinator
    for case, (payload, code) in BAD.items():
        for op in OPS:
            error = await raw_request(alice, op, payload)
            assert error.code is code, f"{case} to {op}: {error}"
    codes = [code.value for _, code in BAD.values()]
    assert {c: running.service.counts[c] for c in codes} == {
        c: codes.count(c) * len(OPS) for c in codes
    }
    assert running.service.counts["internal"] == 0


async def test_refused_requests_leave_the_coordinator_serving(
    coordinator: tuple[Coordinator, Connection],
) -> None:
    running, alice = coordinator
    # What only the coordinator can judge: a team of at least 3 but at most 2, an
    # answer to an invitation nobody sent, a conversation that does not exist.
    error = await raw_request(alice, "start", envelope(body={**GOAL, "min_team": 3, "max_team": 2}))
    assert error.code is ErrorCode.INVALID_MESSAGE and "max_team" in error.message
    for op, kind in (("accept", "team_accept"), ("get", "get_conversation")):
        error = await raw_request(alice, op, envelope(kind, {"conversation": "nowhere"}))
        assert error.code is ErrorCode.NOT_FOUND, error

    started = await alice.request(COORDINATOR, "start", StartConversation(**GOAL))
    assert isinstance(started.body, ConversationState)
    # Someone else may neither steer it nor answer an invitation it never got: to them it
    # is as unknown as an id that does not exist.
    conversation = started.body.conversation
    async with Connection(alice.settings, "mallory") as mallory:
        with pytest.raises(NotFound, match=f"no conversation '{conversation}'"):
            await mallory.request(
                COORDINATOR, "cancel", CancelConversation(conversation=conversation)
            )
        with pytest.raises(NotFound, match=f"no conversation '{conversation}'"):
            await mallory.request(COORDINATOR, "accept", TeamAccept(conversation=conversation))

    listed = await alice.request(COORDINATOR, "list", ListConversations())
    assert isinstance(listed.body, ConversationList)
    assert [c.conversation for c in listed.body.conversations] == [conversation]
    assert running.service.counts["internal"] == 0
