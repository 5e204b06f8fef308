"""Flow a user can steer: a plan asks, deterministically, for async tasks, a pause until
named ones finish and a conclusion policy; a plan that could not run as written is
refused when the conversation starts (``plans.policy_for``, in the start handler).

Real registry, chat, agents and coordinator; the LLM is a scripted server (never asked
for the conclusion here: the plan says results).
"""

from pathlib import Path

import pytest

from protocol.connection import Connection
from protocol.errors import InvalidMessage
from protocol.kinds import PlanStep, StartConversation
from services.coordinator import plans
from tests.services.coordinator.network import Drafter, card, finish, group_messages, network
from tests.support.scripted_llm import Script

PLAN = [
    PlanStep(id="note", agent="drafter", mode="async", text="Write the customer a short note"),
    PlanStep(id="sum", agent="calculator", text="Compute 12*(3+4)"),
    PlanStep(id="wait", kind="pause", until=["note"]),
]


async def test_a_plan_runs_an_async_task_meanwhile_pauses_for_it_and_concludes_with_results(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script()
    async with network(nats_url, subject_root, tmp_path, script) as net:
        await net.add(Drafter(card("drafter", "note", "writing"), net.settings))
        async with Connection(net.settings, "gateway") as conn:
            state = await finish(
                conn,
                StartConversation(
                    goal="Write a note and compute 12*(3+4)",
                    required=["drafter", "calculator"],
                    max_team=2,
                    plan=PLAN,
                    conclusion_policy="results",
                ),
            )
            logged = await group_messages(conn, state.conversation)
    assert state.state == "concluded", state.reason
    assert state.policy == "planned"
    note, total = state.tasks
    assert (note.assignee, note.mode, note.outcome) == ("drafter", "async", "done")
    assert (total.assignee, total.mode, total.outcome) == ("calculator", "sync", "done")
    kinds = [(m["type"], m["sender"]) for m in logged]
    sum_done = kinds.index(("task_result", "calculator"))
    [pause] = [n for n, m in enumerate(logged) if m["type"] == "pause"]
    note_done = kinds.index(("task_result", "drafter"))
    assert sum_done < pause < note_done, "the flow did not go on while the note was written"
    assert logged[pause]["body"]["triggers"] == [note.task_id]
    assert kinds[-1] == ("conclusion", "coordinator")
    assert "84" in (state.conclusion or "") and "Dear customer" in (state.conclusion or "")
    assert not any("CONCLUSION" in str(r["messages"]) for r in script.requests)


@pytest.mark.parametrize(
    ("plan", "policy", "why"),
    [
        ([PlanStep(id="a", agent="writer")], "sequential", "not required"),
        ([PlanStep(id="w", kind="pause", until=["a"]), PlanStep(id="a")], "sequential", "earlier"),
        ([PlanStep(id="a"), PlanStep(id="a")], "sequential", "used twice"),
        ([PlanStep(id="w", kind="pause")], "sequential", "no task step"),
        ([PlanStep(id="a")], "moderated", "a plan is the flow"),
        ([], "planned", "needs a plan"),
    ],
)
def test_a_plan_that_cannot_run_as_written_is_refused_at_the_start(
    plan: list[PlanStep], policy: str, why: str
) -> None:
    body = StartConversation(goal="x", required=["calculator"], plan=plan, policy=policy)  # type: ignore[arg-type]
    with pytest.raises(InvalidMessage, match=why):
        plans.policy_for(body, in_reply_to="m1")
