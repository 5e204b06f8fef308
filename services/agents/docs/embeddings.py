"""Embedding ranking, when an OpenAI-compatible ``/v1/embeddings`` endpoint is configured.

Kept inside this agent on purpose: agents share only ``protocol/``. Vectors of
the passages are computed once per index build, in batches, and normalised so
that a dot product is the cosine similarity.
"""

from collections.abc import Sequence

import numpy as np

from protocol.llm import genai_call


class EmbeddingsUnavailable(RuntimeError):
    """The embeddings endpoint failed; ranking falls back to BM25 alone."""


class Embedder:
    """Texts to unit vectors through any OpenAI-compatible embeddings endpoint."""

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
        matrix = np.asarray(rows, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms == 0, 1, norms)
