"""What the fuzz run found, each pinned by a direct test.

- Deeply nested JSON made ``decode`` raise ``RecursionError`` instead of a typed
  error: a service answered ``internal``, and an inbox's consuming task died on
  it, so the agent stopped reading its inbox for good.
- ``json.loads`` reads bytes with ``surrogatepass``, so UTF-8-encoded surrogates
  passed as text; with JSON escapes, a lone surrogate reached free-form fields
  (task data) where the message could not be encoded again (a post failed with
  ``internal``) or came out changed.
- A request subject with tokens after the operation got ``internal``.
- With the machine loaded by the 10,000-message run, a JetStream read inside a handler
  timed out and the request got ``internal``; it is ``unavailable`` (retry) now.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import nats.errors
import pytest

from protocol.catalogue.examples import EXAMPLES
from protocol.connection import Connection
from protocol.envelope import Envelope, decode
from protocol.errors import ErrorCode, InvalidMessage, Unavailable
from protocol.inbox import Inbox
from protocol.kinds import ChatMessage, CreateGroup, ErrorBody, GetGroup, GroupInfo
from protocol.service import Service
from protocol.settings import ServiceSettings
from services.chat.app import serve as serve_chat
from services.chat.settings import ChatSettings


def task_result_with(data: object) -> str:
    env = EXAMPLES["task_result"].to_dict()
    env["body"]["data"] = data
    return json.dumps(env)


@pytest.mark.parametrize("nested", [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 40_000])
def test_deeply_nested_json_is_an_invalid_message(nested: bytes) -> None:
    with pytest.raises(InvalidMessage, match="nests"):
        decode(nested, max_bytes=len(nested))


def test_utf8_encoded_surrogates_are_not_utf8() -> None:
    raw = task_result_with({"value": 84}).encode().replace(b"value", b"va\xed\xa0\x80lue")
    with pytest.raises(InvalidMessage, match="not UTF-8"):
        decode(raw)


def test_a_lone_surrogate_escape_is_an_invalid_message_but_a_pair_is_text() -> None:
    with pytest.raises(InvalidMessage, match="lone UTF-16 surrogate"):
        decode(task_result_with({"v": "a\ud800b"}))
    env = decode(task_result_with({"face": "\U0001f600", "text": "\\ud800 as typed"}))
    assert env.body.data == {"face": "\U0001f600", "text": "\\ud800 as typed"}
    assert decode(env.encode()) == env


async def test_a_subject_with_tokens_after_the_operation_is_an_invalid_message(
    settings: ServiceSettings,
) -> None:
    async with (
        serve_chat(ChatSettings(**settings.model_dump())) as chat,
        Connection(settings, "alice") as conn,
    ):
        subject = conn.subjects.request("alice", "chat", "create_group") + ".extra"
        request = Envelope.of(CreateGroup(group="g"), sender="alice")
        msg = await conn.nc.request(subject, request.encode(), timeout=5)
        reply = decode(msg.data)
        assert isinstance(reply.body, ErrorBody)
        assert reply.body.code == ErrorCode.INVALID_MESSAGE
        assert "<root>.from.<you>.chat.<op>" in reply.body.message
        assert chat.service.counts["internal"] == 0


@asynccontextmanager
async def an_inbox_after(
    settings: ServiceSettings, raw: bytes, **options: Any
) -> AsyncIterator[tuple[Inbox, list[str]]]:
    """An inbox sent ``raw`` and then a good message, once it has handled the good one:
    the inbox and the ids it handled."""
    handled: list[str] = []
    got = asyncio.Event()

    async def handle(env: Envelope[Any]) -> None:
        handled.append(env.id)
        got.set()

    async with (
        serve_chat(ChatSettings(**settings.model_dump())),  # it creates the inbox stream
        Connection(settings, "sender") as conn,
        Inbox(conn, "reader", handle, handled_ttl=None, **options) as inbox,
    ):
        await conn.js.publish(conn.subjects.inbox("reader"), raw)
        good = Envelope.of(ChatMessage(text="hi"), sender="sender", id="m1")
        await conn.deliver(conn.subjects.inbox("reader"), good)
        await asyncio.wait_for(got.wait(), 10)
        yield inbox, handled


async def test_an_inbox_reads_on_after_a_deeply_nested_message(settings: ServiceSettings) -> None:
    async with an_inbox_after(settings, b"[" * 100_000 + b"]" * 100_000) as (inbox, handled):
        pass
    assert handled == ["m1"]
    assert inbox.counts["dropped"] == 1


async def test_no_one_message_stops_an_inbox(
    settings: ServiceSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever else a message breaks (here: a decoder bug, stood in by a patch), the
    inbox reads on, and the message comes back."""
    real_decode = decode

    def broken_decode(raw: bytes, **kwargs: Any) -> Envelope[Any]:
        if raw == b"breaks the decoder":
            raise RuntimeError("a bug")
        return real_decode(raw, **kwargs)

    monkeypatch.setattr("protocol.inbox.decode", broken_decode)
    async with an_inbox_after(settings, b"breaks the decoder", ack_wait=1) as (inbox, handled):
        for _ in range(100):  # the broken one comes back after ack_wait
            if inbox.counts["failed"] >= 2:
                break
            await asyncio.sleep(0.1)
    assert handled == ["m1"]
    assert inbox.counts["failed"] >= 2


async def test_a_handler_that_nats_does_not_answer_in_time_is_unavailable(
    settings: ServiceSettings,
) -> None:
    async with Connection(settings, "slow") as conn:
        service = Service(conn, "slow", "0.1.0")

        @service.handler("get")
        async def get(env: Envelope[GetGroup]) -> GroupInfo:
            raise nats.errors.TimeoutError  # what a JetStream read past its time raises

        async with service, Connection(settings, "alice") as alice:
            with pytest.raises(Unavailable, match="retry the request"):
                await alice.request("slow", "get", GetGroup(group="g"))
        assert service.counts["unavailable"] == 1 and service.counts["internal"] == 0
