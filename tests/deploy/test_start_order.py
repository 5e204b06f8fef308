"""Start in any order (issue 26): the parts of a secured network, each its own process,
started one by one in several orders with short delays between them, converge: once all
are up, a new agent (credentials issued offline, never admitted) registers, is invited
and answers, and its conversation concludes.

The parts are what ``ioa up`` runs (:class:`ioa.up.Supervisor` builds them: operator-mode
nats-server, registry, chat, coordinator, gateway) plus a recording member; the LLM is the
scripted OpenAI-compatible server. No part is restarted: one that dies because a peer came
late fails the test. The orders: each part first and each part last (the rotations of
one order), and one random order whose seed is printed (``IOA_START_ORDER_SEED`` replays
it). Then a part that restarts while the others run: each service SIGKILLed and started
again in turn (the chaos suite's fault, ``tests/chaos/stack.py``), and a new conversation
still concludes.
"""

import asyncio
import json
import os
import random
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from ioa.health import Check, agent_online, wait_until
from ioa.processes import ManagedProcess
from ioa.up import SERVICE_TIMEOUT, Supervisor, UpOptions
from protocol import permissions
from protocol.connection import Connection
from protocol.settings import NatsSettings
from protocol.subjects import ADMIN, Subjects
from registry.credentials import write_creds
from tests.chaos.stack import Stack
from tests.chaos.traffic import User, ended
from tests.support.scripted_llm import Rule, Script, scripted_llm

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]

REPO = Path(__file__).parents[2]
MEMBER = "newcomer"
PARTS = ("nats", "registry", "chat", "coordinator", "gateway", MEMBER)
WORK = f"{MEMBER}.jsonl"
"""The member's record of what it handled, in the test's folder."""
DELAY = 0.4
"""Seconds between two starts: each part comes up while the next is still missing."""

RULES = [
    Rule("CAPABILITY QUERIES", '{"queries": ["record work"]}'),
    Rule(
        "TEAM CHOICE",
        f'{{"members": [{{"agent": "{MEMBER}", "reason": "records", "task": "record it"}}]}}',
    ),
    Rule("CONCLUSION", "The newcomer recorded the work."),
]


def rotations() -> list[tuple[str, ...]]:
    """Every rotation of PARTS: each part is first once and last once."""
    return [PARTS[i:] + PARTS[:i] for i in range(len(PARTS))]


def seeded_order() -> tuple[int, tuple[str, ...]]:
    seed = int(os.environ.get("IOA_START_ORDER_SEED") or random.SystemRandom().randrange(10**6))
    order = list(PARTS)
    random.Random(seed).shuffle(order)
    return seed, tuple(order)


SEED, RANDOM_ORDER = seeded_order()
ORDERS = [*rotations(), RANDOM_ORDER]


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with scripted_llm(Script(rules=list(RULES))) as url:
        yield url


def member_process(supervisor: Supervisor, env: dict[str, str], work: Path) -> ManagedProcess:
    """The recording member with credentials issued offline (``ioa auth init``): the
    registry first hears of it at its ``register``, and provisions its inbox then."""
    subjects = Subjects(supervisor.root)
    issued = supervisor.authority.issuer().issue(MEMBER, permissions.agent(subjects, MEMBER))
    creds = write_creds(supervisor.creds_dir / f"{MEMBER}.creds", issued)
    test_env = {
        "IOA_TEST_AGENT": MEMBER,
        "IOA_TEST_WORK_FILE": str(work),
        "IOA_TEST_TASK_SECONDS": "0.1",
    }
    return supervisor.agent_process(MEMBER, "tests.support.recording_agent", env | test_env, creds)


def describe(order: tuple[str, ...]) -> str:
    if order == RANDOM_ORDER and order not in rotations():
        return f"random-seed-{SEED}"
    return f"{order[0]}-first-{order[-1]}-last"


@asynccontextmanager
async def network(
    order: tuple[str, ...], llm_url: str, folder: Path
) -> AsyncIterator[tuple[Supervisor, Connection]]:
    """The parts started in ``order``, DELAY apart, then each waited for until healthy
    (none restarted); the supervisor and the administrator's connection."""
    environ = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "OPENAI_API_KEY": "scripted",
        "IOA_LLM_MODEL": "scripted",
    }
    options = UpOptions(data_dir=folder / "data", gateway_port=0, nats_port=0, llm=llm_url)
    supervisor = Supervisor(options, out=lambda line: None, environ=environ)
    nats_port, gateway_port = supervisor.prepare()
    admin = Connection(
        NatsSettings(
            nats_url=supervisor.nats_url,
            subject_root=supervisor.root,
            nats_creds=supervisor.creds[ADMIN],
        ),
        ADMIN,
    )
    env = {
        **supervisor.child_env({"OPENAI_BASE_URL": llm_url}),
        "IOA_INVITE_SECONDS": "30",
    }
    checks: dict[str, tuple[ManagedProcess, Check | None]] = {
        "nats": (supervisor.nats_process(nats_port), None),
        **{
            part.process.name: (part.process, part.check)
            for part in supervisor.service_parts(admin, env, gateway_port)
        },
        MEMBER: (member_process(supervisor, env, folder / WORK), agent_online(admin, MEMBER)),
    }
    try:
        for name in order:
            proc = checks[name][0]
            proc.start()
            supervisor.steps.append([proc])  # stopped in reverse order by shutdown()
            await asyncio.sleep(DELAY)
        async with admin:  # connects once nats-server is up
            for name in order:
                proc, check = checks[name]
                healthy = check is None or await wait_until(
                    check, SERVICE_TIMEOUT, gave_up=lambda p=proc: not p.alive
                )
                assert healthy and proc.alive, (
                    f"{name} did not come up ({proc.describe_exit()}); last lines of "
                    f"{proc.log_path}:\n{proc.log_tail(40)}"
                )
            yield supervisor, admin
    finally:
        supervisor.shutdown()


def check_answered(state: dict[str, Any], log: list[dict[str, Any]], work: Path) -> None:
    """The conversation concluded, the member did its task and answered in the group."""
    assert state["state"] == "concluded", state
    events = [json.loads(line) for line in work.read_text().splitlines()]
    assert any(e["e"] == "done" for e in events), events
    said = [(m["envelope"]["sender"], m["envelope"]["type"]) for m in log]
    assert (MEMBER, "task_result") in said, said


@pytest.mark.parametrize("order", ORDERS, ids=[describe(o) for o in ORDERS])
async def test_the_network_converges_whatever_starts_first(
    order: tuple[str, ...], llm_url: str, tmp_path: Path
) -> None:
    print(f"start order: {' → '.join(order)} (random order's seed {SEED})", file=sys.stderr)
    async with network(order, llm_url, tmp_path) as (supervisor, _):
        state, log = await converse(supervisor)
    check_answered(state, log, tmp_path / WORK)


@pytest.mark.timeout(120)
async def test_each_service_killed_and_started_again_while_the_others_run_rejoins(
    llm_url: str, tmp_path: Path
) -> None:
    async with network(PARTS, llm_url, tmp_path) as (supervisor, admin):
        stack = Stack(supervisor, admin, tmp_path)
        for name in ("registry", "chat", "coordinator", "gateway"):
            await stack.kill(name)  # SIGKILL, start again, healthy again (its own check)
        state, log = await converse(supervisor)
    check_answered(state, log, tmp_path / WORK)


async def converse(supervisor: Supervisor) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A user's goal through the gateway with the member required; its final state and
    its group's log."""
    headers = {"Authorization": f"Bearer {supervisor.api_key}"}
    async with httpx.AsyncClient(
        base_url=supervisor.gateway_url, headers=headers, timeout=10
    ) as http:
        user = User(http)
        body = {"goal": "record the work", "required": [MEMBER], "max_team": 1}
        started = await user.until_answered("POST", "/v1/conversations", 30, json=body)
        states = await user.wait([started["id"]], ended, 45)
        page = await user.call("GET", f"/v1/conversations/{started['id']}/messages")
    return states[started["id"]], page["messages"]
