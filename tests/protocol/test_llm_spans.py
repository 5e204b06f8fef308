"""Every model call is a GenAI CLIENT span (``protocol.llm.genai_call``): chat completions
and both embedders, against the scripted OpenAI-compatible servers over real HTTP."""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from protocol.llm import Llm, LlmSettings
from registry.embeddings import OpenAIEmbedder
from services.agents.docs.embeddings import EndpointEmbedder as DocsEmbedder
from tests.support.scripted_embeddings import Concepts, scripted_embeddings
from tests.support.scripted_llm import Script, scripted_llm
from tests.support.spans import collected, in_trace

tracer = trace.get_tracer("test")


async def traced(call: Callable[[], Awaitable[Any]]) -> list[Any]:
    """Run ``call`` inside a span of its own; the spans of that trace, the call's first."""
    collected()
    with tracer.start_as_current_span("test") as parent:
        await call()
    spans = [s for s in in_trace(parent.get_span_context().trace_id) if s.name != "test"]
    assert spans and all(s.parent and s.parent.span_id for s in spans)
    return spans


async def test_a_chat_completion_is_a_client_span_with_model_and_tokens() -> None:
    with scripted_llm(Script(default="four words of answer")) as url:
        llm = Llm(LlmSettings(openai_base_url=url, model="scripted"))
        try:
            spans = await traced(
                lambda: llm.complete([{"role": "user", "content": "hi"}], max_tokens=20)
            )
        finally:
            await llm.close()
    (span,) = spans
    assert span.name == "chat scripted" and span.kind == SpanKind.CLIENT
    attrs = dict(span.attributes or {})
    assert attrs["gen_ai.operation.name"] == "chat"
    assert attrs["gen_ai.request.model"] == "scripted"
    assert attrs["gen_ai.request.max_tokens"] == 20
    assert attrs["gen_ai.usage.input_tokens"] == 10
    assert attrs["gen_ai.usage.output_tokens"] == 4
    assert attrs["server.address"] == "127.0.0.1"


@pytest.mark.parametrize("embedder", [OpenAIEmbedder, DocsEmbedder])
async def test_an_embeddings_call_is_a_client_span_with_model_and_tokens(embedder: Any) -> None:
    concepts = Concepts(groups=[["doctor", "physician"]])
    with scripted_embeddings(concepts) as url:
        model = embedder(url, "scripted-embed", "none")
        try:
            spans = await traced(lambda: model.embed(["a doctor", "a physician"]))
        finally:
            await (model.aclose() if isinstance(model, OpenAIEmbedder) else model.close())
    (span,) = spans
    assert span.name == "embeddings scripted-embed" and span.kind == SpanKind.CLIENT
    attrs = dict(span.attributes or {})
    assert attrs["gen_ai.operation.name"] == "embeddings"
    assert attrs["gen_ai.request.model"] == "scripted-embed"
    assert attrs["gen_ai.usage.input_tokens"] > 0
    assert attrs["server.port"] == int(url.split(":")[2].split("/")[0])
