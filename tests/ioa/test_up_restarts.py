"""``ioa up`` as a real process tree brings back the children that die: the llama.cpp
server and the coordinator after a SIGKILL, nats-server on its port and JetStream store
(the data survives); a conversation started afterwards concludes, and stopping is not
taken for a death."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from ioa import runfile
from tests.ioa.embedded import (
    IOA,
    ioa_up,
    llm_env,
    local_llm_env,
    local_llm_missing,
    output_of,
    run_goal,
    stop_and_check_all_gone,
    wait_ready,
)
from tests.support.scripted_llm import Rule, Script, scripted_llm

pytestmark = pytest.mark.e2e

GOAL = "A $80 jacket is 25% off. What do I pay?"
RULES = [
    Rule("CAPABILITY QUERIES", '{"queries": ["arithmetic percent discount"]}'),
    Rule(
        "TEAM CHOICE",
        '{"members": [{"agent": "calculator", "reason": "does the arithmetic", '
        '"task": "What is 25% off $80?"}]}',
    ),
    Rule("CONCLUSION", "You pay $60."),
]
"""The scripted model's answers for the nats test: a team of the calculator alone."""


def kill(info: runfile.RunInfo, *names: str) -> dict[str, int]:
    """SIGKILL the children ``names`` (as the kernel or a crash would); their pids."""
    pids = {p.name: p.pid for p in info.processes if p.name in names}
    assert set(pids) == set(names), info.processes
    for pid in pids.values():
        os.kill(pid, signal.SIGKILL)
    return pids


def wait_restarted(data_dir: Path, killed: dict[str, int], timeout: float) -> runfile.RunInfo:
    """Until run.json shows each killed child running again under a new pid."""
    deadline = time.monotonic() + timeout
    while True:
        info = runfile.read(data_dir)
        entries = {p.name: p for p in info.processes} if info else {}
        back = {
            name
            for name, pid in killed.items()
            if name in entries
            and entries[name].pid != pid
            and (entries[name].state, entries[name].restarts) == ("running", 1)
        }
        if info and back == set(killed):
            return info
        assert time.monotonic() < deadline, f"not restarted within {timeout}s: {entries}"
        time.sleep(0.2)


def wait_serving(info: runfile.RunInfo, timeout: float) -> None:
    """Until the coordinator answers through the gateway (and the LLM, if local, is up)."""
    urls = [f"{info.gateway_url}/v1/conversations"]
    if info.llm_url and info.llm_url.startswith("http://127.0.0.1"):
        urls.append(f"{info.llm_url}/models")
    headers = {"Authorization": f"Bearer {info.api_key}"}
    deadline = time.monotonic() + timeout
    for url in urls:
        while True:
            try:
                if httpx.get(url, headers=headers, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"{url} did not answer within {timeout}s"
            time.sleep(0.5)


def supervisor_events(data_dir: Path) -> list[dict[str, object]]:
    lines = (data_dir / "logs" / "supervisor.log").read_text().splitlines()
    return [json.loads(line) for line in lines]


def since_restart(data_dir: Path, name: str) -> str:
    """What the restarted ``name`` wrote to its log (after the supervisor's banner)."""
    text = (data_dir / "logs" / f"{name}.log").read_text()
    return text.split(f"--- ioa up: restart 1 of {name} ", 1)[1]


def check_reported(data_dir: Path, killed: dict[str, int]) -> None:
    """Each killed child's death and restart: on the terminal, in the supervisor's log,
    in ``ioa status``."""
    out = output_of(data_dir)
    events = supervisor_events(data_dir)
    for name, pid in killed.items():
        assert f"{name} (pid {pid}) killed by SIGKILL; restarting it in 0.5s" in out, out
        died = [e for e in events if e["event"] == "child died" and e["child"] == name]
        assert [(e["pid"], e["returncode"]) for e in died] == [(pid, -9)], events
        assert [e for e in events if e["event"] == "child restarted" and e["child"] == name]
    status = subprocess.run(
        [str(IOA), "status", "--data-dir", str(data_dir)], capture_output=True, text=True
    )
    assert status.returncode == 0, status.stdout + status.stderr
    rows = [line.split() for line in status.stdout.splitlines()]
    for name in killed:
        assert [name, "running", "1"] in [[r[0], r[2], r[3]] for r in rows if len(r) > 3], rows


def check_no_restart_while_stopping(data_dir: Path) -> None:
    stopping = output_of(data_dir).split("Stopping…", 1)[1]
    assert "restart" not in stopping, stopping


@pytest.mark.llm
@pytest.mark.timeout(600)
@pytest.mark.skipif(local_llm_missing() is not None, reason=str(local_llm_missing()))
def test_a_killed_llama_server_and_coordinator_come_back_and_a_later_conversation_concludes(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    with ioa_up(data_dir, local_llm_env(), "--llm", "local") as proc:
        info = wait_ready(proc, data_dir, timeout=240)

        killed = kill(info, "llm", "coordinator")
        info = wait_restarted(data_dir, killed, timeout=30)
        wait_serving(info, timeout=180)
        state, _ = run_goal(info, GOAL, timeout=300)

        assert state.get("state") == "concluded", state
        assert '"POST /v1/chat/completions HTTP/1.1" 200' in since_restart(data_dir, "llm")
        check_reported(data_dir, killed)
        stop_and_check_all_gone(proc, info)
    check_no_restart_while_stopping(data_dir)


@pytest.mark.timeout(300)
def test_a_killed_nats_server_comes_back_on_its_port_with_its_data_and_sigterm_stops_all(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    with scripted_llm(Script(rules=RULES)) as llm_url:
        with ioa_up(data_dir, llm_env(llm_url)) as proc:
            first = wait_ready(proc, data_dir, timeout=90)
            before, _ = run_goal(first, GOAL, timeout=60)
            assert before.get("state") == "concluded", before

            killed = kill(first, "nats")
            info = wait_restarted(data_dir, killed, timeout=30)
            wait_serving(info, timeout=60)
            kept = httpx.get(
                f"{info.gateway_url}/v1/conversations/{before['id']}/messages",
                headers={"Authorization": f"Bearer {info.api_key}"},
                timeout=10,
            )
            after, _ = run_goal(info, GOAL, timeout=60)

            assert kept.status_code == 200 and len(kept.json()) >= 2, kept.text
            assert after.get("state") == "concluded", after
            assert info.nats_url == first.nats_url
            check_reported(data_dir, killed)
            stop_and_check_all_gone(proc, info, signal.SIGTERM)
    check_no_restart_while_stopping(data_dir)
