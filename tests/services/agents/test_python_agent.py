"""The python agent in a real group: it runs code, returns output and files, reports
progress, and refuses to exceed its limits while staying in service."""

import base64
from collections.abc import AsyncIterator
from typing import Any

import pytest

from protocol.connection import Connection
from protocol.envelope import Envelope, from_dict
from protocol.kinds import (
    AgentInfo,
    DataPart,
    GetAgent,
    History,
    HistoryPage,
    TaskAssign,
    TaskFailed,
    TaskResult,
    TextPart,
)
from protocol.settings import ServiceSettings
from protocol.subjects import CHAT, REGISTRY
from services.agents.python.agent import PythonRunner
from services.agents.python.card import python_card
from services.agents.python.sandbox import Isolation, pick_interpreter, probe_isolation
from services.agents.python.settings import PythonSettings
from tests.services.agents.conftest import create_group, outcome_of


@pytest.fixture(scope="module")
async def isolation() -> Isolation:
    return await probe_isolation(pick_interpreter())


@pytest.fixture
async def runner(
    settings: ServiceSettings, coordinator: Connection, isolation: Isolation
) -> AsyncIterator[PythonRunner]:
    agent_settings = PythonSettings(
        nats_url=settings.nats_url,
        subject_root=settings.subject_root,
        python_cpu_seconds=1,
        python_wall_seconds=3,
        python_memory_mb=256,
        python_processes=16,
        python_output_bytes=4096,
        python_progress_seconds=0.5,
    )
    card = python_card(agent_settings.limits, isolation)
    async with PythonRunner(card, agent_settings, isolation, pick_interpreter()) as agent:
        yield agent


async def run_task(
    conn: Connection, group: str, task_id: str, description: str, **inputs: Any
) -> Envelope[Any]:
    task = TaskAssign(task_id=task_id, assignee="python", description=description, inputs=inputs)
    await conn.send(CHAT, "post", Envelope.of(task, sender=conn.identity, group=group))
    return await outcome_of(conn, group, task_id, timeout=20)


async def test_the_python_agent_returns_output_exit_status_and_produced_files(
    coordinator: Connection, runner: PythonRunner
) -> None:
    group = await create_group(coordinator, ["python"])
    code = (
        "import csv\n"
        "with open('squares.csv', 'w', newline='') as f:\n"
        "    csv.writer(f).writerows([(n, n * n) for n in range(4)])\n"
        "open('blob.bin', 'wb').write(bytes([0, 255, 7]))\n"
        "print('done', sum(range(10)))\n"
    )
    outcome = await run_task(coordinator, group, "t1", f"Run this:\n```python\n{code}```")

    assert isinstance(outcome.body, TaskResult)
    data = outcome.body.data
    assert data is not None
    assert data["exit_status"] == 0 and data["stdout"] == "done 45\n"
    assert {f["name"] for f in data["files"]} == {"squares.csv", "blob.bin"}
    files = {
        p.data["file"]["name"]: p.data["file"]
        for p in outcome.body.parts
        if isinstance(p, DataPart) and "file" in p.data
    }
    assert files["squares.csv"]["text"] == "0,0\r\n1,1\r\n2,4\r\n3,9\r\n"
    assert base64.b64decode(files["blob.bin"]["base64"]) == bytes([0, 255, 7])
    assert TextPart(text="done 45\n") in outcome.body.parts


async def test_a_failing_program_reports_its_exit_status_and_traceback(
    coordinator: Connection, runner: PythonRunner
) -> None:
    group = await create_group(coordinator, ["python"])
    outcome = await run_task(coordinator, group, "t1", "run it", code="raise SystemExit(3)")
    assert isinstance(outcome.body, TaskResult)
    assert outcome.body.data is not None and outcome.body.data["exit_status"] == 3

    outcome = await run_task(coordinator, group, "t2", "run it", code="1/0")
    assert isinstance(outcome.body, TaskResult)
    assert "ZeroDivisionError" in outcome.body.data["stderr"]  # type: ignore[index]


async def test_a_task_without_code_fails_clearly(
    coordinator: Connection, runner: PythonRunner
) -> None:
    group = await create_group(coordinator, ["python"])
    outcome = await run_task(coordinator, group, "t1", "Write me a poem")
    assert isinstance(outcome.body, TaskFailed)
    assert "no Python code found" in outcome.body.reason


@pytest.mark.parametrize(
    ("code", "limit_words"),
    [
        ("while True:\n    pass\n", "CPU time limit"),
        ("import time\ntime.sleep(60)\n", "wall-time limit"),
        ("hog = bytearray(2 * 1024**3)\n", "memory limit"),
        ("import os\nwhile True:\n    os.fork()\n", "process limit"),
        ("print('x' * 1_000_000)\n", "output-size limit"),
    ],
    ids=["infinite-loop", "sleeper", "memory-bomb", "fork-bomb", "output-flood"],
)
async def test_the_python_agent_refuses_to_exceed_its_limits_and_keeps_serving(
    coordinator: Connection, runner: PythonRunner, code: str, limit_words: str
) -> None:
    group = await create_group(coordinator, ["python"])
    refused = await run_task(coordinator, group, "bad", "run it", code=code)
    after = await run_task(coordinator, group, "good", "run it", code="print(6 * 7)")

    assert isinstance(refused.body, TaskFailed)
    assert limit_words in refused.body.reason
    assert isinstance(after.body, TaskResult) and after.body.data["stdout"] == "42\n"  # type: ignore[index]


async def test_a_network_call_fails_when_isolation_is_active_and_is_reported_when_not(
    settings: ServiceSettings,
    coordinator: Connection,
    runner: PythonRunner,
    isolation: Isolation,
) -> None:
    # The test's own nats-server listens on 127.0.0.1: reachable from any non-isolated process.
    port = int(settings.nats_url.rsplit(":", 1)[1])
    code = (
        "import socket\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=2).close()\n"
        "    print('connected')\n"
        "except OSError as exc:\n"
        "    print('blocked', exc.errno)\n"
    )
    group = await create_group(coordinator, ["python"])
    outcome = await run_task(coordinator, group, "net", "run it", code=code)
    info = (await coordinator.request(REGISTRY, "get_agent", GetAgent(agent="python"))).body

    assert isinstance(outcome.body, TaskResult) and outcome.body.data is not None
    assert isinstance(info, AgentInfo)
    if isolation.network:
        assert outcome.body.data["stdout"].startswith("blocked")
        assert outcome.body.data["network_isolated"] is True
        assert "Runs have no network" in info.card.description
    else:
        assert outcome.body.data["network_isolated"] is False
        assert "not cut off from the network" in outcome.body.text
        assert "NOT cut off from the network" in info.card.description


async def test_a_long_run_reports_progress_before_its_result(
    coordinator: Connection, runner: PythonRunner
) -> None:
    group = await create_group(coordinator, ["python"])
    outcome = await run_task(
        coordinator, group, "slow", "run it", code="import time\ntime.sleep(1.6)\nprint('ok')"
    )
    page = (await coordinator.request(CHAT, "history", History(group=group))).body
    assert isinstance(page, HistoryPage)
    kinds = [from_dict(m.envelope).type for m in page.messages]

    assert isinstance(outcome.body, TaskResult)
    assert "task_progress" in kinds
    assert kinds.index("task_progress") < kinds.index("task_result")
