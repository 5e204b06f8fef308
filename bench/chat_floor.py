"""The floor under a durable group message: the chat path's NATS work and nothing else.

For a group of 5, one process plays the chat service's part on the wire and this
process the posters' and the members', doing exactly the NATS and JetStream work
the real path does for every message, so that what the real path costs above it
is the cost of the protocol's and the services' own logic:

- a post is a request; the "chat" process appends it to a group log stream
  (file storage, ``Nats-Msg-Id``) and answers once JetStream acknowledged it;
- ``copy``: a durable pull consumer on the log (read as ``pull.Reader`` reads)
  copies every message into the inbox stream once for every member but its
  sender, awaits the copies' acks, then acks the log messages; each member reads
  its own durable consumer of the inbox stream;
- ``log``: each member reads a durable consumer of the group log instead;
- ``bundle``: like ``copy``, but the fan-out writes one inbox message per member
  per batch, holding every copy of the batch. The protocol has no such message; it is
  measured to show what a change of the inbox's wire format would buy.

Acks are as cheap as JetStream allows (ack-all, once per batch). Nothing is
decoded or validated, no membership or rate is checked, no span is made, no id is
deduplicated. ``bench.chat_throughput`` runs it beside the real path.

Run on its own: ``python -m bench.chat_floor``.
"""

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig

from bench.report import cpu_seconds, table
from ioa import nats_server
from ioa.processes import die_with_parent
from protocol import pull

DESIGNS = ("copy", "bundle", "log")
MEMBERS = [f"m{i}" for i in range(5)]
POSTERS = 5
WINDOW = 16  # posts in flight per poster, as in bench.chat_throughput
MSG_ID = "Nats-Msg-Id"
SENDER = "Ioa-Sender"


def _log_subject(design: str) -> str:
    return f"floor.{design}.log.g"


def _inbox_subject(design: str, member: str) -> str:
    return f"floor.{design}.to.{member}"


async def _streams(nc: Client, design: str) -> None:
    js = nc.jetstream()
    for part in ("log", "to"):
        await js.add_stream(
            StreamConfig(
                name=f"FLOOR_{design}_{part}",
                subjects=[f"floor.{design}.{part}.>"],
                storage=StorageType.FILE,
            )
        )


async def _consumer(nc: Client, stream: str, durable: str, subject: str, batch: int) -> pull.Reader:
    await nc.jetstream().add_consumer(
        stream,
        ConsumerConfig(
            durable_name=durable,
            filter_subject=subject,
            ack_policy=AckPolicy.ALL,
            max_ack_pending=batch,
            ack_wait=30,
        ),
    )
    return await pull.Reader(nc, stream, durable, batch=batch).start()


# --- the chat service's part ----------------------------------------------------
async def serve(url: str, design: str) -> None:
    """Append posts and answer them; for copy and bundle, fan the log out."""
    nc = await nats.connect(url)
    await _streams(nc, design)
    answer_to: dict[str, str] = {}
    acks = nc.new_inbox()
    posts = 0

    async def on_append_ack(msg: Msg) -> None:
        reply = answer_to.pop(msg.subject, None)
        if reply:
            await nc.publish(reply, msg.data)

    async def on_post(msg: Msg) -> None:
        nonlocal posts
        posts += 1
        token = f"{acks}.{posts}"
        answer_to[token] = msg.reply
        await nc.publish(_log_subject(design), msg.data, reply=token, headers=msg.headers)

    await nc.subscribe(f"{acks}.>", cb=on_append_ack)
    await nc.subscribe(f"floor.{design}.post", cb=on_post)
    await nc.publish(f"floor.{design}.ready", b"")
    if design != "log":
        await _fan_out(nc, design)
    else:
        await asyncio.Event().wait()


async def _fan_out(nc: Client, design: str) -> None:
    reader = await _consumer(nc, f"FLOOR_{design}_log", "fanout", _log_subject(design), 256)
    acked = 0
    progress = asyncio.Event()

    async def on_copy_ack(_: Msg) -> None:
        nonlocal acked
        acked += 1
        progress.set()

    copy_acks = nc.new_inbox()
    await nc.subscribe(copy_acks, cb=on_copy_ack)
    never = asyncio.Event()
    while True:
        msgs = await reader.next(never)
        if not msgs:
            continue
        acked, sent = 0, 0
        for subject, data, headers in _copies(design, msgs):
            await nc.publish(subject, data, reply=copy_acks, headers=headers)
            sent += 1
        while acked < sent:
            progress.clear()
            await progress.wait()
        await msgs[-1].ack()


def _copies(design: str, msgs: list[Msg]) -> list[tuple[str, bytes, dict[str, str]]]:
    def sender(msg: Msg) -> str:
        return (msg.headers or {}).get(SENDER, "")

    def msg_id(msg: Msg) -> str:
        return (msg.headers or {}).get(MSG_ID, "")

    if design == "copy":
        return [
            (_inbox_subject(design, member), msg.data, {MSG_ID: f"{msg_id(msg)}:{member}"})
            for msg in msgs
            for member in MEMBERS
            if member != sender(msg)
        ]
    first = msgs[0].metadata.sequence.stream
    bundles = []
    for member in MEMBERS:
        items = [msg_id(m).encode() + b"\n" + m.data for m in msgs if sender(m) != member]
        body = b"".join(len(item).to_bytes(4, "big") + item for item in items)
        bundles.append((_inbox_subject(design, member), body, {MSG_ID: f"{first}:{member}"}))
    return bundles


def _ids(design: str, msg: Msg) -> list[str]:
    """The message ids one delivery carries."""
    if design != "bundle":
        return [(msg.headers or {}).get(MSG_ID, "").split(":")[0]]
    ids, data, at = [], msg.data, 0
    while at < len(data):
        size = int.from_bytes(data[at : at + 4], "big")
        ids.append(data[at + 4 : at + 4 + size].split(b"\n", 1)[0].decode())
        at += 4 + size
    return ids


# --- the posters' and members' part -------------------------------------------
async def _member(url: str, design: str, member: str, on_handled: Any, stop: asyncio.Event) -> None:
    nc = await nats.connect(url)
    if design == "log":
        stream, subject = f"FLOOR_{design}_log", _log_subject(design)
    else:
        stream, subject = f"FLOOR_{design}_to", _inbox_subject(design, member)
    reader = await _consumer(nc, stream, member, subject, 16)
    try:
        while not stop.is_set():
            msgs = await reader.next(stop)
            for msg in msgs:
                if design == "log" and (msg.headers or {}).get(SENDER) == member:
                    continue
                for message_id in _ids(design, msg):
                    on_handled(message_id)
            if msgs:
                await msgs[-1].ack()
    finally:
        await reader.stop()
        await nc.close()


async def _post(url: str, design: str, poster: str, first: int, count: int) -> None:
    nc = await nats.connect(url)
    slots = asyncio.Semaphore(WINDOW)
    payload = b'{"text": "' + b"The result is 470. " * 18 + b'"}'

    async def one(n: int) -> None:
        try:
            headers = {MSG_ID: f"p{n}", SENDER: poster}
            await nc.request(f"floor.{design}.post", payload, timeout=30, headers=headers)
        finally:
            slots.release()

    tasks = []
    for n in range(first, first + count):
        await slots.acquire()
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.gather(*tasks)
    await nc.close()


async def measure_design(url: str, design: str, nats_pid: int, count: int) -> dict[str, Any]:
    nc = await nats.connect(url)
    ready = await nc.subscribe(f"floor.{design}.ready", max_msgs=1)
    proc = subprocess.Popen(  # noqa: ASYNC220 (returns at once)
        [sys.executable, "-m", "bench.chat_floor", "--serve", url, design],
        preexec_fn=die_with_parent(),
    )
    try:
        await ready.next_msg(timeout=30)
        await nc.close()
        handled: dict[str, int] = {}
        complete = 0
        done = asyncio.Event()

        def on_handled(message_id: str) -> None:
            nonlocal complete
            handled[message_id] = handled.get(message_id, 0) + 1
            if handled[message_id] == len(MEMBERS) - 1:
                complete += 1
                if complete == count:
                    done.set()

        stop = asyncio.Event()
        members = [asyncio.create_task(_member(url, design, m, on_handled, stop)) for m in MEMBERS]
        await asyncio.sleep(0.5)  # the members' consumers exist
        pids = {"chat": proc.pid, "nats": nats_pid}
        before = {k: cpu_seconds(p) for k, p in pids.items()} | {"bench": time.process_time()}
        began = time.perf_counter()
        share = count // POSTERS
        await asyncio.gather(
            *(_post(url, design, MEMBERS[i], i * share, share) for i in range(POSTERS))
        )
        await asyncio.wait_for(done.wait(), 120)
        elapsed = time.perf_counter() - began
        after = {k: cpu_seconds(p) for k, p in pids.items()} | {"bench": time.process_time()}
        stop.set()
        await asyncio.gather(*members)
    finally:
        proc.kill()
        proc.wait()
    return {
        "design": design,
        "msgs_per_s": count / elapsed,
        "cpu_ms": {k: (after[k] - before[k]) * 1000 / count for k in before},
    }


async def measure(url: str, nats_pid: int, count: int) -> list[dict[str, Any]]:
    """The floor of every design, one after the other on the same nats-server."""
    return [await measure_design(url, d, nats_pid, count) for d in DESIGNS]


def rows(floors: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            f["design"],
            round(f["msgs_per_s"]),
            " / ".join(f"{f['cpu_ms'][k]:.2f}" for k in ("chat", "nats", "bench")),
            f"{sum(f['cpu_ms'].values()):.2f}",
        ]
        for f in floors
    ]


HEADERS = ["floor (5 members)", "msgs/s", "cpu ms/msg chat / nats / members", "cpu ms/msg"]


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        asyncio.run(serve(sys.argv[2], sys.argv[3]))
        return
    count = 10_000
    port = nats_server.free_port()
    with tempfile.TemporaryDirectory() as store:
        server = nats_server.start(port, Path(store) / "nats")
        try:
            floors = asyncio.run(measure(f"nats://127.0.0.1:{port}", server.pid, count))
        finally:
            nats_server.stop(server)
    print(table(HEADERS, rows(floors)))


if __name__ == "__main__":
    main()
