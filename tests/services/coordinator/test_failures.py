"""The ways a conversation can go wrong that the others do not show, end to end: an
invitee that never answers, the LLM token budget running out, a moderator whose LLM is
unreachable, a member asking for a sub-team past the depth limit, and a registry out of
reach while a team forms.

Real registry, chat, agents and coordinator on the session's nats-server; the LLM is a
scripted OpenAI-compatible server.
"""

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from protocol.agent import Agent
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import Unavailable
from protocol.kinds import (
    Budget,
    Register,
    StartConversation,
    TaskAssign,
    TaskFailed,
    TaskResult,
)
from protocol.settings import ServiceSettings
from protocol.subjects import REGISTRY
from registry.app import serve as serve_registry
from registry.settings import RegistrySettings
from services.coordinator import team as team_module
from services.coordinator.team import TeamFormer
from tests.services.coordinator.network import (
    Network,
    card,
    finish,
    group_messages,
    network,
    start,
    wait_for,
)
from tests.support.scripted_llm import Rule, Script

PERCENT = "Percent math: what is 17.5% of 2,480?"


async def register_silent(net: Network, agent: str, *tags: str) -> None:
    """An agent that is registered and online but never reads its inbox, as a hung
    process would: its invitation is delivered and never answered."""
    conn = await net.stack.enter_async_context(Connection(net.settings, agent))
    await conn.request(REGISTRY, "register", Register(card=card(agent, *tags), lease_seconds=120))


def team_choice(*agents: str) -> Rule:
    members = [{"agent": a, "reason": f"{a} fits", "task": PERCENT} for a in agents]
    return Rule("TEAM CHOICE", json.dumps({"members": members}))


async def test_a_silent_invitee_is_replaced_by_the_next_best_candidate_at_its_deadline(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script(rules=[team_choice("mute-math")])
    async with network(nats_url, subject_root, tmp_path, script, invite_seconds=1) as net:
        await register_silent(net, "mute-math", "percent", "math")
        async with Connection(net.settings, "gateway") as conn:
            state = await finish(conn, StartConversation(goal=PERCENT, max_team=1))
    assert state.state == "concluded", state.reason
    assert [m.agent for m in state.members] == ["calculator"]
    assert "stands in for mute-math" in state.members[0].reason
    assert "434" in (state.conclusion or "")


async def test_the_team_forms_without_a_silent_invitee_when_nobody_can_stand_in(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script(rules=[team_choice("mute-math", "calculator")])
    async with network(nats_url, subject_root, tmp_path, script, invite_seconds=1) as net:
        await register_silent(net, "mute-math", "percent", "math")
        async with Connection(net.settings, "gateway") as conn:
            state = await finish(
                conn, StartConversation(goal=PERCENT, max_team=2, excluded=["writer"])
            )
    assert state.state == "concluded", state.reason
    assert [m.agent for m in state.members] == ["calculator"]
    assert state.members[0].reason == "calculator fits"


async def test_a_spent_token_budget_concludes_with_what_the_team_has_or_fails_with_nothing(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    # Team formation costs at most two calls of 15 tokens (the scripted server counts 10
    # per prompt and one per word); the moderator's first move alone costs far more than
    # the rest of a 50-token budget, so the conversation stops after that move.
    filler = " ".join(["because"] * 60)
    move = {"move": "assign", "agent": "calculator", "text": "Compute 12*(3+4)", "why": filler}
    script = Script(rules=[Rule("MODERATOR MOVE", json.dumps(move))])
    async with network(nats_url, subject_root, tmp_path, script) as net:
        async with Connection(net.settings, "gateway") as conn:
            some_work, no_work = await asyncio.gather(
                start(
                    conn,
                    StartConversation(
                        goal="Compute 12*(3+4)",
                        policy="moderated",
                        required=["calculator"],
                        max_team=1,
                        budget=Budget(max_tokens=50),
                    ),
                ),
                start(
                    conn,
                    StartConversation(
                        goal="Compute 12*(3+4)", max_team=1, budget=Budget(max_tokens=1)
                    ),
                ),
            )
            concluded = await wait_for(conn, some_work)
            failed = await wait_for(conn, no_work)
    assert concluded.state == "concluded", concluded.reason
    assert concluded.reason is not None
    assert concluded.reason.startswith("the budget of 50 LLM tokens is spent")
    assert concluded.reason.endswith("concluded with what the team has")
    assert concluded.tokens >= 50
    assert [(t.assignee, t.outcome) for t in concluded.tasks] == [("calculator", "done")]
    assert "84" in (concluded.conclusion or "")
    moderator_calls = [r for r in script.requests if "MODERATOR MOVE" in str(r["messages"])]
    assert len(moderator_calls) == 1, "the moderator was asked again past the budget"
    assert not any("CONCLUSION" in str(r["messages"]) for r in script.requests)

    assert failed.state == "failed"
    assert failed.reason is not None
    assert failed.reason.startswith("the budget of 1 LLM tokens is spent")
    assert failed.reason.endswith("before any member did its part")
    assert failed.tasks == []


async def test_a_moderator_whose_llm_is_unreachable_falls_back_to_rules_and_still_concludes(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script(rules=[Rule("", "the model is down", status=503)])
    async with network(nats_url, subject_root, tmp_path, script) as net:
        async with Connection(net.settings, "gateway") as conn:
            state = await finish(
                conn,
                StartConversation(
                    goal="Compute 12*(3+4)", policy="moderated", required=["calculator"]
                ),
            )
            messages = await group_messages(conn, state.group or "")
    assert state.state == "concluded", state.reason
    assert any("MODERATOR MOVE" in str(r["messages"]) for r in script.requests)
    asked = [m for m in messages if m["type"] == "chat_message" and m["sender"] == "coordinator"]
    assert asked[-1]["body"]["next_speakers"] == ["calculator"]  # the round-robin move
    answer = next(m for m in messages if m["sender"] == "calculator")
    assert answer["in_reply_to"] == asked[-1]["id"] and "84" in answer["body"]["text"]
    assert messages[-1]["type"] == "conclusion" and "84" in messages[-1]["body"]["text"]


class Delegator(Agent):
    """Hands every task to a sub-team whose goal it can do itself."""

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        await self.request_sub_team(env, "xylophone", max_team=1)
        return None


async def test_a_sub_team_past_the_depth_limit_is_refused_and_the_task_fails_with_the_reason(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        await net.add(Delegator(card("lead-a", "xylophone"), net.settings))
        await net.add(Delegator(card("lead-b", "xylophone"), net.settings))
        async with Connection(net.settings, "gateway") as conn:
            parent = await finish(
                conn, StartConversation(goal="xylophone", required=["lead-a"], max_team=1, depth=1)
            )
            child = await wait_for(conn, parent.children[0])
    # lead-a's sub-team (depth 1 → 0) has lead-b, whose own request is one level too deep.
    assert [m.agent for m in child.members] == ["lead-b"]
    assert child.state == "failed" and child.children == []
    refusal = "may not nest sub-teams any deeper"
    assert child.tasks[0].outcome == "failed" and refusal in (child.tasks[0].result or "")
    assert parent.state == "failed"
    assert parent.tasks[0].result == f"the sub-team failed: {child.reason}"
    assert refusal in (parent.reason or "")


async def test_a_team_search_waits_out_a_registry_restart_and_then_gives_up(
    nats_url: str, subject_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A registry briefly out of reach (restarting, its NATS node failing over) is
    asked again: a team formed without its answer would silently lack a member. One
    that stays away past the retry window fails the step, which the scheduler retries."""
    common: dict[str, Any] = {
        "nats_url": nats_url,
        "subject_root": subject_root,
        "log_format": "json",
    }
    registry = RegistrySettings(**common, database_url=f"sqlite:///{tmp_path}/r.db")
    async with Connection(ServiceSettings(**common), "coordinator") as conn:
        async with serve_registry(registry), Connection(ServiceSettings(**common), "adder") as a:
            await a.request(
                REGISTRY, "register", Register(card=card("adder", "arithmetic"), lease_seconds=120)
            )
        team = TeamFormer(conn, None)
        search = asyncio.create_task(team.search(["arithmetic"]))
        await asyncio.sleep(1.5)
        assert not search.done()  # still asking
        async with serve_registry(registry):
            found = await search
        assert [c.card.id for c in found.by_query["arithmetic"]] == ["adder"]

        monkeypatch.setattr(team_module, "SEARCH_RETRY_SECONDS", 1.0)
        with pytest.raises(Unavailable):
            await team.search(["arithmetic"])
