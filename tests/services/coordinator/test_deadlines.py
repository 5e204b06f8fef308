"""A conversation's seconds budget holds while the model is slow: every wait gets what is
left of it, and once it is spent the conversation ends at once, with a reason, and with
a conclusion composed from what the team has, no LLM call made after the deadline.

Real registry, chat, agents and coordinator; the LLM is a scripted server that takes
its time (30-60 s a call, as a small local model does on a busy machine).
"""

import time
from datetime import datetime, timedelta
from pathlib import Path

from protocol.connection import Connection
from protocol.kinds import Budget, StartConversation
from tests.services.coordinator.network import group_messages, network, start, wait_for
from tests.support.scripted_llm import Rule, Script


async def test_a_slow_model_does_not_keep_a_conversation_past_its_seconds_budget(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script(delay=40)  # every call, team formation's first
    async with network(nats_url, subject_root, tmp_path, script) as net:
        async with Connection(net.settings, "gateway") as conn:
            began = time.time()
            conversation = await start(
                conn, StartConversation(goal="Compute 12*(3+4)", budget=Budget(max_seconds=20))
            )
            state = await wait_for(conn, conversation, seconds=30)
            took = time.time() - began
    assert state.state == "failed"
    assert state.reason == "ran out of time: the budget is 20 s"
    assert took < 22, f"the 20 s budget ended after {took:.1f} s"
    assert script.arrived and all(t < began + 20 for t in script.arrived)


async def test_a_conclusion_the_model_is_slow_to_write_is_composed_from_the_results_in_time(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script(rules=[Rule("CONCLUSION", "12*(3+4) is 84.", delay=60)])
    async with network(nats_url, subject_root, tmp_path, script) as net:
        async with Connection(net.settings, "gateway") as conn:
            began = time.time()
            conversation = await start(
                conn,
                StartConversation(
                    goal="Compute 12*(3+4)",
                    required=["calculator"],
                    max_team=1,
                    budget=Budget(max_seconds=8),
                ),
            )
            state = await wait_for(conn, conversation, seconds=20)
            took = time.time() - began
            logged = await group_messages(conn, conversation)
    assert state.state == "concluded", state.reason
    assert state.reason == ("ran out of time: the budget is 8 s; concluded with what the team has")
    assert (state.conclusion or "").startswith("Answer: 84")
    assert took < 10, f"the 8 s budget ended after {took:.1f} s"
    summaries = [r for r in script.requests if "CONCLUSION" in str(r)]
    assert len(summaries) == 1 and all(t < began + 8 for t in script.arrived)
    # The task's deadline was the conversation's, not the 90 s of a turn.
    [task] = [m["body"] for m in logged if m["type"] == "task_assign"]
    assert datetime.fromisoformat(task["deadline"]) <= state.created_at + timedelta(seconds=8)
    assert [m["type"] for m in logged][-1] == "conclusion"
