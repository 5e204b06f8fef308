"""People as members, on the real stack (registry, chat, coordinator, agents; only the
LLM is scripted): a person registers a card through the gateway, is invited, accepts,
gets a task and answers it over HTTP; the conversation waits for them within its own
deadline, and a person answers only what was asked of them.

The network is shared by the session, so every person here has skills no other test's
goal mentions, and takes their card away at the end.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from gateway.people import item_of
from ioa import nats_server
from protocol.envelope import Envelope
from protocol.inbox import consumer_name
from protocol.kinds import (
    CancelConversation,
    ChatMessage,
    StartConversation,
    TaskAssign,
    TeamInvite,
)
from protocol.streams import inbox_stream
from tests.gateway.conftest import (
    Gatekeeper,
    Stack,
    gateway_before,
    running_gateway,
    wait_for_state,
)
from tests.services.coordinator.network import Network, start

CARD = {
    "description": "zymurgy and quillwork",
    "skills": [{"id": "zymurgy", "name": "zymurgy", "tags": ["zymurgy", "quillwork"]}],
}


@contextlib.asynccontextmanager
async def person(stack: Stack, name: str) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    """A person with a card registered through the gateway, removed afterwards."""
    async with stack.client(stack.key_for(name)) as http:
        registered = await http.put("/v1/me/card", json=CARD)
        assert registered.status_code == 200, registered.text
        try:
            yield stack.user(name), http
        finally:
            await http.delete("/v1/me/card")


async def waiting(http: httpx.AsyncClient, kind: str, seconds: float = 20) -> dict[str, Any]:
    """The first pending item of ``kind``, once there is one."""
    for _ in range(int(seconds * 5)):
        items = (await http.get("/v1/me/pending")).json()["items"]
        found = [item for item in items if item["kind"] == kind]
        if found:
            return found[0]
        await asyncio.sleep(0.2)
    raise AssertionError(f"no {kind} waited for an answer within {seconds} s")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_a_person_is_invited_accepts_answers_a_task_and_the_conclusion_has_their_answer(
    stack: Stack,
) -> None:
    goal = "Zymurgy: is this brew ready?"
    async with person(stack, "ada") as (ada, ada_http), stack.client() as alice:
        found = (await alice.get("/v1/agents", params={"q": "zymurgy"})).json()
        started = await alice.post(
            "/v1/conversations", json={"goal": goal, "required": [ada], "max_team": 1}
        )
        conversation = started.json()["id"]
        invite = await waiting(ada_http, "invite")
        accepted = await ada_http.post(f"/v1/me/pending/{invite['id']}", json={"action": "accept"})
        task = await waiting(ada_http, "task")
        answered = await ada_http.post(
            f"/v1/me/pending/{task['id']}", json={"action": "result", "text": "Ready in 3 days."}
        )
        again = await ada_http.post(
            f"/v1/me/pending/{task['id']}", json={"action": "result", "text": "twice"}
        )
        state = await wait_for_state(alice, conversation, "concluded", "failed")
        left = (await ada_http.get("/v1/me/pending")).json()["items"]

    hit = next(h for h in found if h["card"]["id"] == ada)
    assert hit["card"]["human"] is True and hit["online"] is True
    assert invite["conversation"] == conversation and invite["answers"] == ["accept", "decline"]
    # A person has the conversation's time (300 s by default), not an agent's 5 s.
    deadline = at(started.json()["created_at"]) + timedelta(seconds=300)
    assert abs(at(invite["deadline"]) - deadline) < timedelta(seconds=2)
    assert abs(at(task["deadline"]) - deadline) < timedelta(seconds=2)
    assert accepted.status_code == 200, accepted.text
    assert task["conversation"] == conversation and task["body"]["inputs"]["goal"] == goal
    assert answered.status_code == 200 and answered.json()["seq"] > 0
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert state["state"] == "concluded", state
    assert [m["agent"] for m in state["members"]] == [ada]
    assert state["tasks"][0]["outcome"] == "done"
    assert f"{ada}: Ready in 3 days." in state["conclusion"]
    assert left == []


async def test_a_person_asked_to_speak_replies_and_the_conclusion_has_their_words(
    stack: Stack,
) -> None:
    ask = {"goal": "zymurgy", "max_team": 1, "policy": "round_robin"}
    async with person(stack, "ada") as (ada, ada_http), stack.client() as alice:
        started = await alice.post("/v1/conversations", json={**ask, "required": [ada]})
        conversation = started.json()["id"]
        invite = await waiting(ada_http, "invite")
        await ada_http.post(f"/v1/me/pending/{invite['id']}", json={"action": "accept"})
        turn = await waiting(ada_http, "turn")
        replied = await ada_http.post(
            f"/v1/me/pending/{turn['id']}", json={"action": "reply", "text": "Rack it now."}
        )
        state = await wait_for_state(alice, conversation, "concluded", "failed")
        log = (await alice.get(f"/v1/conversations/{conversation}/messages")).json()["messages"]

    assert turn["sender"] == "coordinator" and turn["answers"] == ["reply"]
    assert replied.status_code == 200, replied.text
    reply = next(m["envelope"] for m in log if m["envelope"]["sender"] == ada)
    assert reply["in_reply_to"] == turn["id"] and reply["body"]["text"] == "Rack it now."
    assert state["state"] == "concluded", state
    assert f"{ada}: Rack it now." in state["conclusion"]


async def test_a_person_cannot_answer_someone_elses_task(stack: Stack) -> None:
    async with (
        person(stack, "ada") as (ada, ada_http),
        person(stack, "bob") as (_, bob_http),
        stack.client() as alice,
    ):
        started = await alice.post(
            "/v1/conversations", json={"goal": "zymurgy", "required": [ada], "max_team": 1}
        )
        conversation = started.json()["id"]
        invite = await waiting(ada_http, "invite")
        await ada_http.post(f"/v1/me/pending/{invite['id']}", json={"action": "accept"})
        task = await waiting(ada_http, "task")
        stolen = await bob_http.post(
            f"/v1/me/pending/{task['id']}", json={"action": "result", "text": "mine now"}
        )
        wrong = await ada_http.post(f"/v1/me/pending/{task['id']}", json={"action": "accept"})
        state = (await alice.get(f"/v1/conversations/{conversation}")).json()
        await alice.post(f"/v1/conversations/{conversation}/cancel", json={})
        bob_sees = (await bob_http.get("/v1/me/pending")).json()["items"]

    assert stolen.status_code == 404 and stolen.json()["code"] == "not_found"
    assert wrong.status_code == 422  # a task is answered with a result or a failure
    assert [(t["assignee"], t["outcome"]) for t in state["tasks"]] == [(ada, "pending")]
    assert bob_sees == []


async def test_a_person_who_never_answers_ends_the_conversation_with_a_reason_naming_them(
    stack: Stack,
) -> None:
    # An agent's turn would be over after 1 s and its task reassigned or failed; a
    # person's lasts as long as the conversation may.
    budget = {"max_seconds": 4, "turn_seconds": 1}
    async with person(stack, "ada") as (ada, ada_http), stack.client() as alice:
        started = await alice.post(
            "/v1/conversations",
            json={"goal": "zymurgy", "required": [ada], "max_team": 1, "budget": budget},
        )
        conversation = started.json()["id"]
        invite = await waiting(ada_http, "invite")
        await ada_http.post(f"/v1/me/pending/{invite['id']}", json={"action": "accept"})
        task = await waiting(ada_http, "task")
        state = await wait_for_state(alice, conversation, "failed", "concluded", seconds=15)
        left = (await ada_http.get("/v1/me/pending")).json()["items"]
        late = await ada_http.post(
            f"/v1/me/pending/{task['id']}", json={"action": "result", "text": "too late"}
        )

    assert state["state"] == "failed"
    assert state["reason"] == (
        f"ran out of time: the budget is 4 s; still waiting for {ada} (task {task['task_id']})"
    )
    assert left == []
    assert late.status_code == 409 and "the conversation is failed" in late.json()["detail"]


async def test_what_comes_for_a_person_while_no_gateway_runs_waits_for_the_next_one(
    shared_network: tuple[Network, Gatekeeper], tmp_path: Path
) -> None:
    net, _ = shared_network
    async with gateway_before(net, tmp_path) as first:
        key = first.key_for("ada")
        async with first.client(key) as http:
            assert (await http.put("/v1/me/card", json=CARD)).status_code == 200
    ada = first.user("ada")
    async with first.probe() as conn:
        conversation = await start(
            conn, StartConversation(goal="zymurgy", required=[ada], max_team=1)
        )
        for _ in range(100):  # the invitation is in the inbox, and no gateway reads it
            info = await conn.js.consumer_info(inbox_stream(conn.subjects).name, consumer_name(ada))
            if info.num_pending:
                break
            await asyncio.sleep(0.1)
        second = first.settings.model_copy(update={"port": nats_server.free_port()})
        async with (
            running_gateway(second) as url,
            httpx.AsyncClient(
                base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=20
            ) as http,
        ):
            invite = await waiting(http, "invite")
            accepted = await http.post(f"/v1/me/pending/{invite['id']}", json={"action": "accept"})
            await http.delete("/v1/me/card")
        await conn.request("coordinator", "cancel", CancelConversation(conversation=conversation))

    assert info.num_pending == 1
    assert invite["conversation"] == conversation
    assert accepted.status_code == 200, accepted.text


def test_only_what_asks_the_person_becomes_a_pending_item() -> None:
    def env(body: Any, sender: str = "coordinator") -> Envelope[Any]:
        return Envelope.of(body, sender=sender, conversation="c1", group="c1")

    ada = "user:ada"
    invite = TeamInvite(conversation="c1", goal="zymurgy")
    mine = TaskAssign(task_id="c1-t1", assignee=ada, description="taste it")
    theirs = TaskAssign(task_id="c1-t2", assignee="calculator", description="add it up")
    asked = ChatMessage(text="ready?", next_speakers=[ada])
    said = ChatMessage(text="cheers")
    kinds = [
        (item.kind if (item := item_of(ada, e)) else None)
        for e in (env(invite), env(mine), env(theirs), env(asked), env(said), env(asked, ada))
    ]
    assert kinds == ["invite", "task", None, "turn", None, None]
