"""Every LLM call goes through here: the ``openai`` client against any
OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, the embedded llama.cpp server).

Small models are weak, so :meth:`Llm.choose` asks for structured output with a
JSON schema and validates the answer with a pydantic model; callers get
``None`` when the answer is unusable and fall back to a deterministic choice.
Both structured-output dialects are spoken: OpenAI's ``json_schema`` and
llama.cpp's ``{"type": "json_object", "schema": ...}``.
"""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import structlog
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind
from pydantic import BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from protocol import deadline, metrics

log = structlog.get_logger("ioa.llm")
tracer = trace.get_tracer("ioa.llm")

M = TypeVar("M", bound=BaseModel)
Dialect = Literal["json_schema", "json_object"]


class LlmSettings(BaseSettings):
    """``OPENAI_BASE_URL``, ``OPENAI_API_KEY`` and ``IOA_LLM_MODEL`` pick the model."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    openai_base_url: str = "http://127.0.0.1:8081/v1"
    openai_api_key: SecretStr = SecretStr("local-llm-needs-no-key")
    model: str = Field(default="smollm2", validation_alias="IOA_LLM_MODEL")
    timeout: float = Field(default=60.0, validation_alias="IOA_LLM_TIMEOUT")
    structured_output: Dialect = Field(
        default="json_schema", validation_alias="IOA_LLM_STRUCTURED_OUTPUT"
    )


@dataclass(slots=True)
class Usage:
    """Tokens spent, added up over calls (a conversation's LLM budget)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(slots=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int


@dataclass(slots=True)
class GenAiCall:
    """One model call in progress: say what it spent with :meth:`spent`."""

    span: Span
    input_tokens: int | None = None
    output_tokens: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    def spent(
        self, input_tokens: int | None, output_tokens: int | None = None, model: str | None = None
    ) -> None:
        self.input_tokens, self.output_tokens = input_tokens, output_tokens
        if input_tokens is not None:
            self.span.set_attribute("gen_ai.usage.input_tokens", input_tokens)
        if output_tokens is not None:
            self.span.set_attribute("gen_ai.usage.output_tokens", output_tokens)
        if model:
            self.span.set_attribute("gen_ai.response.model", model)


@contextmanager
def genai_call(
    operation: Literal["chat", "embeddings"],
    model: str,
    base_url: str | None,
    *,
    provider: str = "openai",
    **request: Any,
) -> Iterator[GenAiCall]:
    """A CLIENT span around one model call, with the GenAI semantic conventions'
    attributes (``request`` adds ``gen_ai.request.<key>``), and the call's latency and
    tokens recorded as metrics. Every model call in ioa, chat or embeddings, over an
    OpenAI-compatible API (``base_url``) or in process (``None``), goes through this."""
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": provider,
        "gen_ai.system": provider,
        "gen_ai.request.model": model,
        **{f"gen_ai.request.{key}": value for key, value in request.items()},
    }
    if base_url is not None:
        url = urlsplit(base_url)
        attributes["server.address"] = url.hostname or base_url
        if url.port:
            attributes["server.port"] = url.port
    with tracer.start_as_current_span(
        f"{operation} {model}", kind=SpanKind.CLIENT, attributes=attributes
    ) as span:
        call = GenAiCall(span)
        started = time.perf_counter()
        try:
            yield call
        except BaseException as exc:
            span.set_attribute("error.type", type(exc).__name__)
            metrics.record_llm_call(
                operation, model, time.perf_counter() - started, provider=provider, error=exc
            )
            raise
        metrics.record_llm_call(
            operation,
            model,
            time.perf_counter() - started,
            provider=provider,
            input_tokens=call.input_tokens,
            output_tokens=call.output_tokens,
        )


class Llm:
    """A small async wrapper around ``openai.AsyncOpenAI`` with spans and fallbacks."""

    def __init__(self, settings: LlmSettings | None = None) -> None:
        from openai import AsyncOpenAI

        self.settings = settings or LlmSettings()
        self._client = AsyncOpenAI(
            base_url=self.settings.openai_base_url,
            api_key=self.settings.openai_api_key.get_secret_value(),
            timeout=self.settings.timeout,
            max_retries=1,
        )
        # Learned at run time: the llama.cpp server rejects OpenAI's json_schema form.
        self._dialect = self.settings.structured_output

    async def close(self) -> None:
        await self._client.close()

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int = 256,
        temperature: float = 0.3,
        response_format: dict[str, Any] | None = None,
        usage: Usage | None = None,
    ) -> Completion:
        """One chat completion, as a CLIENT span with the GenAI attributes. Within a
        :func:`~protocol.deadline.within` block it waits at most what is left of it
        (:class:`~protocol.deadline.Expired` when nothing is), not its own timeout."""
        model = self.settings.model
        wait = deadline.left(self.settings.timeout)
        if wait <= 0:
            raise deadline.Expired("no time is left for a model call")
        with genai_call(
            "chat", model, self.settings.openai_base_url, max_tokens=max_tokens
        ) as call:
            started = time.perf_counter()
            extra: dict[str, Any] = {}
            if response_format is not None:
                extra["response_format"] = response_format
            response = await self._client.chat.completions.create(
                model=model,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=max_tokens,
                temperature=temperature,
                timeout=wait,
                **extra,
            )
            text = (response.choices[0].message.content or "").strip() if response.choices else ""
            spent = response.usage
            completion = Completion(
                text=text,
                prompt_tokens=spent.prompt_tokens if spent else 0,
                completion_tokens=spent.completion_tokens if spent else 0,
            )
            if usage is not None:
                usage.prompt_tokens += completion.prompt_tokens
                usage.completion_tokens += completion.completion_tokens
            call.spent(completion.prompt_tokens, completion.completion_tokens, response.model)
            log.info(
                "llm call",
                model=model,
                seconds=round(time.perf_counter() - started, 3),
                input_tokens=completion.prompt_tokens,
                output_tokens=completion.completion_tokens,
            )
            return completion

    async def choose(
        self,
        messages: list[dict[str, str]],
        schema: type[M],
        *,
        max_tokens: int = 256,
        usage: Usage | None = None,
    ) -> M | None:
        """Ask for a JSON answer matching ``schema``; ``None`` when none usable came back."""
        from openai import APIError

        for dialect in self._dialects():
            try:
                completion = await self.complete(
                    messages,
                    max_tokens=max_tokens,
                    temperature=0.0,
                    response_format=_response_format(dialect, schema),
                    usage=usage,
                )
            except APIError as exc:
                # llama.cpp answers OpenAI's json_schema form with a 500 naming the field.
                if getattr(exc, "status_code", None) in (400, 422) or "response_format" in str(exc):
                    log.info("llm rejected a structured-output form", form=dialect)
                    continue
                log.warning("llm unavailable", error=str(exc))
                return None
            self._dialect = dialect
            try:
                return schema.model_validate_json(_json_part(completion.text))
            except (ValidationError, ValueError) as exc:
                log.info("llm answer unusable", error=str(exc)[:300], text=completion.text[:300])
                return None
        return None

    def _dialects(self) -> list[Dialect]:
        other: Dialect = "json_object" if self._dialect == "json_schema" else "json_schema"
        return [self._dialect, other]


def _response_format(dialect: str, schema: type[BaseModel]) -> dict[str, Any]:
    json_schema = schema.model_json_schema()
    if dialect == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": schema.__name__, "schema": json_schema},
        }
    return {"type": "json_object", "schema": json_schema}


def _json_part(text: str) -> str:
    """The outermost JSON object in ``text`` (models like to wrap it in prose or fences)."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("no JSON object in the answer")
    candidate = text[start : end + 1]
    json.loads(candidate)
    return candidate
