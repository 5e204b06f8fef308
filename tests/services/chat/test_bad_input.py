"""Raw bytes that are not a valid ``ioa/1`` request get typed errors; the service goes on."""

import json

import pytest

from protocol.connection import Connection
from protocol.envelope import decode
from protocol.errors import ErrorCode
from protocol.kinds import CreateGroup, ErrorBody, GroupInfo


async def raw_request(conn: Connection, op: str, payload: bytes) -> ErrorBody:
    subject = conn.subjects.request(conn.identity, "chat", op)
    msg = await conn.nc.request(subject, payload, timeout=5)
    reply = decode(msg.data)
    assert isinstance(reply.body, ErrorBody)
    return reply.body


def envelope(**overrides) -> bytes:
    data = {
        "protocol": "ioa/1",
        "id": "m1",
        "type": "chat_message",
        "sender": "alice",
        "group": "g",
        "body": {"text": "hi"},
    }
    data.update(overrides)
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"not json at all", ErrorCode.INVALID_MESSAGE),
        (b"[1, 2, 3]", ErrorCode.INVALID_MESSAGE),
        (envelope(type="no_such_kind"), ErrorCode.INVALID_MESSAGE),
        (envelope(body={"text": 42}), ErrorCode.INVALID_MESSAGE),
        (envelope(id="has.dots"), ErrorCode.INVALID_MESSAGE),
        (envelope(protocol="ioa/2"), ErrorCode.UNSUPPORTED_VERSION),
        (envelope(protocol="ioa/2.1"), ErrorCode.UNSUPPORTED_VERSION),
        (envelope(sender="bob"), ErrorCode.FORBIDDEN),
    ],
    ids=["not-json", "not-object", "unknown-kind", "ill-typed", "bad-id", "v2", "v2.1", "forged"],
)
async def test_a_malformed_post_gets_the_matching_error_code(chat, alice, payload, code) -> None:
    error = await raw_request(alice, "post", payload)
    assert error.code == code


async def test_an_oversized_message_is_too_large(chat, chat_settings, alice) -> None:
    payload = envelope(body={"text": "x" * chat_settings.max_message_bytes})
    error = await raw_request(alice, "post", payload)
    assert error.code == ErrorCode.TOO_LARGE


async def test_an_unknown_operation_is_not_found(chat, alice) -> None:
    error = await raw_request(alice, "delete_everything", envelope())
    assert error.code == ErrorCode.NOT_FOUND


async def test_the_service_keeps_serving_after_bad_input(chat, alice) -> None:
    for payload in (b"\xff\xfe", b"{", envelope(protocol="ioa/9"), b"x" * 300_000):
        await raw_request(alice, "post", payload)
        await raw_request(alice, "create_group", payload)
    reply = await alice.request("chat", "create_group", CreateGroup(group="still-here"))
    assert isinstance(reply.body, GroupInfo)
    assert chat.service.counts["internal"] == 0


@pytest.mark.parametrize("field", ["after", "before"])
async def test_a_history_seq_past_what_jetstream_holds_is_invalid(chat, alice, field) -> None:
    await alice.request("chat", "create_group", CreateGroup(group="g"))
    body = {field: 2**64}  # past uint64: JetStream itself would refuse it (issue 28)
    payload = envelope(type="history", body={"group": "g", **body})
    error = await raw_request(alice, "history", payload)
    assert error.code == ErrorCode.INVALID_MESSAGE
