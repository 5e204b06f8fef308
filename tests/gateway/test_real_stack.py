"""The gateway against the real coordinator, chat, registry and agents: listing,
ranked agent search, WebSocket and user-wide feeds, and the OpenAI-compatible door
driven by the official ``openai`` client."""

import asyncio
import json

import openai
import pytest
import websockets

from gateway.auth import SUBPROTOCOL, key_subprotocols
from tests.gateway.conftest import Stack, bearer, wait_for_state

GOAL = "Compute 12*(3+4)"


async def test_a_users_conversations_are_listed_newest_first_paged_and_by_state(
    stack: Stack,
) -> None:
    async with stack.client() as http:
        ids = []
        for n in range(3):
            created = await http.post("/v1/conversations", json={"goal": f"Compute {n}+1"})
            ids.append(created.json()["id"])
        await wait_for_state(http, ids[-1], "concluded", "failed")
        first = (await http.get("/v1/conversations", params={"limit": 2})).json()
        second = (await http.get("/v1/conversations", params={"limit": 2, "offset": 2})).json()
        concluded = (await http.get("/v1/conversations", params={"state": "concluded"})).json()
        async with stack.client(stack.key_for("bob")) as bob:
            bobs = (await bob.get("/v1/conversations")).json()
        one = (await http.get(f"/v1/conversations/{ids[-1]}")).json()

    assert first["total"] == 3
    assert [c["id"] for c in first["conversations"] + second["conversations"]] == ids[::-1]
    assert all(c["state"] == "concluded" for c in concluded["conversations"])
    assert ids[-1] in [c["id"] for c in concluded["conversations"]]
    assert bobs["total"] == 0
    assert one["members"][0]["agent"] == "calculator" and one["members"][0]["reason"]
    assert one["usage"]["turns"] >= 1 and one["usage"]["seconds"] > 0
    assert one["tasks"][0]["outcome"] == "done"


async def test_agents_can_be_searched_with_scores_and_read_one_by_one(stack: Stack) -> None:
    async with stack.client() as http:
        everyone = (await http.get("/v1/agents")).json()
        ranked = (await http.get("/v1/agents", params={"q": "arithmetic calculation"})).json()
        card = await http.get("/v1/agents/calculator")
        missing = await http.get("/v1/agents/nobody-here")

    assert {"calculator", "writer"} <= {h["card"]["id"] for h in everyone}
    assert ranked[0]["card"]["id"] == "calculator" and ranked[0]["score"] > 0
    assert card.status_code == 200 and card.json()["online"] is True
    assert missing.status_code == 404


async def test_websockets_follow_one_conversation_and_all_of_a_users_resumably(
    stack: Stack,
) -> None:
    offered = key_subprotocols(stack.key)  # as a browser sends its key
    async with stack.client() as http:
        ws_base = stack.url.replace("http", "ws")
        async with websockets.connect(f"{ws_base}/v1/ws", subprotocols=offered) as mine:  # type: ignore[arg-type]
            chosen, answered = mine.subprotocol, dict(mine.response.headers)  # type: ignore[union-attr]
            created = await http.post("/v1/conversations", json={"goal": GOAL, "max_team": 1})
            conversation = created.json()["id"]
            states: list[dict] = []
            while not states or states[-1]["data"]["state"] != "concluded":
                frame = json.loads(await asyncio.wait_for(mine.recv(), 20))
                if frame["event"] == "state":
                    states.append(frame)
        url = f"{ws_base}/v1/conversations/{conversation}/ws"
        async with websockets.connect(url, additional_headers=bearer(stack.key)) as one:
            frames = [json.loads(f) async for f in one]
        messages = [f for f in frames if f["event"] == "message"]
        resume_at = messages[1]["id"]
        async with websockets.connect(f"{url}?after={resume_at}", subprotocols=offered) as again:  # type: ignore[arg-type]
            resumed = [json.loads(f) async for f in again]
        async with websockets.connect(
            f"{ws_base}/v1/ws",
            subprotocols=key_subprotocols("wrong"),  # type: ignore[arg-type]
        ) as refused:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await refused.recv()

    assert chosen == SUBPROTOCOL and stack.key not in str(answered)  # only ioa.v1 comes back
    assert {s["data"]["conversation"] for s in states} == {conversation}
    assert [s["id"] for s in states] == sorted(s["id"] for s in states)
    assert frames[-1]["event"] == "end" and frames[-1]["data"]["state"] == "concluded"
    assert messages[-1]["data"]["envelope"]["type"] == "conclusion"
    assert [f["id"] for f in resumed if f["event"] == "message"] == [m["id"] for m in messages[2:]]
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_the_user_feed_over_sse_resumes_after_an_event_id(stack: Stack) -> None:
    async with stack.client() as http:
        created = await http.post("/v1/conversations", json={"goal": GOAL, "max_team": 1})
        conversation = created.json()["id"]
        await wait_for_state(http, conversation, "concluded")
        seen: list[tuple[int, str]] = []
        async with http.stream("GET", "/v1/events", params={"after": 0}) as response:
            event_id = None
            async for line in response.aiter_lines():
                if line.startswith("id: "):
                    event_id = int(line[4:])
                elif line.startswith("data: "):
                    seen.append((event_id or 0, json.loads(line[6:])["state"]))
                    if seen[-1][1] == "concluded":
                        break

    assert seen[-1][1] == "concluded" and len(seen) >= 2
    assert [i for i, _ in seen] == sorted(i for i, _ in seen)


async def test_the_official_openai_client_gets_the_conclusion_with_usage(stack: Stack) -> None:
    async with openai.AsyncOpenAI(base_url=f"{stack.url}/v1", api_key=stack.key) as client:
        answer = await client.chat.completions.create(
            model="agent:calculator", messages=[{"role": "user", "content": GOAL}]
        )
        conversation = answer.id.removeprefix("chatcmpl-")
        follow_up = await client.chat.completions.create(
            model="ioa",
            messages=[{"role": "user", "content": "Compute 84 / 2"}],
            extra_headers={"X-Ioa-Conversation": conversation},
        )
        stream = await client.chat.completions.create(
            model="ioa:sequential",
            messages=[{"role": "user", "content": GOAL}],
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = [chunk async for chunk in stream]
        with pytest.raises(openai.UnprocessableEntityError):
            await client.chat.completions.create(
                model="gpt-4", messages=[{"role": "user", "content": GOAL}]
            )
        with pytest.raises(openai.AuthenticationError):
            await openai.AsyncOpenAI(base_url=f"{stack.url}/v1", api_key="x").models.list()
        models = [m.id async for m in client.models.list()]

    assert "84" in (answer.choices[0].message.content or "")
    assert answer.choices[0].finish_reason == "stop"
    assert answer.usage is not None
    assert answer.usage.prompt_tokens > 0 and answer.usage.completion_tokens > 0
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + answer.usage.completion_tokens
    assert "42" in (follow_up.choices[0].message.content or "")
    assert follow_up.id == answer.id
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "84" in text
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0
    assert {"ioa", "ioa:moderated", "agent:calculator"} <= set(models)


async def test_openai_usage_is_the_conversations_llm_tokens_read_and_written(
    stack: Stack,
) -> None:
    async with openai.AsyncOpenAI(base_url=f"{stack.url}/v1", api_key=stack.key) as client:
        answer = await client.chat.completions.create(
            model="ioa", messages=[{"role": "user", "content": GOAL}]
        )
    async with stack.client() as http:
        state = (await http.get(f"/v1/conversations/{answer.id.removeprefix('chatcmpl-')}")).json()

    assert answer.usage is not None
    # The scripted LLM reads 10 tokens a call and writes one a word: both sides count.
    assert answer.usage.prompt_tokens == state["usage"]["prompt_tokens"] >= 10
    assert answer.usage.completion_tokens == state["usage"]["completion_tokens"] >= 1
    assert answer.usage.total_tokens == state["usage"]["tokens"] == state["tokens"]


async def test_the_openai_system_message_and_earlier_turns_become_part_of_the_goal(
    stack: Stack,
) -> None:
    instructions = "Answer with the number only."
    async with openai.AsyncOpenAI(base_url=f"{stack.url}/v1", api_key=stack.key) as client:
        answer = await client.chat.completions.create(
            model="agent:calculator",
            messages=[
                {"role": "system", "content": instructions},
                {"role": "user", "content": "Compute 2+2"},
                {"role": "assistant", "content": "4"},
                {"role": "user", "content": GOAL},
            ],
        )
        conversation = answer.id.removeprefix("chatcmpl-")
        follow_up = await client.chat.completions.create(
            model="ioa",
            messages=[
                {"role": "system", "content": instructions},
                {"role": "user", "content": GOAL},
                {"role": "assistant", "content": answer.choices[0].message.content or ""},
                {"role": "user", "content": "Compute 84 / 2"},
            ],
            extra_headers={"X-Ioa-Conversation": conversation},
        )
    async with stack.client() as http:
        state = (await http.get(f"/v1/conversations/{conversation}")).json()

    first, second = (task["description"] for task in state["tasks"])
    assert first.startswith(GOAL)
    assert f"Instructions (system message):\n{instructions}" in first
    assert first.endswith("Earlier in this chat:\nuser: Compute 2+2\nassistant: 4")
    assert "84" in (answer.choices[0].message.content or "")
    # A follow-up's earlier turns are the conversation's own history: not repeated.
    assert second == f"Compute 84 / 2\n\nInstructions (system message):\n{instructions}"
    assert "42" in (follow_up.choices[0].message.content or "")
