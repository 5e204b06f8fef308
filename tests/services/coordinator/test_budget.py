"""The LLM token budget covers the whole conversation: the members' own tokens, as they
report them, and a sub-team's, which spends from what its parent has left.

Real registry, chat, agents and coordinator; the LLM is a scripted server (it counts
10 tokens per prompt and one per word of its answer).
"""

from pathlib import Path
from typing import Any

from protocol.agent import Agent
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.kinds import (
    Budget,
    ConversationState,
    GetConversation,
    StartConversation,
    TaskAssign,
    TaskFailed,
    TaskResult,
    TokenUsage,
)
from protocol.subjects import COORDINATOR
from tests.services.coordinator.network import card, finish, network, records, wait_for
from tests.support.scripted_llm import Script


class Thinker(Agent):
    """Does its task with an LLM of its own and reports what that cost."""

    def __init__(self, *args: Any, spends: TokenUsage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spends = spends

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        return TaskResult(task_id=env.body.task_id, text="thought it through", usage=self.spends)


class Planner(Agent):
    """Notes what its conversation has spent, then hands its task to a sub-team."""

    spent_before: int | None = None

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        asked = GetConversation(conversation=env.conversation or "")
        state: ConversationState = (await self.conn.request(COORDINATOR, "get", asked)).body
        self.spent_before = state.tokens
        await self.request_sub_team(env, "marimba", max_team=1)
        return None


async def test_the_tokens_a_member_reports_count_against_the_budget(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    spends = TokenUsage(prompt_tokens=300, completion_tokens=200)
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        await net.add(Thinker(card("thinker", "ponder"), net.settings, spends=spends))
        async with Connection(net.settings, "gateway") as conn:
            state = await finish(
                conn,
                StartConversation(
                    goal="Ponder this, then compute 12*(3+4)",
                    required=["thinker", "calculator"],
                    max_team=2,
                    budget=Budget(max_tokens=400),
                ),
            )
    # Team formation cost the coordinator under 400 tokens; the thinker's 500 spent the rest.
    assert state.state == "concluded", state.reason
    assert [(t.assignee, t.outcome) for t in state.tasks] == [("thinker", "done")]
    assert (state.reason or "").startswith("the budget of 400 LLM tokens is spent")
    assert state.prompt_tokens >= 300 and state.completion_tokens >= 200
    assert state.tokens == state.prompt_tokens + state.completion_tokens >= 500


async def test_a_sub_team_spends_from_what_its_parent_has_left(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script()
    spends = TokenUsage(prompt_tokens=500, completion_tokens=60)
    async with network(nats_url, subject_root, tmp_path, script) as net:
        planner = await net.add(Planner(card("planner", "xylophone"), net.settings))
        await net.add(Thinker(card("thinker", "marimba"), net.settings, spends=spends))
        async with Connection(net.settings, "gateway") as conn:
            parent = await finish(
                conn,
                StartConversation(
                    goal="xylophone",
                    required=["planner"],
                    max_team=1,
                    budget=Budget(max_tokens=600),
                ),
            )
            child = await wait_for(conn, parent.children[0])
            [child_record] = await records(conn, [child.conversation])
    assert planner.spent_before is not None
    left = 600 - planner.spent_before
    assert child_record.budget.max_tokens == left  # not a fresh 600
    # The thinker's 560 tokens spend the child's budget, so no LLM writes its conclusion;
    # with a fresh copy of the parent's 600 one would have.
    assert child.state == "concluded" and child.tokens >= left
    assert not any("CONCLUSION" in str(r["messages"]) for r in script.requests)
    assert parent.state == "concluded" and parent.tasks[0].result == child.conclusion
    assert parent.tokens == planner.spent_before + child.tokens
    assert parent.prompt_tokens >= 500 and parent.completion_tokens >= 60
