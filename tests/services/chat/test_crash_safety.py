"""Crash safety with real processes: SIGKILL the chat service under load, SIGKILL an agent
mid-conversation; nothing acknowledged is lost, nothing is stored or done twice."""

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from ioa.processes import die_with_parent, tail
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import IoaError, NotFound
from protocol.ids import new_id
from protocol.kinds import ChatMessage, CreateGroup, GetGroup, History, HistoryPage, Posted
from protocol.settings import ServiceSettings
from protocol.streams import inbox_stream
from registry.app import serve as serve_registry
from registry.settings import RegistrySettings
from services.chat.app import serve as serve_chat
from services.chat.settings import ChatSettings

SENDERS = [f"s{i}" for i in range(10)]
POSTS_PER_SENDER = 100
READER = "reader"


class Process:
    """One ``python -m <module>`` child with the test's NATS settings; its output in a file."""

    def __init__(self, module: str, settings: ServiceSettings, log: Path, **env: str) -> None:
        self.module = module
        self.log = log
        self.env = {
            **os.environ,
            "IOA_NATS_URL": settings.nats_url,
            "IOA_SUBJECT_ROOT": settings.subject_root,
            "IOA_LOG_FORMAT": "json",
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", self.module],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent(),
            )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        process.stop()


async def until(check, *, timeout: float, what: str, every: float = 0.05) -> None:
    """Poll ``check()`` (sync or async) until it is true, or fail saying ``what``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(every)


async def chat_is_up(conn: Connection) -> bool:
    try:
        await conn.request("chat", "get_group", GetGroup(group="probe"), timeout=1)
    except NotFound:
        return True
    except IoaError:
        return False
    return True


async def whole_log(conn: Connection, group: str) -> list[dict]:
    messages: list[dict] = []
    after = 0
    while True:
        page = (await conn.request("chat", "history", History(group=group, after=after))).body
        assert isinstance(page, HistoryPage)
        if not page.messages:
            return messages
        messages += [{"seq": m.seq, **m.envelope} for m in page.messages]
        after = page.last_seq


async def inbox_copies(conn: Connection) -> dict[str, list[str]]:
    """Every message in every inbox of the test's root: member → envelope ids, in order."""
    stream = inbox_stream(conn.subjects).name
    info = await conn.js.add_consumer(
        stream,
        ConsumerConfig(
            name=f"audit-{new_id()}",
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.NONE,
            mem_storage=True,
            inactive_threshold=30,
        ),
    )
    psub = await conn.js.pull_subscribe_bind(consumer=info.name, stream=stream)
    copies: dict[str, list[str]] = {}
    left = info.num_pending or 0
    try:
        while left > 0:
            for msg in await psub.fetch(batch=min(left, 1000), timeout=5):
                member = msg.subject.split(".")[-3]
                copies.setdefault(member, []).append(Envelope.model_validate_json(msg.data).id)
                left -= 1
    finally:
        await psub.unsubscribe()
    return copies


async def test_killing_the_chat_service_under_load_loses_and_doubles_nothing(
    settings: ServiceSettings, processes: list[Process], tmp_path: Path
) -> None:
    chat = Process(
        "services.chat",
        settings,
        tmp_path / "chat.log",
        IOA_FANOUT_ACK_WAIT="2",
        IOA_FANOUT_LEASE_TTL="1",
        IOA_POST_RATE="100000",
        IOA_POST_BURST="100000",
    )
    processes.append(chat)
    chat.start()
    async with Connection(settings, READER) as reader:
        await until(lambda: chat_is_up(reader), timeout=30, what="the chat service")
        await reader.request("chat", "create_group", CreateGroup(group="g", members=SENDERS))

        answers: dict[str, int | None] = {}
        sent: dict[str, Envelope] = {}
        conns = {s: Connection(settings, s) for s in SENDERS}
        for conn in conns.values():
            await conn.__aenter__()

        async def sender(conn: Connection) -> None:
            for i in range(POSTS_PER_SENDER):
                env = Envelope.of(ChatMessage(text=f"{conn.identity} {i}"), sender=conn.identity)
                env = env.model_copy(update={"group": "g"})
                sent[env.id] = env
                try:
                    reply = await conn.send("chat", "post", env, timeout=2)
                    answers[env.id] = reply.body.seq
                except IoaError:
                    answers[env.id] = None

        load = [asyncio.create_task(sender(c)) for c in conns.values()]
        answered = lambda: sum(seq is not None for seq in answers.values())  # noqa: E731
        await until(lambda: answered() >= 200, timeout=30, what="200 answered posts")
        chat.kill()  # 1,000 posts from 10 senders, some answered, many in flight
        await asyncio.gather(*load)
        unanswered = [i for i, seq in answers.items() if seq is None]
        assert len(answers) == 1000 and 200 <= answered() < 1000, tail(chat.log)

        chat.start()
        await until(lambda: chat_is_up(reader), timeout=30, what="the restarted chat service")
        # Every post that was not answered may be retried with the same envelope.
        for message_id in unanswered:
            env = sent[message_id]
            reply = await conns[env.sender].send("chat", "post", env)
            assert isinstance(reply.body, Posted)
            answers[message_id] = reply.body.seq
        for conn in conns.values():
            await conn.__aexit__(None, None, None)

        log = await whole_log(reader, "g")
        # Every post is in the log exactly once, at the sequence it was answered with.
        assert Counter(m["id"] for m in log).most_common(1)[0][1] == 1
        assert {m["id"]: m["seq"] for m in log} == answers

        # Every member receives every other member's posts exactly once, in log order.
        members = [*SENDERS, READER]
        expected = {m: [e["id"] for e in log if e["sender"] != m] for m in members}

        async def delivered() -> bool:
            copies = await inbox_copies(reader)
            return all(len(copies.get(m, [])) >= len(expected[m]) for m in members)

        await until(delivered, timeout=60, what="the fan-out to finish", every=0.5)
        await asyncio.sleep(1.0)  # a duplicate copy would show up within this
        copies = await inbox_copies(reader)
        for member in members:
            assert copies[member] == expected[member], member


def registry_settings(settings: ServiceSettings, tmp_path: Path) -> RegistrySettings:
    return RegistrySettings(
        nats_url=settings.nats_url,
        subject_root=settings.subject_root,
        database_url=f"sqlite:///{tmp_path}/registry.db",
        log_format="json",
    )


@pytest.fixture
async def network(settings: ServiceSettings, tmp_path: Path) -> AsyncIterator[None]:
    shared = {"nats_url": settings.nats_url, "subject_root": settings.subject_root}
    async with (
        serve_registry(registry_settings(settings, tmp_path)),
        serve_chat(ChatSettings(**shared, log_format="json")),
    ):
        yield


def slow_agent(
    settings: ServiceSettings, tmp_path: Path, processes: list[Process], *, turn_seconds: float
) -> tuple[Process, Path]:
    """``tests.support.slow_agent`` as agent ``slow`` (not started yet) and its work log."""
    work = tmp_path / "work.log"
    agent = Process(
        "tests.support.slow_agent",
        settings,
        tmp_path / "agent.log",
        IOA_TEST_AGENT="slow",
        IOA_TEST_WORK_FILE=str(work),
        IOA_TEST_TURN_SECONDS=str(turn_seconds),
    )
    processes.append(agent)
    return agent, work


def work_log(path: Path) -> list[tuple[str, int, str]]:
    if not path.exists():
        return []
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    return [(what, int(pid), message) for what, pid, message in lines]


async def test_an_agent_killed_mid_conversation_resumes_without_losing_or_repeating_work(
    settings: ServiceSettings, network: None, processes: list[Process], tmp_path: Path
) -> None:
    agent, work = slow_agent(settings, tmp_path, processes, turn_seconds=0.3)
    async with Connection(settings, "alice") as alice:
        await alice.request("chat", "create_group", CreateGroup(group="g", members=["slow"]))
        asked = []
        for i in range(8):
            turn = ChatMessage(text=f"turn {i}", next_speakers=["slow"])
            env = Envelope.of(turn, sender="alice", group="g")
            await alice.send("chat", "post", env)
            asked.append(env.id)

        agent.start()

        def mid_turn() -> bool:
            entries = work_log(work)
            done = [e for e in entries if e[0] == "done"]
            return len(done) >= 3 and entries[-1][0] == "start"

        await until(mid_turn, timeout=30, what="the agent to be in its fourth turn", every=0.01)
        agent.kill()
        first = agent.proc.pid
        before = work_log(work)
        for i in range(8, 10):  # newer than what the killed run held
            turn = ChatMessage(text=f"turn {i}", next_speakers=["slow"])
            env = Envelope.of(turn, sender="alice", group="g")
            await alice.send("chat", "post", env)
            asked.append(env.id)
        agent.start()

        async def all_answered() -> bool:
            replies = [m for m in await whole_log(alice, "g") if m["sender"] == "slow"]
            return len(replies) >= len(asked)

        await until(all_answered, timeout=60, what="every turn to be answered", every=0.2)
        await asyncio.sleep(1.0)  # a repeated answer would show up within this
        replies = [m for m in await whole_log(alice, "g") if m["sender"] == "slow"]

    # Nothing lost, nothing answered twice.
    assert sorted(r["in_reply_to"] for r in replies) == sorted(asked), tail(agent.log)
    done_before = [m for what, pid, m in before if what == "done" and pid == first]
    unfinished = {m for what, pid, m in before if what == "start" and pid == first} - set(
        done_before
    )
    after = work_log(work)[len(before) :]
    redone = {m for what, _, m in after if what == "start"}
    # The turn cut short by the kill is done again; finished turns are not: an answer is
    # recorded before it is posted, so a restart posts it again instead of redoing it.
    assert len(unfinished) == 1 and unfinished <= redone
    assert not redone & set(done_before), (redone, done_before)
    assert {m for what, _, m in after if what == "done"} | set(done_before) == set(asked)
    # In group order: the turn cut short, then the rest the killed run held, then the
    # turns posted while it was down.
    started = [m for what, _, m in after if what == "start"]
    assert started == asked[asked.index(next(iter(unfinished))) :], (started, asked)


async def test_an_agent_killed_after_recording_its_answer_posts_it_without_redoing_the_work(
    settings: ServiceSettings, processes: list[Process], tmp_path: Path
) -> None:
    shared = {"nats_url": settings.nats_url, "subject_root": settings.subject_root}
    agent, work = slow_agent(settings, tmp_path, processes, turn_seconds=0.1)
    async with (
        serve_registry(registry_settings(settings, tmp_path)),
        Connection(settings, "alice") as alice,
    ):
        async with serve_chat(ChatSettings(**shared, log_format="json")) as chat:
            await alice.request("chat", "create_group", CreateGroup(group="g", members=["slow"]))
            turn = Envelope.of(
                ChatMessage(text="turn", next_speakers=["slow"]), sender="alice", group="g"
            )
            await alice.send("chat", "post", turn)
            await until(lambda: chat.fanout.counts["copies"] >= 1, timeout=10, what="the copy")
        # The chat service is gone: the agent does the turn, records its answer, and keeps
        # trying to post it until it is killed.
        agent.start()
        await until(
            lambda: [w[0] for w in work_log(work)] == ["start", "done"],
            timeout=30,
            what="the turn to be done",
        )
        await asyncio.sleep(1.0)  # well past the record, into the post's retries
        agent.kill()
        async with serve_chat(ChatSettings(**shared, log_format="json")):
            agent.start()

            async def answered() -> list[dict]:
                return [m for m in await whole_log(alice, "g") if m["sender"] == "slow"]

            await until(answered, timeout=30, what="the recorded answer", every=0.2)
            await asyncio.sleep(1.0)  # a second answer would show up within this
            replies = await answered()

    assert [(r["in_reply_to"], r["body"]["text"]) for r in replies] == [(turn.id, "nrut")]
    assert [w[0] for w in work_log(work)] == ["start", "done"], tail(agent.log)
