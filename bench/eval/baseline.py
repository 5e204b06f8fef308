"""The baseline: the same goal sent straight to the same model, with no team (one
OpenAI-compatible chat completion through ``protocol.llm``, the agents' own path)."""

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import SecretStr

from ioa import local_llm
from ioa.runfile import RunInfo
from protocol.llm import Llm, LlmSettings

MAX_TOKENS = 400
TIMEOUT = 180.0


@dataclass(frozen=True, slots=True)
class ModelAnswer:
    text: str | None
    seconds: float
    error: str | None = None
    tokens: int = 0


def model_settings(info: RunInfo, environ: Mapping[str, str] = os.environ) -> LlmSettings:
    """The model the run's agents use: ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY`` /
    ``IOA_LLM_MODEL`` when set (as ``ioa up`` does), else the local server it started."""
    if environ.get("OPENAI_BASE_URL"):
        return LlmSettings(timeout=TIMEOUT)
    if not info.llm_url:
        raise RuntimeError(
            "this 'ioa up' runs no model (started with --llm none?); set OPENAI_BASE_URL "
            "or install the local one with 'make install-llm'"
        )
    return LlmSettings(
        openai_base_url=info.llm_url,
        openai_api_key=SecretStr("local"),
        model=local_llm.MODEL_ALIAS,
        timeout=TIMEOUT,
    )


def model_name(settings: LlmSettings) -> str:
    """The model's name for the results; the local one with its GGUF file."""
    if settings.model == local_llm.MODEL_ALIAS:
        try:
            return f"{settings.model} ({local_llm.find_gguf().name})"
        except local_llm.LocalLlmMissing:
            pass
    return settings.model


async def ask_model(llm: Llm, goal: str) -> ModelAnswer:
    """One completion of ``goal`` as the only (user) message, temperature 0."""
    from openai import APIError

    began = time.monotonic()
    try:
        done = await llm.complete(
            [{"role": "user", "content": goal}], max_tokens=MAX_TOKENS, temperature=0.0
        )
    except APIError as exc:
        return ModelAnswer(None, time.monotonic() - began, error=f"the model failed: {exc}")
    return ModelAnswer(
        done.text, time.monotonic() - began, tokens=done.prompt_tokens + done.completion_tokens
    )
