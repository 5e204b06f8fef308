"""One conversation is one trace: the user's request, team formation, a nested sub-team and
an asynchronous task that finishes later all form a single tree of spans, with no orphans.

Everything is real and runs in this process (gateway over HTTP, coordinator, registry,
chat, the member agents, all on the session's nats-server); only the LLM is scripted.
Spans are collected in memory by the OpenTelemetry SDK, as an exporter would see them.
"""

import asyncio
from pathlib import Path
from typing import Any

import httpx
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from gateway.settings import GatewaySettings
from ioa import nats_server
from protocol.kinds import TERMINAL_STATES
from tests.gateway.conftest import bearer, make_key, running_gateway
from tests.services.coordinator.network import Drafter, Lead, card, network
from tests.support.scripted_llm import Rule, Script
from tests.support.spans import collected, in_trace

SCRIPT = Script(
    rules=[
        Rule(
            "MODERATOR MOVE",
            '{"move": "assign_async", "agent": "drafter", "text": "Draft a customer note."}',
            then=[
                '{"move": "assign", "agent": "lead", "text": "Work out 12*(3+4)."}',
                '{"move": "pause"}',
                '{"move": "conclude"}',
            ],
        ),
        Rule("CONCLUSION", "84, and a note for the customer."),
    ]
)


def attrs(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def orphans(spans: list[ReadableSpan]) -> list[str]:
    ids = {s.context.span_id for s in spans if s.context}
    return [s.name for s in spans if s.parent is not None and s.parent.span_id not in ids]


async def settled_trace(trace_id: int, conversations: set[str]) -> list[ReadableSpan]:
    """The trace's spans once both conversations' drivers have ended and nothing dangles."""
    spans: list[ReadableSpan] = []
    for _ in range(100):
        spans = in_trace(trace_id)
        driven = {attrs(s).get("ioa.conversation") for s in spans if s.name == "drive conversation"}
        if driven >= conversations and not orphans(spans):
            return spans
        await asyncio.sleep(0.1)
    return spans


async def test_a_conversation_with_a_sub_team_and_an_async_task_is_one_tree_of_spans(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    collected()
    async with network(nats_url, subject_root, tmp_path, SCRIPT) as net:
        await net.add(Drafter(card("drafter", "draft"), net.settings))
        await net.add(Lead(card("lead", "xylophone"), net.settings))
        settings = GatewaySettings(
            database_url=f"sqlite:///{tmp_path}/gateway.db",
            nats_url=nats_url,
            subject_root=subject_root,
            log_format="json",
            port=nats_server.free_port(),
            shutdown_grace_seconds=1,
        )
        key = make_key(settings)
        async with (
            running_gateway(settings) as url,
            httpx.AsyncClient(base_url=url, headers=bearer(key), timeout=20) as client,
        ):
            started = await client.post(
                "/v1/conversations",
                json={
                    "goal": "Sums and a note for a customer",
                    "policy": "moderated",
                    "required": ["drafter", "lead"],
                    "max_team": 2,
                },
            )
            assert started.status_code == 201, started.text
            conversation, trace_id = started.json()["conversation"], started.json()["trace_id"]
            state: dict[str, Any] = {}
            for _ in range(300):
                state = (await client.get(f"/v1/conversations/{conversation}")).json()
                if state["state"] in TERMINAL_STATES:
                    break
                await asyncio.sleep(0.1)
            assert state["state"] == "concluded", state
            (child,) = state["children"]
            spans = await settled_trace(int(trace_id, 16), {conversation, child})

    # One tree: a single root, the gateway's request, and every other span's parent in it.
    roots = [s for s in spans if s.parent is None]
    assert [(s.name, s.kind) for s in roots] == [("POST /v1/conversations", SpanKind.SERVER)]
    assert orphans(spans) == []
    names = {s.name for s in spans}
    for part in (
        "process coordinator.start",
        "process registry.search",
        "process chat.post",
        "process coordinator.sub_team",
        "process inbox drafter",
        "process inbox lead",
        "process inbox calculator",
        "registry search",  # its stages and their statements below it
        "lexical search",
        "SELECT api_keys",  # the gateway's key check
    ):
        assert part in names, f"no {part!r} span in the trace"
    driven = {attrs(s)["ioa.conversation"] for s in spans if s.name == "drive conversation"}
    assert driven == {conversation, child}, "the sub-team is not in the parent's trace"

    # Nothing done for these conversations was traced anywhere else.
    ours = {s.context.span_id for s in spans if s.context}
    elsewhere = [
        s.name
        for s in collected().get_finished_spans()
        if attrs(s).get("ioa.conversation") in (conversation, child)
        and (s.name.startswith(("process inbox", "fanout")) or s.name == "drive conversation")
        and s.context is not None
        and s.context.span_id not in ours
    ]
    assert elsewhere == []

    # The async task's result arrived after the flow had moved on, still in the trace.
    drafted = [
        s
        for s in spans
        if s.name == "send chat.post"
        and attrs(s).get("ioa.sender") == "drafter"
        and attrs(s)["ioa.message.type"] == "task_result"
    ]
    assert len(drafted) == 1

    # Messaging conventions on every message span.
    messaging = [s for s in spans if s.kind in (SpanKind.PRODUCER, SpanKind.CONSUMER)]
    assert len(messaging) > 20
    for span in messaging:
        a = attrs(span)
        assert a["messaging.system"] == "nats", span.name
        assert a["messaging.destination.name"].startswith(subject_root), span.name
    for span in (s for s in messaging if s.name.startswith("process inbox")):
        a = attrs(span)
        assert a["messaging.message.id"] and a["ioa.conversation"] in (conversation, child)
    # GenAI conventions on every LLM call.
    llm = [s for s in spans if s.name.startswith("chat ")]
    assert llm, "no LLM call in the trace"
    for span in llm:
        a = attrs(span)
        assert span.kind == SpanKind.CLIENT
        assert a["gen_ai.operation.name"] == "chat"
        assert a["gen_ai.request.model"] == "scripted"
        assert a["gen_ai.usage.input_tokens"] == 10 and a["gen_ai.usage.output_tokens"] > 0
