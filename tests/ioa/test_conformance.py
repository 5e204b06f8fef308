"""``ioa conformance``: both example agents pass it, a broken agent fails it with reasons.

The registry and the chat service run in this process on the session's
nats-server; the agents under test are real (the raw one is its own process).
"""

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ioa.conformance import Check, Options, check_agent, passed, table
from protocol.settings import NatsSettings
from services.agents.calculator.agent import Calculator
from services.agents.calculator.card import calculator_card
from services.agents.calculator.settings import CalculatorSettings
from tests.support.broken_agent import ForgetfulAgent, SilentAgent, broken_card
from tests.support.network import network, raw_agent, wait_registered

# Short leases keep the heartbeat check quick; the registry allows about one request a second.
LEASE = 3.0
QUICK = Options(lease_wait=2 * LEASE, answer_wait=5.0, settle=0.5)
# A silent agent makes every check wait its whole answer time.
IMPATIENT = Options(lease_wait=2 * LEASE, answer_wait=2.0, settle=0.2)


@pytest.fixture
async def net(nats_url: str, subject_root: str, tmp_path: Path) -> AsyncIterator[NatsSettings]:
    async with network(nats_url, subject_root, tmp_path) as settings:
        yield settings


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def calculator(settings: NatsSettings) -> Calculator:
    return Calculator(
        calculator_card(),
        CalculatorSettings(**settings.model_dump(), agent_lease_seconds=LEASE, log_format="json"),
    )


async def test_the_sdk_calculator_agent_passes_every_required_check(net: NatsSettings) -> None:
    async with calculator(net):
        checks = await check_agent(net, "calculator", QUICK)
    assert passed(checks), table(checks)
    assert [c.name for c in checks] == [
        "registered with a valid card",
        "heartbeats within its lease",
        "answers an invitation",
        "replies in a group when named",
        "returns a task result or a task failure",
        "survives malformed input",
        "answers an invalid task with task_failed",
        "handles a redelivered message once",
    ]
    found = by_name(checks)
    assert found["returns a task result or a task failure"].detail.startswith("task_result")
    assert "42" in found["replies in a group when named"].detail
    assert "the tool stood in for the coordinator" in found["answers an invitation"].detail


async def test_the_raw_example_agent_passes_every_check(net: NatsSettings, tmp_path: Path) -> None:
    with raw_agent(net, "wordcount", tmp_path / "raw.log", lease=LEASE) as proc:
        await wait_registered(net, "wordcount")
        checks = await check_agent(net, "wordcount", QUICK)
        assert proc.poll() is None, "the raw agent died during the checks"
    assert all(c.ok for c in checks), table(checks)
    found = by_name(checks)
    assert found["returns a task result or a task failure"].detail == "task_result '5 words'"
    assert "invalid_message" in found["answers an invalid task with task_failed"].detail


async def test_an_agent_that_never_answers_fails_with_clear_reasons(net: NatsSettings) -> None:
    async with SilentAgent(broken_card("silent", "Never answers"), net, lease_seconds=LEASE):
        checks = await check_agent(net, "silent", IMPATIENT)
    assert not passed(checks)
    found = by_name(checks)
    assert found["registered with a valid card"].ok
    assert found["heartbeats within its lease"].ok
    assert found["answers an invitation"].ok
    replies = found["replies in a group when named"]
    assert (replies.ok, replies.detail) == (
        False,
        "named in next_speakers, it posted nothing within 2 s",
    )
    task = found["returns a task result or a task failure"]
    assert (task.ok, task.detail) == (False, "no task_result or task_failed within 2 s")
    assert "no task_result or task_failed within 2 s" in table(checks)
    redelivery = found["handles a redelivered message once"]
    assert not redelivery.ok
    assert redelivery.detail.startswith("not judged: the agent answers no task")


@pytest.mark.parametrize("fresh_ids", [False, True], ids=["same reply id", "fresh reply ids"])
async def test_an_agent_that_does_a_redelivered_task_twice_fails_the_redelivery_check(
    net: NatsSettings, fresh_ids: bool
) -> None:
    card = broken_card("forgetful", "Forgets what it handled")
    async with ForgetfulAgent(card, net, fresh_ids=fresh_ids, lease_seconds=LEASE):
        checks = await check_agent(net, "forgetful", QUICK)
    assert not passed(checks)
    assert [c.name for c in checks if not c.ok] == ["handles a redelivered message once"]
    ids = "2 ids" if fresh_ids else "the same id"
    assert by_name(checks)["handles a redelivered message once"].detail.endswith(
        f"arrived twice and it posted 2 answers ({ids}); remember handled ids and skip them"
    )


async def test_an_unregistered_agent_fails_at_the_first_check(net: NatsSettings) -> None:
    checks = await check_agent(net, "nobody", QUICK)
    assert [(c.name, c.ok) for c in checks] == [("registered with a valid card", False)]
    assert checks[0].detail == "the registry has no card for 'nobody'"
    assert not passed(checks)


async def test_the_cli_prints_the_table_and_exits_zero_for_a_good_agent(
    net: NatsSettings,
) -> None:
    async with calculator(net):
        cli = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ioa", "conformance", "calculator",
            "--nats", net.nats_url, "--root", net.subject_root,
            "--wait", "5", "--lease-wait", str(2 * LEASE),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(cli.communicate(), 60)
    text = out.decode()
    assert cli.returncode == 0, text + err.decode()[-2000:]
    assert text.splitlines()[0].split() == ["check", "result", "time", "detail"]
    assert "registered with a valid card" in text
    assert "calculator: 8 passed, 0 failed" in text


async def test_the_cli_exits_two_when_nats_is_unreachable() -> None:
    cli = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ioa", "conformance", "calculator",
        "--nats", "nats://127.0.0.1:1", "--root", "nowhere.v1",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(cli.communicate(), 60)
    assert cli.returncode == 2
    assert out.decode().startswith("ioa conformance: unavailable: cannot connect to NATS at ")
