"""The python agent in a real group: it runs code, returns output and files, reports
progress, and refuses to exceed its limits while staying in service."""

import base64
import json
import os
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
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
from services.agents.python.launcher import CLONE_NEWNET, CLONE_NEWUSER
from services.agents.python.sandbox import (
    LAUNCHER,
    NOBODY,
    Isolation,
    pick_interpreter,
    probe_isolation,
)
from services.agents.python.settings import PythonSettings
from tests.services.agents.conftest import create_group, outcome_of


@pytest.fixture(scope="module")
async def isolation() -> Isolation:
    return await probe_isolation(pick_interpreter())


@pytest.fixture
def runs_isolated(isolation: Isolation) -> Isolation:
    """What the runner is told about isolation: this host's, unless a test says otherwise."""
    return isolation


@pytest.fixture
async def runner(
    settings: ServiceSettings, coordinator: Connection, runs_isolated: Isolation
) -> AsyncIterator[PythonRunner]:
    isolation = runs_isolated
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


def connect_code(settings: ServiceSettings) -> str:
    """A program that tries the test's own nats-server, on 127.0.0.1: reachable from any
    process that is not cut off from the network."""
    port = int(settings.nats_url.rsplit(":", 1)[1])
    return (
        "import socket\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=2).close()\n"
        "    print('connected')\n"
        "except OSError as exc:\n"
        "    print('blocked', exc.errno)\n"
    )


async def test_a_network_call_is_refused_in_the_sandbox(
    settings: ServiceSettings, coordinator: Connection, runner: PythonRunner, isolation: Isolation
) -> None:
    if not isolation.network:
        pytest.skip(f"this host gives the sandbox no network namespace: {isolation.detail}")
    group = await create_group(coordinator, ["python"])
    outcome = await run_task(coordinator, group, "net", "run it", code=connect_code(settings))
    info = (await coordinator.request(REGISTRY, "get_agent", GetAgent(agent="python"))).body

    assert isinstance(outcome.body, TaskResult) and outcome.body.data is not None
    assert outcome.body.data["stdout"].startswith("blocked")
    assert outcome.body.data["network_isolated"] is True
    assert isinstance(info, AgentInfo) and "Runs have no network" in info.card.description


@pytest.mark.parametrize("runs_isolated", [Isolation(False, "no namespace for this test")])
async def test_a_run_without_isolation_is_reported_as_having_the_network(
    settings: ServiceSettings, coordinator: Connection, runner: PythonRunner
) -> None:
    group = await create_group(coordinator, ["python"])
    outcome = await run_task(coordinator, group, "net", "run it", code=connect_code(settings))
    info = (await coordinator.request(REGISTRY, "get_agent", GetAgent(agent="python"))).body

    assert isinstance(outcome.body, TaskResult) and outcome.body.data is not None
    assert outcome.body.data["stdout"] == "connected\n"
    assert outcome.body.data["network_isolated"] is False
    assert "not cut off from the network" in outcome.body.text
    assert isinstance(info, AgentInfo)
    assert "NOT cut off from the network on this host (no namespace for this test)" in (
        info.card.description
    )


def test_an_unprivileged_sandbox_cuts_the_network_with_a_user_namespace(
    settings: ServiceSettings,
) -> None:
    # The launcher as a user without privileges (nobody, when the tests run as root):
    # only a user namespace can give it a network namespace.
    python = pick_interpreter()
    # Whether this host lets an unprivileged process make one, asked without the launcher.
    probe = (
        "import ctypes, os, sys\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        f"sys.exit(libc.unshare({CLONE_NEWUSER | CLONE_NEWNET}) != 0)\n"
    )
    able = subprocess.run([python, "-I", "-c", probe], preexec_fn=unprivileged, timeout=30)
    if able.returncode != 0:
        pytest.skip("this host lets no unprivileged process make a user namespace")
    with tempfile.TemporaryDirectory(prefix="ioa-test-") as folder:  # pytest's is root's only
        done = run_unprivileged(python, Path(folder), connect_code(settings))

    assert (done.returncode, done.stdout) == (0, "blocked 101\n"), done.stderr


def unprivileged() -> None:
    """Run as nobody when the tests run as root."""
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)


def run_unprivileged(python: str, tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "main.py"
    script.write_text(code)
    workdir = tmp_path / "work"
    workdir.mkdir()
    if os.geteuid() == 0:
        os.chown(workdir, NOBODY, NOBODY)
        tmp_path.chmod(0o755)
        script.chmod(0o644)
    spec = {
        "isolate_network": True,
        "cpu_seconds": 5,
        "memory_bytes": 512 * 1024 * 1024,
        "file_bytes": 1024 * 1024,
        "processes": 64,
        "workdir": str(workdir),
        "script": str(script),
        "python": python,
    }
    return subprocess.run(
        [python, "-I", str(LAUNCHER), json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=30,
        preexec_fn=unprivileged,
    )


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


async def test_a_task_in_words_is_answered_through_the_group_by_an_exact_routine(
    coordinator: Connection, runner: PythonRunner
) -> None:
    group = await create_group(coordinator, ["python"])
    words = await run_task(coordinator, group, "t1", "How many primes are below 10,000?")
    code = await run_task(coordinator, group, "t2", "run it", code="print(6 * 7)")

    assert isinstance(words.body, TaskResult) and words.body.data is not None
    assert words.body.data == {
        "path": "exact routine",
        "answer": "1229",
        "routine": "prime counting (primepi)",
        "library": "sympy",
    }
    assert words.body.text == (
        "There are 1229 primes below 10,000. (exact routine: sympy)\nAnswer: 1229"
    )
    assert isinstance(code.body, TaskResult) and code.body.data is not None
    assert (code.body.data["path"], code.body.data["answer"]) == ("given code", "42")
