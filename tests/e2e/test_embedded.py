"""The embedded run end to end: ``ioa up`` as a real process tree, a goal through the
gateway, a conclusion from a team of two agents, one trace across every part, and a
clean stop on SIGINT.

The first test answers LLM calls with the scripted OpenAI-compatible server (the one
stand-in allowed, for a paid API); the second uses the real local model.
"""

import json
import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from ioa import runfile
from ioa.demo import DEFAULT_GOAL
from tests.ioa.embedded import (
    IOA,
    ioa_up,
    llm_env,
    local_llm_env,
    local_llm_missing,
    run_goal,
    stop_and_check_all_gone,
    wait_ready,
)
from tests.support.prometheus import scrape, total
from tests.support.scripted_llm import Rule, Script, scripted_llm

pytestmark = pytest.mark.e2e

RULES = [
    Rule(
        "CAPABILITY QUERIES",
        '{"queries": ["arithmetic calculation percent", "write a note to a customer"]}',
    ),
    Rule(
        "TEAM CHOICE",
        '{"members": [{"agent": "calculator", "reason": "does the arithmetic", '
        '"task": "Compute 17.5% of 2,480 plus 36"}, {"agent": "writer", "reason": '
        '"writes the note", "task": "Write a short friendly note to a customer '
        'explaining the result"}]}',
    ),
    Rule("CONCLUSION", "The result is 470. A note was written for the customer."),
    Rule("You are the writer", "Dear customer, the result is 470."),
]
SERVICES = {"gateway", "coordinator", "registry", "chat"}
AGENTS = {"calculator", "assistant", "writer"}


def spans_in_trace(trace_dir: Path, trace_id: str) -> set[tuple[str, str]]:
    """(``service.name``, span name) of every span of ``trace_id`` in the run's files."""
    found: set[tuple[str, str]] = set()
    for path in trace_dir.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            for resource_spans in json.loads(line).get("resourceSpans", []):
                attrs = {
                    a["key"]: a["value"].get("stringValue")
                    for a in resource_spans["resource"]["attributes"]
                }
                service = str(attrs.get("service.name"))
                found |= {
                    (service, span["name"])
                    for scope in resource_spans["scopeSpans"]
                    for span in scope["spans"]
                    if span["traceId"] == trace_id
                }
    return found


def run_demo(data_dir: Path, env: dict[str, str]) -> tuple[str, str, str]:
    """``ioa demo`` against the running stack; its output, conversation id and trace id."""
    done = subprocess.run(
        [str(IOA), "demo", "--data-dir", str(data_dir), "--timeout", "120"],
        env={k: v for k, v in env.items() if k != "IOA_API_KEY"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr[-3000:]
    conversation = re.search(r"^Conversation (\S+)$", out, re.M)
    trace_id = re.search(r"^trace id: ([0-9a-f]{32})$", out, re.M)
    assert conversation and trace_id, out
    return out, conversation.group(1), trace_id.group(1)


def check_metrics(info: runfile.RunInfo) -> None:
    """Every Python process has a Prometheus endpoint, and the conversation moved its numbers."""
    assert set(info.metrics) >= SERVICES | AGENTS, info.metrics
    coordinator: dict[str, float] = {}
    deadline = time.monotonic() + 10  # the coordinator counts conversations once a second
    while time.monotonic() < deadline:
        coordinator = scrape(info.metrics["coordinator"])
        if total(coordinator, "ioa_conversations", ioa_conversation_state="concluded"):
            break
        time.sleep(0.5)
    assert total(coordinator, "ioa_conversations", ioa_conversation_state="concluded") == 1
    assert total(coordinator, "ioa_tasks", ioa_task_outcome="done") >= 2
    assert total(coordinator, "gen_ai_client_token_usage_count", gen_ai_token_type="input") >= 2
    assert total(coordinator, "gen_ai_client_operation_duration_seconds_count") >= 2
    chat = scrape(info.metrics["chat"])
    assert total(chat, "ioa_messages_handled_total", ioa_subject_kind="chat.post") >= 4
    calculator = scrape(info.metrics["calculator"])
    assert total(calculator, "ioa_inbox_delay_seconds_count", ioa_agent="calculator") >= 1
    registry = scrape(info.metrics["registry"])
    assert total(registry, "ioa_registry_agents", ioa_agent_online="true") >= len(AGENTS)


def test_ioa_demo_prints_a_goal_concluded_by_two_agents_in_one_trace_and_sigint_stops_everything(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    with scripted_llm(Script(rules=RULES)) as llm_url:
        env = llm_env(llm_url)
        with ioa_up(data_dir, env) as proc:
            info = wait_ready(proc, data_dir, timeout=90)
            assert {p.name for p in info.processes} >= {"nats", *SERVICES, *AGENTS}
            assert httpx.get(f"{info.gateway_url}/v1/agents").status_code == 401

            out, conversation, trace_id = run_demo(data_dir, env)

            assert f"Using the running 'ioa up' (gateway {info.gateway_url})." in out
            assert f"Goal: {DEFAULT_GOAL}" in out
            chat = [line.split(maxsplit=2)[:2] for line in out.splitlines() if line[:2] == "  "]
            assert ["calculator", "task_result"] in chat and ["writer", "task_result"] in chat, out
            conclusion = out.split("\nConclusion:\n", 1)[1]
            assert "The result is 470. A note was written for the customer." in conclusion
            headers = {"Authorization": f"Bearer {info.api_key}"}
            state = httpx.get(
                f"{info.gateway_url}/v1/conversations/{conversation}", headers=headers
            ).json()
            assert state["state"] == "concluded" and state["trace_id"] == trace_id, state
            team = {m["agent"] for m in state["members"]}
            assert team >= {"calculator", "writer"}, team

            # One trace: every part, every team member, the registry search and the posts.
            want_services = SERVICES | team
            want_spans = {("registry", "process registry.search"), ("chat", "process chat.post")}
            deadline = time.monotonic() + 15  # spans are exported in batches
            while True:
                spans = spans_in_trace(data_dir / "traces", trace_id)
                no_services = want_services - {service for service, _ in spans}
                no_spans = want_spans - spans
                if not (no_services or no_spans) or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert not no_services, f"trace {trace_id} has no spans from {sorted(no_services)}"
            assert not no_spans, f"trace {trace_id} lacks the spans {sorted(no_spans)}"

            check_metrics(info)
            stop_and_check_all_gone(proc, info)


@pytest.mark.llm
@pytest.mark.timeout(900)
@pytest.mark.skipif(local_llm_missing() is not None, reason=str(local_llm_missing()))
def test_the_real_local_model_brings_a_goal_to_a_conclusion(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with ioa_up(data_dir, local_llm_env(), "--llm", "local") as proc:
        info = wait_ready(proc, data_dir, timeout=240)
        assert "llm" in {p.name for p in info.processes}

        state, messages = run_goal(info, DEFAULT_GOAL, timeout=600)

        assert state.get("state") == "concluded", state
        assert (state.get("conclusion") or "").strip()
        posted = {m["sender"] for m in messages} - {"coordinator"}
        assert len(posted) >= 2, f"only {posted} posted to the group"
        # The small model may write what it likes: the answer the user reads is checked.
        for goal, right, wrong in REAL_MODEL_GOALS:
            state, _ = run_goal(info, goal, timeout=300)
            said = state.get("conclusion") or ""
            assert state.get("state") == "concluded", (goal, state)
            assert right in said and "<data" not in said, (goal, said)
            assert not (set(re.findall(r"\d+(?:[.,]\d+)*", said)) & wrong), (goal, said)

        stop_and_check_all_gone(proc, info)


REAL_MODEL_GOALS = [
    (DEFAULT_GOAL, "470", {"490", "434.36"}),
    ("A $80 jacket is 25% off. What do I pay?", "60", {"100", "20.00"}),
    ("How many days are there between 2024-03-01 and 2024-12-25?", "299", {"300", "298"}),
]
"""Goals, a figure the conclusion must state, and figures a wrong answer would give."""
