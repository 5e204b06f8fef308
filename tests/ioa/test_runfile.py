"""run.json and the process table: what a running supervisor tells other commands."""

import json
import os
import sys
from pathlib import Path

from ioa import runfile
from ioa.processes import ManagedProcess
from ioa.up import Supervisor, UpOptions
from tests.ioa.procfs import process_gone


def test_run_info_survives_a_round_trip_through_run_json(tmp_path: Path) -> None:
    info = runfile.RunInfo(
        gateway_url="http://127.0.0.1:8000",
        nats_url="nats://127.0.0.1:4222",
        pid=os.getpid(),
        processes=[runfile.ProcessEntry("nats", 10, "/d/logs/nats.log")],
    )
    path = runfile.write(tmp_path, info)
    assert json.loads(path.read_text())["processes"][0] == {
        "name": "nats",
        "pid": 10,
        "log": "/d/logs/nats.log",
        "state": "running",
        "restarts": 0,
        "last_exit": "",
    }
    assert runfile.read(tmp_path) == info
    runfile.remove(tmp_path)
    assert runfile.read(tmp_path) is None


def test_an_unreadable_run_json_reads_as_no_run(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text("{not json")
    assert runfile.read(tmp_path) is None


def test_the_process_table_lists_name_pid_and_log_aligned() -> None:
    table = runfile.process_table(
        [
            runfile.ProcessEntry("nats", 101, "/d/logs/nats.log"),
            runfile.ProcessEntry("coordinator", 20202, "/d/logs/coordinator.log"),
        ]
    )
    lines = table.splitlines()
    assert lines[0].split() == ["name", "pid", "log"]
    assert lines[1].split() == ["nats", "101", "/d/logs/nats.log"]
    assert lines[2].split() == ["coordinator", "20202", "/d/logs/coordinator.log"]
    assert len({line.index("/") for line in lines[1:]}) == 1


def test_the_status_table_adds_each_process_state_restarts_and_last_exit() -> None:
    down = runfile.ProcessEntry(
        "llm", 7, "/d/logs/llm.log", state="down", restarts=4, last_exit="killed by SIGSEGV"
    )
    up = runfile.ProcessEntry("nats", 101, "/d/n.log")
    lines = runfile.process_table([up, down], status=True).splitlines()
    assert lines[0].split() == ["name", "pid", "state", "restarts", "log", "last", "exit"]
    assert lines[1].split() == ["nats", "101", "running", "0", "/d/n.log", "-"]
    assert lines[2].split()[:5] == ["llm", "7", "down", "4", "/d/logs/llm.log"]
    assert lines[2].endswith("  killed by SIGSEGV")


def test_the_supervisor_writes_run_json_for_its_children_and_removes_it_on_shutdown(
    tmp_path: Path,
) -> None:
    lines: list[str] = []
    supervisor = Supervisor(UpOptions(data_dir=tmp_path), out=lines.append)
    supervisor.gateway_url, supervisor.nats_url = "http://127.0.0.1:1", "nats://127.0.0.1:2"
    children = [
        ManagedProcess(name, [sys.executable, "-c", "import time; time.sleep(60)"], log)
        for name, log in (("first", tmp_path / "a.log"), ("second", tmp_path / "b.log"))
    ]
    for child in children:
        child.start()
    supervisor.steps = [[children[0]], [children[1]]]

    supervisor.announce(1.0)
    written = json.loads((tmp_path / "run.json").read_text())
    assert written["pid"] == os.getpid()
    assert written["gateway_url"] == "http://127.0.0.1:1"
    assert [(p["name"], p["pid"]) for p in written["processes"]] == [
        ("first", children[0].pid),
        ("second", children[1].pid),
    ]
    assert any("http://127.0.0.1:1" in line for line in lines)

    supervisor.shutdown()
    assert not (tmp_path / "run.json").exists()
    assert all(process_gone(c.pid) for c in children if c.pid)
