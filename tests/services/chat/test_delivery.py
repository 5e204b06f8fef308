"""Delivery: every group message reaches every member's inbox once, in order."""

import asyncio
import contextlib
from contextlib import AsyncExitStack

import pytest
from opentelemetry.sdk.trace import TracerProvider

from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import Timeout
from protocol.kinds import ChatMessage, CreateGroup, History, Posted
from services.chat.app import serve
from services.chat.copies import CopyFailed, CopyPipeline
from services.chat.settings import ChatSettings
from tests.services.chat.conftest import envelopes


async def post(conn: Connection, group: str, text: str) -> Envelope:
    env = Envelope.of(ChatMessage(text=text), sender=conn.identity, group=group)
    reply = await conn.send("chat", "post", env)
    assert isinstance(reply.body, Posted)
    return env


async def test_every_member_receives_every_message_in_order_once_and_the_sender_none(
    chat, alice, bob, carol, open_inbox
) -> None:
    await alice.request("chat", "create_group", CreateGroup(group="g", members=["bob", "carol"]))
    inboxes = {c.identity: await open_inbox(c) for c in (alice, bob, carol)}
    speakers = [alice, bob, alice, carol, bob, alice, carol, carol]
    sent = [await post(who, "g", f"message {i}") for i, who in enumerate(speakers)]

    for agent, inbox in inboxes.items():
        expected = [env.id for env in sent if env.sender != agent]
        received = await inbox.receive(len(expected))
        assert [env.id for env in envelopes(received)] == expected, agent
        assert {m.subject for m in received} == {alice.subjects.inbox(agent, "group", "g")}


async def test_observers_can_read_but_receive_nothing(
    chat, alice, bob, gateway, open_inbox
) -> None:
    await alice.request(
        "chat",
        "create_group",
        CreateGroup(group="g", members=["bob"], observers=["gateway"]),
    )
    watching = await open_inbox(gateway)
    member = await open_inbox(bob)
    await post(alice, "g", "for members")
    assert len(await member.receive(1)) == 1
    assert await watching.receive(0, settle=1.0) == []


async def test_a_copy_is_the_posted_envelope_and_carries_its_trace(
    chat, alice, bob, open_inbox
) -> None:
    await alice.request("chat", "create_group", CreateGroup(group="g", members=["bob"]))
    inbox = await open_inbox(bob)
    # A span from a provider of our own starts the trace; the context then
    # travels only through NATS headers: post → log → fan-out → inbox.
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("user goal") as root:
        env = await post(alice, "g", "traced")
    trace_id = format(root.get_span_context().trace_id, "032x")

    (copy,) = await inbox.receive(1)
    assert envelopes([copy])[0] == env
    assert copy.headers is not None
    assert copy.headers["traceparent"].split("-")[1] == trace_id
    assert copy.headers["Nats-Msg-Id"] == f"{env.id}:bob"


async def test_a_message_appended_while_no_replica_runs_is_delivered_at_the_next_start(
    chat_settings: ChatSettings, alice, bob, open_inbox
) -> None:
    async with serve(chat_settings):
        await alice.request("chat", "create_group", CreateGroup(group="g", members=["bob"]))
        inbox = await open_inbox(bob)
    # As if a replica died right after the append was acknowledged and before
    # it fanned out: the message is in the log, no copy exists yet.
    env = Envelope.of(ChatMessage(text="survives"), sender="alice", group="g")
    await alice.deliver(alice.subjects.group_log("g"), env)
    assert await inbox.receive(0, settle=0.5) == []

    async with serve(chat_settings):
        received = await inbox.receive(1)
    assert [e.id for e in envelopes(received)] == [env.id]


async def test_two_replicas_share_the_work_and_deliver_each_message_once_in_order(
    chat_settings: ChatSettings, alice, bob, open_inbox
) -> None:
    async with serve(chat_settings) as one, serve(chat_settings) as two:
        await alice.request("chat", "create_group", CreateGroup(group="g", members=["bob"]))
        inbox = await open_inbox(bob)
        sent = await asyncio.gather(*(post(alice, "g", f"m{i}") for i in range(20)))
        received = await inbox.receive(20)
        page = (await alice.request("chat", "history", History(group="g"))).body
        fanned_out = one.fanout.counts["messages"] + two.fanout.counts["messages"]
        answered = one.service.counts["answered"] + two.service.counts["answered"]

    # Concurrent posts land in the log in some order; every inbox keeps that order.
    log_order = [m.envelope["id"] for m in page.messages]
    assert sorted(log_order) == sorted(env.id for env in sent)
    assert [env.id for env in envelopes(received)] == log_order
    assert fanned_out == 20
    assert answered == 22  # create_group, 20 posts and history, split between the replicas


async def post_until_answered(conn: Connection, text: str) -> Envelope:
    """Post to group g as a client does: a request the stopping replica had read but
    not handled goes unanswered, so it is sent again with the same id."""
    env = Envelope.of(ChatMessage(text=text), sender=conn.identity, group="g")
    for _ in range(5):
        with contextlib.suppress(Timeout):
            await conn.send("chat", "post", env, timeout=2)
            return env
    raise AssertionError(f"{text} was never answered")


async def test_a_replica_stopped_under_traffic_hands_the_fan_out_over_in_order(
    chat_settings: ChatSettings, alice, bob, open_inbox
) -> None:
    """The leading replica stops (SIGTERM) while posts flow: what its reader held is
    fanned out before it lets the lease go, and the other replica goes on from there."""
    settings = chat_settings.model_copy(update={"fanout_ack_wait": 2.0})
    async with AsyncExitStack() as first:
        one = await first.enter_async_context(serve(settings))  # starts first: it leads
        async with serve(settings) as second:
            await alice.request("chat", "create_group", CreateGroup(group="g", members=["bob"]))
            inbox = await open_inbox(bob)
            sent = [await post_until_answered(alice, f"m{i}") for i in range(30)]
            leading = [s for s in (one, second) if s.fanout.leading]
            stopping = asyncio.create_task(first.aclose())  # as the leader's SIGTERM would
            sent += [await post_until_answered(alice, f"m{i}") for i in range(30, 60)]
            await stopping
            sent += [await post_until_answered(alice, f"m{i}") for i in range(60, 90)]
            received = await inbox.receive(90, settle=1.0)
            page = (await alice.request("chat", "history", History(group="g", limit=100))).body

    assert leading == [one]
    log_order = [m.envelope["id"] for m in page.messages]
    assert log_order == [env.id for env in sent]
    assert [env.id for env in envelopes(received)] == log_order  # all, once, in order
    assert second.fanout.counts["messages"] > 0  # the other replica took over


async def test_a_round_of_copies_is_counted_stored_and_a_refused_copy_fails_it(
    chat, alice, bob, open_inbox
) -> None:
    inbox = await open_inbox(bob)
    subject = alice.subjects.inbox("bob", "group", "g")
    async with CopyPipeline(alice.nc) as pipeline:
        copies = [(subject, f"copy {i}".encode(), {"Nats-Msg-Id": f"c{i}"}) for i in range(50)]
        assert await pipeline.send(copies, timeout=10) == 50
        again = await pipeline.send(copies[:3], timeout=10)  # duplicates: acked, not stored
        with pytest.raises(CopyFailed, match="no stream stored it"):
            await pipeline.send([(f"{alice.subjects.root}.nowhere", b"lost", {})], timeout=10)
        with pytest.raises(CopyFailed, match="refused"):
            await pipeline.send([(subject, b"x", {"Nats-Expected-Stream": "NOPE"})], timeout=10)

    assert again == 3
    assert [m.data for m in await inbox.receive(50)] == [f"copy {i}".encode() for i in range(50)]
