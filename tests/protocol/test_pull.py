"""pull.Reader: a durable consumer read through a pull request kept waiting on a real
nats-server, and the inbox's acks confirmed once for a quick run of messages."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig
from nats.js.errors import NoKeysError

from ioa import nats_server
from ioa.processes import die_with_parent
from protocol import pull
from protocol.connection import Connection, flush
from protocol.envelope import Envelope
from protocol.inbox import Inbox, consumer_name, handled_bucket
from protocol.kinds import ChatMessage
from protocol.settings import ServiceSettings
from protocol.streams import ensure_stream, inbox_stream

STREAM, DURABLE = "PULLTEST", "reader"


@asynccontextmanager
async def consumer(url: str, name: str, *, ack_wait: float = 30.0) -> AsyncIterator[Client]:
    """A stream ``name`` on ``name.>`` with one durable consumer, deleted afterwards."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name=name, subjects=[f"{name}.>"]))
    await js.add_consumer(
        name, ConsumerConfig(durable_name=DURABLE, ack_policy=AckPolicy.EXPLICIT, ack_wait=ack_wait)
    )
    try:
        yield nc
    finally:
        await js.delete_stream(name)
        await nc.drain()


async def publish(nc: Client, stream: str, count: int, start: int = 0) -> None:
    js = nc.jetstream()
    for n in range(start, start + count):
        await js.publish(f"{stream}.m", str(n).encode())


async def take(
    reader: pull.Reader, count: int, seconds: float = 5.0, *, ack: bool = False
) -> list[Msg]:
    """The first ``count`` messages (fewer if they do not come within ``seconds``), each
    acknowledged as it comes when ``ack``. One ``next`` returns what had arrived when the
    reader woke, which may be fewer than were published."""
    stopping, got = asyncio.Event(), list[Msg]()
    deadline = asyncio.get_running_loop().time() + seconds
    while len(got) < count and asyncio.get_running_loop().time() < deadline:
        for msg in await reader.next(stopping):
            if ack:
                await msg.ack()
            got.append(msg)
    return got


async def read(reader: pull.Reader, count: int, seconds: float = 10.0) -> list[Msg]:
    """The first ``count`` messages, each acknowledged as it comes."""
    return await take(reader, count, seconds, ack=True)


async def test_messages_are_read_in_order_and_no_more_than_a_batch_is_held(
    nats_url: str,
) -> None:
    async with consumer(nats_url, "PULLORDER") as nc:
        await publish(nc, "PULLORDER", 10)
        reader = await pull.Reader(nc, "PULLORDER", DURABLE, batch=4).start()
        try:
            first = await reader.next(asyncio.Event())
            await asyncio.sleep(0.3)
            info = await nc.jetstream().consumer_info("PULLORDER", DURABLE)
            assert info.num_ack_pending == 4  # one batch out, none acked yet
            assert info.num_pending == 6  # still on the server
            for msg in first:
                await msg.ack()
            got = first + await read(reader, 10 - len(first))
        finally:
            await reader.stop()
    assert [m.data for m in got] == [str(n).encode() for n in range(10)]


async def test_an_expired_request_is_renewed(nats_url: str) -> None:
    async with consumer(nats_url, "PULLEXPIRY") as nc:
        reader = pull.Reader(nc, "PULLEXPIRY", DURABLE, batch=2, expires=0.5)
        await reader.start()
        try:
            stopping = asyncio.Event()
            for _ in range(3):  # idle past the request's expiry, asking as a reader does
                assert await reader.next(stopping) == []
            await publish(nc, "PULLEXPIRY", 3)
            got = await read(reader, 3, seconds=5)
        finally:
            await reader.stop()
    assert [m.data for m in got] == [b"0", b"1", b"2"]


async def test_what_a_stopped_reader_held_comes_back_in_order(nats_url: str) -> None:
    async with consumer(nats_url, "PULLSTOP", ack_wait=2) as nc:
        await publish(nc, "PULLSTOP", 5)
        first = await pull.Reader(nc, "PULLSTOP", DURABLE, batch=8).start()
        taken = await first.next(asyncio.Event())
        await taken[0].ack()  # the first one is handled, the rest only held
        await first.stop()
        second = await pull.Reader(nc, "PULLSTOP", DURABLE, batch=8).start()
        try:
            got = await read(second, 4, seconds=10)  # after the 2 s ack wait
        finally:
            await second.stop()
    assert taken[0].data == b"0"
    assert [m.data for m in got] == [b"1", b"2", b"3", b"4"]


async def test_what_a_reader_gives_back_comes_first_to_the_next_reader(nats_url: str) -> None:
    """Handed back in order before newer messages, at once, not after the 30 s ack wait."""
    async with consumer(nats_url, "PULLBACK") as nc:
        await publish(nc, "PULLBACK", 2)
        first = await pull.Reader(nc, "PULLBACK", DURABLE, batch=8).start()
        taken = await first.next(asyncio.Event())
        await publish(nc, "PULLBACK", 3, start=2)  # these arrive, not taken
        await asyncio.sleep(0.2)
        await taken[0].ack()  # handled; the next one is in hand when the reader stops
        await first.give_back(taken[1:])
        await publish(nc, "PULLBACK", 3, start=5)
        second = await pull.Reader(nc, "PULLBACK", DURABLE, batch=8).start()
        try:
            got = await read(second, 7, seconds=5)
        finally:
            await second.stop()
    assert [m.data for m in got] == [str(n).encode() for n in range(1, 8)]


async def test_what_a_dead_reader_held_comes_before_newer_messages(nats_url: str) -> None:
    """A reader gone with messages unacknowledged, like a killed process: they come again
    after the ack wait, and the next reader holds newer ones back until then."""
    async with consumer(nats_url, "PULLDEAD", ack_wait=2) as nc:
        await publish(nc, "PULLDEAD", 5)
        dying = await nats.connect(nats_url)
        first = await pull.Reader(dying, "PULLDEAD", DURABLE, batch=8).start()
        taken = await take(first, 5)
        await taken[0].ack()
        await flush(dying)
        await dying.close()  # four messages out, unacknowledged
        await publish(nc, "PULLDEAD", 3, start=5)
        second = pull.Reader(nc, "PULLDEAD", DURABLE, batch=8)
        await second.start(leftovers_of=await nc.jetstream().consumer_info("PULLDEAD", DURABLE))
        try:
            got = await read(second, 7, seconds=10)
        finally:
            await second.stop()
    assert [m.data for m in taken] == [b"0", b"1", b"2", b"3", b"4"]
    assert [m.data for m in got] == [str(n).encode() for n in range(1, 8)]


async def test_leftovers_acknowledged_by_another_reader_are_not_waited_for(
    nats_url: str,
) -> None:
    """An earlier run still finishing (a rolling restart) acks what it holds: the next
    reader sees that and goes on within a second or so, not after the 30 s ack wait."""
    async with consumer(nats_url, "PULLOVERLAP") as nc:
        await publish(nc, "PULLOVERLAP", 3)
        first = await pull.Reader(nc, "PULLOVERLAP", DURABLE, batch=8).start()
        taken = await take(first, 3)
        second = pull.Reader(nc, "PULLOVERLAP", DURABLE, batch=8)
        info = await nc.jetstream().consumer_info("PULLOVERLAP", DURABLE)
        await second.start(leftovers_of=info)  # while the first holds three
        await first.stop()
        await publish(nc, "PULLOVERLAP", 2, start=3)
        for msg in taken:
            await msg.ack()
        try:
            got = await read(second, 2, seconds=5)
        finally:
            await second.stop()
    assert [m.data for m in taken] == [b"0", b"1", b"2"]
    assert [m.data for m in got] == [b"3", b"4"]


async def test_an_inbox_stopped_and_started_again_handles_every_message_once_in_order(
    settings: ServiceSettings,
) -> None:
    """Stopped while messages flow and a batch is held, then started again: what the
    first run did not handle comes first to the second, in order, none twice."""
    owner, count = "restarter", 60
    envs = [
        Envelope.of(ChatMessage(text=f"m{n}"), sender="someone", group="g") for n in range(count)
    ]
    handled: list[str] = []
    some_handled, all_handled = asyncio.Event(), asyncio.Event()

    async def handle(env: Envelope[Any]) -> None:
        handled.append(env.id)
        if len(handled) == 5:
            some_handled.set()
        if len(set(handled)) == count:
            all_handled.set()
        await asyncio.sleep(0.01)  # slower than the posts: the inbox holds a batch

    async with Connection(settings, owner) as conn:
        await ensure_stream(conn.js, inbox_stream(conn.subjects))
        subject = conn.subjects.inbox(owner, "group", "g")

        async def post_all() -> None:
            for env in envs:
                await conn.js.publish(subject, env.encode())
                await asyncio.sleep(0.002)

        posting = asyncio.create_task(post_all())
        async with Inbox(conn, owner, handle):
            await asyncio.wait_for(some_handled.wait(), 10)
        first_run = len(handled)
        async with Inbox(conn, owner, handle):
            await posting
            await asyncio.wait_for(all_handled.wait(), 10)  # the ack wait is 30 s
    assert first_run < count
    assert handled == [env.id for env in envs]


async def test_a_drained_reader_returns_what_it_held_and_gets_nothing_more(
    nats_url: str,
) -> None:
    async with consumer(nats_url, "PULLDRAIN") as nc:
        await publish(nc, "PULLDRAIN", 2)
        reader = await pull.Reader(nc, "PULLDRAIN", DURABLE, batch=8).start()
        taken = await reader.next(asyncio.Event())  # asked for 8, got what had come
        await publish(nc, "PULLDRAIN", 3, start=2)  # these arrive, not taken
        await asyncio.sleep(0.2)
        held = await reader.drain()
        for msg in taken + held:
            await msg.ack()
        await publish(nc, "PULLDRAIN", 2, start=5)  # the request left behind is dead
        await asyncio.sleep(0.3)
        info = await nc.jetstream().consumer_info("PULLDRAIN", DURABLE)
    assert [m.data for m in taken + held] == [b"0", b"1", b"2", b"3", b"4"]
    assert len(held) >= 3  # at least the three sent after the first next()
    assert info.num_ack_pending == 0  # nothing was sent to the drained reader
    assert info.num_pending == 2  # the new ones wait for the next reader


async def test_reading_goes_on_after_the_server_restarts(tmp_path: Path) -> None:
    port, store = nats_server.free_port(), tmp_path / "nats"
    server = nats_server.start(port, store, preexec_fn=die_with_parent())
    url = f"nats://127.0.0.1:{port}"
    try:
        nc = await nats.connect(url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name=STREAM, subjects=[f"{STREAM}.>"]))
        await js.add_consumer(STREAM, ConsumerConfig(durable_name=DURABLE, ack_wait=30))
        reader = await pull.Reader(nc, STREAM, DURABLE, batch=4).start()
        await publish(nc, STREAM, 2)
        before = await read(reader, 2)
        await flush(nc)  # the server has the acks before it stops
        nats_server.stop(server)  # the waiting request goes with it
        await asyncio.sleep(0.5)
        server = nats_server.start(port, store, preexec_fn=die_with_parent())
        await nc.flush(timeout=10)  # reconnected
        await publish(nc, STREAM, 2, start=2)
        # The reconnect itself makes it ask again.
        after = await read(reader, 2, seconds=4)
        await reader.stop()
        await nc.close()
    finally:
        nats_server.stop(server)
    assert [m.data for m in before + after] == [b"0", b"1", b"2", b"3"]


async def test_a_failed_confirmation_records_every_message_acked_since_the_last(
    settings: ServiceSettings,
) -> None:
    """The first message is alone, so its ack is confirmed; the others are sent while
    it is handled and arrive together, so all but the last are acked plainly. The last
    one's handler deletes the consumer: its confirmation cannot come, and every id
    after the first must then be in the handled bucket, so that none is handled again
    after a crash."""
    owner, count = "acker", 6
    envs = [
        Envelope.of(ChatMessage(text=f"m{n}"), sender="someone", group="g") for n in range(count)
    ]
    handled: list[str] = []
    first_in_hand, last_handled = asyncio.Event(), asyncio.Event()
    async with Connection(settings, owner) as conn:
        await ensure_stream(conn.js, inbox_stream(conn.subjects))
        subject = conn.subjects.inbox(owner, "group", "g")

        async def handle(env: Envelope[Any]) -> None:
            handled.append(env.id)
            if env.id == envs[0].id:
                first_in_hand.set()
                await asyncio.sleep(0.3)  # the others arrive meanwhile
            if env.id == envs[-1].id:
                stream = inbox_stream(conn.subjects).name
                await conn.js.delete_consumer(stream, consumer_name(owner))
                last_handled.set()

        async with Inbox(conn, owner, handle):
            await conn.js.publish(subject, envs[0].encode())
            await asyncio.wait_for(first_in_hand.wait(), 10)
            for env in envs[1:]:
                await conn.js.publish(subject, env.encode())
            await asyncio.wait_for(last_handled.wait(), 10)
            bucket = await conn.js.key_value(handled_bucket(conn.subjects, owner))
            recorded: set[str] = set()
            for _ in range(100):  # the confirmation fails, then the records are written
                with contextlib.suppress(NoKeysError):
                    recorded = {key.replace("=", ":") for key in await bucket.keys()}
                if len(recorded) >= count - 1:
                    break
                await asyncio.sleep(0.1)
    assert handled == [env.id for env in envs]
    assert recorded == {env.id for env in envs[1:]}


def stored(seq: int) -> Msg:
    """A message as JetStream delivers it: its stream sequence is in the ack subject."""
    reply = f"$JS.ACK.STREAM.{DURABLE}.1.{seq}.{seq}.1700000000000000000.0"
    return Msg(_client=None, subject="s", reply=reply, data=str(seq - 1).encode())  # type: ignore[arg-type]


async def test_leftovers_that_come_out_of_order_are_handed_on_in_stream_order() -> None:
    # The server sends again at once a leftover it had sent to a dead reader's request,
    # and the older ones only after their ack wait: "5" comes before "1".."4".
    reader = pull.Reader(None, "STREAM", DURABLE, batch=8)  # type: ignore[arg-type]
    reader._leftovers = pull._Leftovers(
        last=6, count=5, until=asyncio.get_running_loop().time() + 60
    )
    assert reader._in_order([stored(6)]) == []
    assert reader._in_order([stored(7)]) == []  # newer: held back too
    got = reader._in_order([stored(n) for n in (2, 3, 4, 5)])
    assert [m.data for m in got] == [b"1", b"2", b"3", b"4", b"5", b"6"]
    assert reader._in_order([stored(8)])[0].data == b"7"  # and then as they come
