"""SIGKILL the coordinator in the middle of 20 conversations; a new one finishes them all,
each resumed one in its own trace, linked to the driver that died.

The coordinator runs as a real process (``python -m services.coordinator``);
registry, chat and the member agent run in this process.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from protocol.connection import Connection
from protocol.errors import NotFound, Timeout, Unavailable
from protocol.kinds import GetConversation, StartConversation
from tests.services.coordinator.network import Tally, card, network, records, start, wait_for
from tests.support.scripted_llm import Script

CONVERSATIONS = 20


def coordinator_process(
    settings: dict[str, Any], llm_url: str, log: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "IOA_NATS_URL": settings["nats_url"],
        "IOA_SUBJECT_ROOT": settings["subject_root"],
        "IOA_LOG_FORMAT": "json",
        "IOA_LEASE_SECONDS": "2",
        "IOA_SCAN_SECONDS": "0.5",
        "IOA_TRACE_DIR": str(log.parent / "traces"),
        "OPENAI_BASE_URL": llm_url,
        "IOA_LLM_MODEL": "scripted",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "services.coordinator"], env=env, stdout=out, stderr=out
        )


async def test_a_killed_coordinator_leaves_no_conversation_unfinished_and_no_task_done_twice(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script(), coordinator=False) as net:
        counter = await net.add(Tally(card("counter", "xylophone"), net.settings))
        settings = {"nats_url": nats_url, "subject_root": subject_root}
        log = tmp_path / "coordinator.log"
        first = coordinator_process(settings, net.llm_url, log)
        try:
            async with Connection(net.settings, "gateway") as conn:
                await until_serving(conn)
                conversations = await asyncio.gather(
                    *(
                        start(
                            conn,
                            StartConversation(
                                goal=f"xylophone {n}", max_team=1, required=["counter"]
                            ),
                        )
                        for n in range(CONVERSATIONS)
                    )
                )
                await asyncio.sleep(1.0)
                first.send_signal(signal.SIGKILL)
                first.wait(5)
                # Read after the kill, from the records themselves: with no coordinator
                # alive nothing changes them, whereas states asked for before the kill may
                # be stale by the time it lands (one concluding in between was then
                # expected to be resumed, and the test failed under load).
                at_kill = await records(conn, conversations)
                second = coordinator_process(settings, net.llm_url, log)
                try:
                    final = [await wait_for(conn, c, seconds=60) for c in conversations]
                finally:
                    second.terminate()
                    second.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
    unfinished_at_kill = {rec.id for rec in at_kill if not rec.finished}
    assert unfinished_at_kill, f"the kill came too late to test anything: {at_kill}"
    assert [s.state for s in final] == ["concluded"] * CONVERSATIONS, [s.reason for s in final]
    for state in final:
        assert [(t.assignee, t.outcome) for t in state.tasks] == [("counter", "done")]
    assert set(counter.handled.values()) == {1}, "a task was handed out twice"
    assert len(counter.handled) == CONVERSATIONS

    resumed = resume_spans(tmp_path / "traces" / "coordinator.jsonl")
    assert unfinished_at_kill <= resumed.keys(), "an unfinished conversation was not resumed"
    traces = {s.conversation: s.trace_id for s in final}
    for conversation, span in resumed.items():
        assert span["traceId"] == traces[conversation], "a resumed conversation left its trace"
        links = {link["spanId"] for link in span.get("links", [])}
        assert span["parentSpanId"] in links  # the request that started it
        assert links - {span["parentSpanId"]}, "no link to the driver that died"


def resume_spans(path: Path) -> dict[str, dict[str, Any]]:
    """The 'resume conversation' spans in an OTLP JSON lines file, by conversation."""
    found = {}
    for line in path.read_text().splitlines():
        for resource in json.loads(line)["resourceSpans"]:
            for scope in resource["scopeSpans"]:
                for span in scope["spans"]:
                    attrs = {a["key"]: a["value"].get("stringValue") for a in span["attributes"]}
                    if span["name"] == "resume conversation":
                        found[str(attrs["ioa.conversation"])] = span
    return found


async def until_serving(conn: Connection, seconds: float = 60) -> None:
    """Wait until a coordinator process answers (it may start slowly on a busy machine)."""
    for _ in range(int(seconds * 10)):
        try:
            await conn.request("coordinator", "get", GetConversation(conversation="probe"))
        except NotFound:
            return
        except (Unavailable, Timeout):
            await asyncio.sleep(0.1)
    raise AssertionError(f"no coordinator answered within {seconds} s")
