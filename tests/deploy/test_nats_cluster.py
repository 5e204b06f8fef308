"""Clustering for real: the services on a three-node JetStream cluster lose a server.

Three nats-server processes form a cluster on loopback, in operator mode as in
Kubernetes: all three trust one operator (``ioa.authority``), each with its own
full account resolver. The registry, chat, coordinator and two agents run in this
process, each with its own credentials (the agents' issued by the registry at
admission), connected with the list of all three URLs, their streams and buckets
at 3 replicas (IOA_STREAM_REPLICAS=3, as the prod overlay sets). In the middle
of posts and conversations the node that
leads the group-log stream is SIGKILLed. Every post the chat service answered
with a sequence number must be in the group log exactly once and in every other
member's inbox, and every conversation must still end.
"""

import asyncio
from pathlib import Path
from typing import Any

import pytest
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from ioa.authority import Authority
from protocol.connection import Connection
from protocol.envelope import Envelope, decode
from protocol.errors import Internal, Timeout, Unavailable
from protocol.kinds import (
    TERMINAL_STATES,
    ChatMessage,
    ConversationState,
    CreateGroup,
    History,
    HistoryPage,
    Posted,
    StartConversation,
)
from protocol.settings import ServiceSettings
from protocol.streams import group_stream, inbox_stream
from protocol.subjects import CHAT, GATEWAY
from tests.security.network import SecuredNetwork, secured_network
from tests.services.coordinator.network import start, state_of
from tests.services.coordinator.test_conversation import GOAL, TEAM_RULES
from tests.support.nats_cluster import nats_cluster
from tests.support.scripted_llm import Script
from tests.support.secured import SecuredNats

pytestmark = pytest.mark.timeout(90)

POSTS_EACH = 24
KILL_AFTER = 8
CONVERSATIONS = 3


async def post_until_answered(conn: Connection, group: str, text: str) -> tuple[str, int]:
    """Post, retrying the same envelope (same id) through the failover; (id, seq).

    The chat service answers ``internal`` when its JetStream append fails during
    the failover (it does not yet tell that transient failure apart); a retry of
    the same id is safe, since the log drops duplicates by id.
    """
    env = Envelope.of(ChatMessage(text=text), sender=conn.identity, group=group)
    for _ in range(40):
        try:
            reply = await conn.send("chat", "post", env, timeout=3.0)
        except (Timeout, Unavailable, Internal):
            await asyncio.sleep(0.25)
            continue
        assert isinstance(reply.body, Posted)
        return env.id, reply.body.seq
    raise AssertionError(f"post {text!r} was never answered")


async def wait_ended(conn: Connection, conversation: str, seconds: float) -> ConversationState:
    """Poll the coordinator until the conversation ends; its KV may be electing a leader."""
    deadline = asyncio.get_running_loop().time() + seconds
    state = None
    while asyncio.get_running_loop().time() < deadline:
        try:
            state = await state_of(conn, conversation)
        except (Timeout, Unavailable, Internal):
            continue
        if state.state in TERMINAL_STATES:
            return state
        await asyncio.sleep(0.2)
    raise AssertionError(f"conversation {conversation} did not end: {state}")


async def read_all(js: JetStreamContext, stream: str, subject: str) -> list[Any]:
    """Every message of ``stream`` on ``subject``, oldest first."""
    info = await js.add_consumer(
        stream,
        ConsumerConfig(
            filter_subject=subject,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.NONE,
            inactive_threshold=30.0,
            mem_storage=True,
            num_replicas=1,
        ),
    )
    wanted = info.num_pending or 0
    got: list[Any] = []
    if wanted:
        psub = await js.pull_subscribe_bind(consumer=info.name, stream=stream)
        while len(got) < wanted:
            got += await psub.fetch(wanted - len(got), timeout=5.0)
        await psub.unsubscribe()
    await js.delete_consumer(stream, info.name)
    return got


async def group_log(conn: Connection, group: str) -> list[tuple[int, str]]:
    page: HistoryPage = (
        await conn.request("chat", "history", History(group=group, limit=1000))
    ).body
    return [(m.seq, m.envelope["id"]) for m in page.messages]


async def delivered_ids(auditor: Connection, member: str, group: str) -> list[str]:
    stream = inbox_stream(auditor.subjects).name
    msgs = await read_all(auditor.js, stream, auditor.subjects.inbox(member, "group", group))
    return [decode(m.data).id for m in msgs]


async def assert_delivered_to_members(
    conn: Connection,
    auditor: Connection,
    group: str,
    members: list[str],
    seconds: float = 20.0,
) -> list[tuple[int, str]]:
    """Each log message reaches each member but its sender, once (fan-out may lag).

    ``conn`` may read the group's history; ``auditor``, a service's, the inboxes."""
    log = await group_log(conn, group)
    senders = {}
    for m in (
        await conn.request("chat", "history", History(group=group, limit=1000))
    ).body.messages:
        senders[m.envelope["id"]] = m.envelope["sender"]
    for member in members:
        expected = [i for _, i in log if senders[i] != member]
        got: list[str] = []
        for _ in range(int(seconds * 4)):
            got = await delivered_ids(auditor, member, group)
            if len(got) >= len(expected):
                break
            await asyncio.sleep(0.25)
        # Every message exactly once. Order is not asserted here: a JetStream leader
        # change in the middle of a fan-out batch can deliver one copy out of order
        # (a known gap, services/chat/README.md); the log itself stays ordered.
        assert len(got) == len(set(got)), f"{member} in {group} got a message twice"
        assert sorted(got) == sorted(expected), (
            f"{member} in {group}: {len(got)} of {len(expected)}"
        )
    return log


async def admitted(net: SecuredNetwork, agent: str) -> Connection:
    """A connection as ``agent``, with the credentials an administrator got for it."""
    return Connection(ServiceSettings(**net.settings(await net.admit(agent))), agent)


async def test_a_killed_nats_node_loses_no_accepted_message_and_every_conversation_ends(
    subject_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IOA_STREAM_REPLICAS", "3")
    # An invitee may stay silent for as long as JetStream elects new leaders
    # (nats-server's Raft election timeout is 4-9 s); the default allows 15 s.
    monkeypatch.setenv("IOA_INVITE_SECONDS", "20")
    authority = Authority.open(tmp_path / "auth")
    with nats_cluster(tmp_path / "nats", authority=authority) as cluster:
        first = cluster.nodes[0]
        assert first.proc is not None
        trusted = SecuredNats(cluster.url, authority, tmp_path, first.log, first.proc)
        script = Script(rules=list(TEAM_RULES))
        async with secured_network(trusted, subject_root, tmp_path, script) as net:
            async with (
                net.connection(GATEWAY) as gateway,
                net.connection(CHAT) as auditor,  # reads inboxes with JetStream
                await admitted(net, "alice") as alice,
                await admitted(net, "bob") as bob,
            ):
                streams = await auditor.js.stream_info(group_stream(auditor.subjects).name)
                assert streams.config.num_replicas == 3
                assert streams.cluster is not None
                leader = next(n for n in cluster.nodes if n.name == streams.cluster.leader)
                # Every stream and bucket is on all three nodes, whichever one dies: one
                # kept on a single server (the fan-out lease, an agent's handled ids) made
                # this test fail whenever that server was the one killed.
                copies = {
                    i.config.name: i.config.num_replicas for i in await auditor.js.streams_info()
                }
                assert set(copies.values()) == {3}, copies

                await alice.request(
                    "chat", "create_group", CreateGroup(group="g", members=["bob", "carol"])
                )
                conversations = [
                    await start(gateway, StartConversation(goal=GOAL, observers=["gateway"]))
                    for _ in range(CONVERSATIONS)
                ]
                answered: list[tuple[str, int]] = []
                midway = asyncio.Event()

                async def poster(conn: Connection) -> None:
                    for i in range(POSTS_EACH):
                        answered.append(
                            await post_until_answered(conn, "g", f"{conn.identity} {i}")
                        )
                        if len(answered) >= KILL_AFTER:
                            midway.set()

                async def killer() -> None:
                    await midway.wait()
                    cluster.kill(leader)

                await asyncio.gather(poster(alice), poster(bob), killer())
                assert leader.proc is not None and leader.proc.poll() is not None

                states = [await wait_ended(gateway, c, seconds=45) for c in conversations]
                assert [s.state for s in states] == ["concluded"] * CONVERSATIONS, [
                    s.reason for s in states
                ]

                log = await assert_delivered_to_members(
                    alice, auditor, "g", ["alice", "bob", "carol"]
                )
                ids = [i for _, i in log]
                assert len(ids) == len(set(ids)) == 2 * POSTS_EACH
                assert set(answered) <= set((i, s) for s, i in log)
                for state in states:
                    assert state.group is not None
                    members = [m.agent for m in state.members]
                    conv_log = await assert_delivered_to_members(
                        gateway, auditor, state.group, members
                    )
                    conv_ids = [i for _, i in conv_log]
                    assert len(conv_ids) == len(set(conv_ids))
                    assert len(conv_log) >= 6, (conv_log, state.model_dump_json(indent=1))
