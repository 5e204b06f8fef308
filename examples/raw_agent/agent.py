"""A word-counting ioa/1 agent written with nats-py and json only (see docs/protocol.md).

Run it: IOA_NATS_URL=nats://127.0.0.1:4222 [IOA_NATS_CREDS=…] python examples/raw_agent/agent.py
"""

import asyncio
import json
import os
import signal
import uuid
from datetime import UTC, datetime

import nats
from nats.js.api import AckPolicy, ConsumerConfig

URL = os.environ.get("IOA_NATS_URL", "nats://127.0.0.1:4222")
ROOT = os.environ.get("IOA_SUBJECT_ROOT", "ioa.v1")
ME = os.environ.get("RAW_AGENT_ID", "wordcount")
LEASE = float(os.environ.get("RAW_AGENT_LEASE_SECONDS", "15"))
CREDS = os.environ.get("IOA_NATS_CREDS")  # a secured network: from `ioa agent admit <ME>`
CARD = {
    "id": ME,
    "name": "Word counter",
    "version": "1.0.0",
    "description": "Counts the words in a text: word count, length of a text.",
    "skills": [
        {
            "id": "count-words",
            "name": "Count words",
            "tags": ["words", "count", "text"],
            "examples": ["How many words are in 'the quick brown fox'?"],
        }
    ],
    "protocol_versions": ["ioa/1"],
}
REGISTER = {"card": CARD, "lease_seconds": LEASE}


def envelope(kind, body, **fields):
    now = datetime.now(UTC).isoformat()
    env = {"protocol": "ioa/1", "id": uuid.uuid4().hex, "type": kind, "sender": ME, "ts": now}
    return {**env, **{k: v for k, v in fields.items() if v is not None}, "body": body}


async def request(nc, what, kind, body, **fields):
    """Ask a service (``what`` is "<service>.<op>"); an `error` reply is returned, not raised."""
    data = json.dumps(envelope(kind, body, **fields)).encode()
    reply = await nc.request(f"{ROOT}.from.{ME}.{what}", data, timeout=5)
    return json.loads(reply.data)


async def post(nc, env, kind, body):
    """Answer a group message in its group."""
    fields = {"group": env["group"], "conversation": env.get("conversation")}
    return await request(nc, "chat.post", kind, body, in_reply_to=env["id"], **fields)


def speaks_ours(env):
    """ioa/1 and its minor versions (ioa/1.4): the major is the number before the dot."""
    return str(env.get("protocol", "")).split(".")[0] == "ioa/1"


def count_words(text):
    quoted = text.split("'")[1::2] or text.split('"')[1::2]  # count inside quotes if any
    n = len(" ".join(quoted or [text]).split())
    return f"{n} word{'s' if n != 1 else ''}"


async def handle(nc, env):
    kind, body, group = env.get("type"), env.get("body"), env.get("group")
    if not isinstance(body, dict):
        raise ValueError("body must be an object")
    if kind == "team_invite":
        accept = {"conversation": body["conversation"]}
        await request(nc, "coordinator.accept", "team_accept", accept, **accept)
    elif kind == "task_assign" and body.get("assignee") == ME and group:
        try:  # answer a task we cannot read with task_failed, so nobody waits for it
            text = count_words((body.get("inputs") or {}).get("text") or body["description"])
            done = {"task_id": body["task_id"], "text": text, "data": {"answer": text}}
            await post(nc, env, "task_result", done)  # data.answer: a tool's answer, a fact
        except (KeyError, TypeError, AttributeError) as exc:
            reason = f"invalid_message: {exc!r}"
            await post(nc, env, "task_failed", {"task_id": body["task_id"], "reason": reason})
    elif kind == "chat_message" and ME in body.get("next_speakers", []) and group:
        text = f"{ME} here: your message has {count_words(body.get('text', ''))}."
        await post(nc, env, "chat_message", {"text": text})


async def consume(nc, js, stop):
    stream = ROOT.replace(".", "_").upper() + "_INBOX"
    durable = f"inbox-{ME}".replace(":", "--")
    if not CREDS:  # on a secured network admission (or our first registration) made it
        await js.add_consumer(
            stream,
            ConsumerConfig(
                durable_name=durable,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=300,
                max_deliver=5,
                filter_subjects=[f"{ROOT}.to.{ME}", f"{ROOT}.to.{ME}.>"],
            ),
        )
    sub = await js.pull_subscribe_bind(durable=durable, stream=stream)
    seen = []  # ids already handled: a redelivered message is acked, not redone
    while not stop.is_set():
        try:
            msgs = await sub.fetch(batch=8, timeout=1)
        except Exception:  # nothing came, or NATS is reconnecting
            continue
        for msg in msgs:
            try:
                env = json.loads(msg.data)
                if not speaks_ours(env) or env["id"] in seen:
                    await msg.ack()  # another major version, or a duplicate: nothing to do
                    continue
                await handle(nc, env)
                seen = [*seen[-9999:], env["id"]]
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                print(f"dropped a bad message: {exc!r}", flush=True)  # and never redeliver it
                await msg.term()  # malformed input never kills the agent
                continue
            except Exception as exc:  # e.g. the chat service restarting: try again soon
                print(f"will retry a message: {exc!r}", flush=True)
                await msg.nak(delay=1)
                continue
            await msg.ack()  # only after handling: a crash before this means redelivery
    await sub.unsubscribe()  # or drain() waits for the pull subscription until it times out


async def heartbeats(nc, stop):
    while not stop.is_set():
        await asyncio.sleep(LEASE / 3)
        try:
            lease = await request(nc, "registry.heartbeat", "heartbeat", {})
            if lease["type"] == "error" and lease["body"]["code"] == "not_found":
                await request(nc, "registry.register", "register", REGISTER)
        except Exception as exc:
            print(f"heartbeat failed: {exc!r}", flush=True)


async def main():
    # Replies come back under our own prefix: the only ones our credentials may read.
    login = {"user_credentials": CREDS, "inbox_prefix": f"_INBOX.{ME}"} if CREDS else {}
    nc = await nats.connect(URL, name=ME, max_reconnect_attempts=-1, **login)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    reply = await request(nc, "registry.register", "register", REGISTER)
    print(f"registered: {reply['type']}", flush=True)
    consuming = asyncio.create_task(consume(nc, nc.jetstream(), stop))
    beating = asyncio.create_task(heartbeats(nc, stop))
    await stop.wait()  # graceful: the message in hand is finished and acked, then we leave
    await asyncio.wait([consuming], timeout=10)
    beating.cancel()
    await nc.drain()


if __name__ == "__main__":
    asyncio.run(main())
