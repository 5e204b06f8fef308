"""Every subject a service listens on gets generated bad messages; nothing breaks.

One run (a module fixture) sends ``IOA_FUZZ_PER_SUBJECT`` bad messages (300 here,
10,000 in ``make chaos``) from a seeded generator (``junk.py``, seed
``IOA_FUZZ_SEED``) at each of: every operation of the registry, the chat service
and the coordinator (plus an unknown operation and a malformed subject for each),
the coordinator's and the calculator agent's inboxes, the agent status events the
coordinator follows, the conversation events the gateway streams, and the NATS
micro ``$SRV`` subjects. Meanwhile conversations run through the gateway. The
tests below then check, each from the same run:

- every request was answered with a typed error, or was counted by the service
  as unanswerable (no reply subject): answers + unanswerable == sent;
- every inbox and event message was counted as dropped by its consumer;
- nothing changed: the registry's cards, a group and its log, a concluded
  conversation; the gateway's streams carried only real events;
- conversations run alongside and after the fuzz conclude, and every service
  answers a normal request.
"""

import asyncio
import contextlib
import json
import logging
import os
import random
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import structlog

from ioa import sse
from protocol.agent import Agent
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import ErrorCode
from protocol.kinds import (
    AgentCard,
    AgentInfo,
    ConversationState,
    GetAgent,
    GetConversation,
    GetGroup,
    LoggedMessage,
    Skill,
    TaskAssign,
    TaskFailed,
    TaskResult,
)
from tests.fuzz.attack import SERVICES, Run, attack, errors, settle, snapshot
from tests.fuzz.junk import DEFECTS, Junk
from tests.fuzz.network import network, until_over

PER_SUBJECT = int(os.environ.get("IOA_FUZZ_PER_SUBJECT", "300"))
SEED = int(os.environ.get("IOA_FUZZ_SEED", "11"))
# The one run is the first test's setup: give it time in proportion to its size.
pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(180 + PER_SUBJECT // 10)]

USER = "user:fuzz"
GOAL = "What is 17 * 23?"


class Sleeper(Agent):
    """Takes its task and works on it until told to stop: keeps a conversation open."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stop = asyncio.Event()

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        await self.stop.wait()
        return TaskFailed(task_id=env.body.task_id, reason="stopped")


async def read_sse(http: httpx.AsyncClient, url: str, into: list[dict[str, Any]]) -> None:
    """Append every event of an SSE response to ``into`` until the server ends it."""
    async with http.stream("GET", url) as response:
        assert response.status_code == 200, await response.aread()
        async for event, data in sse.events(response):
            into.append({"event": event, "data": json.loads(data)})


async def start(http: httpx.AsyncClient, **body: Any) -> str:
    response = await http.post("/v1/conversations", json={"goal": GOAL, **body})
    assert response.status_code == 201, response.text
    conversation: str = response.json()["id"]
    return conversation


@contextlib.contextmanager
def errors_only() -> Iterator[None]:
    """Every refusal and drop is logged, tens of thousands of lines in a big run: keep
    only errors while it lasts (what a crash would log)."""
    before = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    try:
        yield
    finally:
        structlog.configure(**before)


SLEEPER = AgentCard(
    id="sleeper",
    name="Sleeper",
    description="works on a task until told to stop",
    skills=[Skill(id="sleep", name="Sleeping", tags=["sleep"])],
)


@pytest.fixture(scope="module")
async def run(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Run]:
    root = f"t{random.randrange(16**10):010x}.ioa.v1"
    async with contextlib.AsyncExitStack() as stack:
        stack.enter_context(errors_only())
        net = await stack.enter_async_context(
            network(nats_url, root, tmp_path_factory.mktemp("fuzz"))
        )
        sleeper = await stack.enter_async_context(Sleeper(SLEEPER, net.settings))
        http = await stack.enter_async_context(
            httpx.AsyncClient(
                base_url=net.gateway.url,
                headers={"Authorization": f"Bearer {net.gateway.key}"},
                timeout=30,
            )
        )
        conn = await stack.enter_async_context(Connection(net.settings, "coordinator"))
        run = Run(net, PER_SUBJECT)

        async def conclude() -> ConversationState:
            conversation = await start(http, required=["calculator"], max_team=1)
            run.mine.add(conversation)
            return await until_over(conn, conversation, 120)

        # Real state for the junk to point at: a concluded conversation and its group.
        state = await conclude()
        assert state.state == "concluded" and state.group is not None, state
        concluded, group = state.conversation, state.group
        run.before = await snapshot(net, conn, concluded, group)
        ids = {"group": group, "conversation": concluded, "agent": "calculator"}
        junk = Junk(SEED, max_bytes=net.settings.max_message_bytes, ids=ids | {"agent2": USER})

        # A conversation that stays open, followed through the gateway's two feeds.
        kept = await start(
            http,
            required=["sleeper"],
            max_team=1,
            budget={"max_seconds": 3600, "turn_seconds": 3600},
        )
        run.mine.add(kept)
        readers = [
            asyncio.create_task(read_sse(http, "/v1/events", run.user_feed)),
            asyncio.create_task(read_sse(http, f"/v1/conversations/{kept}/events", run.feed)),
        ]
        await settle(lambda: bool(run.feed), 10)

        fuzzing = True

        async def alongside() -> None:
            while fuzzing:
                run.alongside.append(await conclude())

        legit = asyncio.create_task(alongside())
        try:
            await attack(run, junk, kept)
        finally:
            fuzzing = False
            await legit  # the last one started concludes too

        run.after = await snapshot(net, conn, concluded, group)
        run.afterwards = await conclude()
        sleeper.stop.set()
        response = await http.post(f"/v1/conversations/{kept}/cancel", json={})
        assert response.status_code == 200, response.text
        run.kept = await until_over(conn, kept, 30)
        await asyncio.wait_for(readers[1], 30)  # the feed ends with the conversation
        readers[0].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await readers[0]
        yield run


# --- requests --------------------------------------------------------------------------------
def test_every_bad_request_is_answered_with_a_typed_error(run: Run) -> None:
    problems = {
        label: {"accepted": t.accepted, "unreadable": t.unreadable[:3], "no answer": t.no_answer}
        for label, t in run.requests.items()
        if t.accepted or t.unreadable or t.no_answer
    }
    assert not problems, f"seed {SEED}: {problems}"
    codes = {code for t in run.requests.values() for code in t.answers}
    assert ErrorCode.INTERNAL.value not in codes, f"seed {SEED}"
    assert codes <= {c.value for c in ErrorCode}


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_answered_or_counted_every_request(run: Run, service: str) -> None:
    tallies = [t for label, t in run.requests.items() if label.startswith(f"{service}.")]
    sent = sum(t.sent for t in tallies)
    unanswerable = sum(t.unanswerable for t in tallies)
    counted = run.served[service]  # the conversations alongside add their good requests
    assert sent == len(tallies) * PER_SUBJECT
    assert sum(t.answered for t in tallies) + unanswerable == sent
    assert counted["unanswerable"] == unanswerable
    assert errors(counted) == sent, counted
    assert counted["internal"] == 0, counted


def test_the_bad_requests_cover_every_defect(run: Run) -> None:
    defects = Counter[str]()
    for tally in run.requests.values():
        defects.update(tally.defects)
    assert set(defects) == {*DEFECTS, "wrong_kind", "wrong_sender"}


# --- inboxes and events ----------------------------------------------------------------------
@pytest.mark.parametrize("owner", ["coordinator", "calculator"])
def test_an_inbox_drops_and_counts_every_bad_message(run: Run, owner: str) -> None:
    assert run.inboxes[owner] == PER_SUBJECT
    assert run.inbox_counts[owner]["dropped"] == PER_SUBJECT
    assert run.inbox_counts[owner]["failed"] == 0  # (it handled real traffic meanwhile)


@pytest.mark.parametrize("consumer", ["coordinator", "gateway"])
def test_an_event_reader_drops_and_counts_every_bad_event(run: Run, consumer: str) -> None:
    assert run.events[consumer] >= PER_SUBJECT
    assert run.dropped_events[consumer] == run.events[consumer]


# --- $SRV ------------------------------------------------------------------------------------
def test_the_micro_subjects_answer_every_request_as_usual(run: Run) -> None:
    assert len(run.micro) == 3 * (1 + 2 * len(SERVICES))
    for subject, tally in run.micro.items():
        verb = subject.split(".")[1].lower()
        assert tally.answers == {f"io.nats.micro.v1.{verb}_response": PER_SUBJECT}, subject


# --- nothing corrupted, everything healthy -------------------------------------------------
def test_cards_group_log_and_conversation_are_unchanged(run: Run) -> None:
    assert run.before is not None and run.after is not None
    assert run.after.cards == run.before.cards
    assert run.after.group == run.before.group
    assert run.after.log[: len(run.before.log)] == run.before.log
    answers = run.after.log[len(run.before.log) :]
    assert all(is_an_answer_to_an_unreadable_task(m) for m in answers), answers
    # Hearing those answers is the coordinator's only change to the record, and is not public.
    ignore = {"updated_at"}
    assert run.after.conversation.model_dump(exclude=ignore) == (
        run.before.conversation.model_dump(exclude=ignore)
    )


def is_an_answer_to_an_unreadable_task(logged: LoggedMessage) -> bool:
    """An agent answers an unreadable task addressed to it with task_failed, by design (so
    the team does not wait): the junk in the calculator's inbox that looked like a task for
    it got such answers, under ids derived from the junk's."""
    env = logged.envelope
    reason = env["body"].get("reason", "")
    return (
        env["type"] == "task_failed"
        and env["sender"] == "calculator"
        and env["id"].startswith("re-")
        and reason.split(":")[0] in {c.value for c in ErrorCode}
    )


def test_conversations_alongside_and_after_the_fuzz_conclude(run: Run) -> None:
    assert run.alongside, "no conversation finished while the fuzz ran"
    assert [s.state for s in run.alongside] == ["concluded"] * len(run.alongside)
    assert run.afterwards is not None and run.afterwards.state == "concluded"
    assert "391" in (run.afterwards.conclusion or "")


def test_the_gateway_streams_carried_only_real_events_to_the_end(run: Run) -> None:
    assert run.kept is not None and run.kept.state == "cancelled"
    assert run.feed[-1] == {
        "event": "end",
        "data": {"state": "cancelled", "last_seq": run.feed[-1]["data"]["last_seq"]},
    }
    assert {e["event"] for e in run.feed[:-1]} <= {"state", "message"}
    feed_states = [e["data"]["conversation"] for e in run.feed if e["event"] == "state"]
    assert set(feed_states) == {run.kept.conversation}
    assert {e["event"] for e in run.user_feed} == {"state"}
    assert {e["data"]["conversation"] for e in run.user_feed} <= run.mine


async def test_every_service_answers_a_normal_request_afterwards(run: Run) -> None:
    assert run.before is not None
    group, conversation = run.before.group.group, run.before.conversation.conversation
    async with Connection(run.net.settings, "calculator") as conn:
        info = (await conn.request("registry", "get_agent", GetAgent(agent="calculator"))).body
        assert isinstance(info, AgentInfo) and info.card == run.before.cards["calculator"]
        assert (await conn.request("chat", "get_group", GetGroup(group=group))).body == (
            run.before.group
        )
        get = GetConversation(conversation=conversation)
        assert run.after is not None
        assert (await conn.request("coordinator", "get", get)).body == run.after.conversation
    async with httpx.AsyncClient(base_url=run.net.gateway.url) as http:
        assert (await http.get("/readyz")).status_code == 200
