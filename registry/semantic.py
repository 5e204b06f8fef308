"""Semantic search: card embeddings kept in the database, searched in memory.

A background task embeds every card that has no current embedding (new or
changed cards, by any replica) in batches, so registering never waits for a
model. Each search compares the need's embedding with a matrix of every
stored vector; the matrix is reloaded only when the stored embeddings changed
(their count or newest write time), so the database stays the source of truth.
"""

import asyncio
import contextlib
from collections import OrderedDict
from types import TracebackType
from typing import Self

import numpy as np
import structlog

from registry.cardtext import fields_of
from registry.embeddings import Embedder
from registry.store import Store

log = structlog.get_logger("ioa.registry.semantic")

_QUERY_CACHE = 512


class SemanticIndex:
    """Embeds cards in the background and answers nearest-card queries."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        *,
        batch: int = 64,
        poll_seconds: float = 1.0,
        owns_embedder: bool = True,
    ) -> None:
        self.store = store
        self.owns_embedder = owns_embedder
        self.embedder = embedder
        self.batch = batch
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._version: tuple[int, float] | None = None
        self._agents: list[str] = []
        self._matrix = np.zeros((0, 0), dtype=np.float32)
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._reload = asyncio.Lock()

    @property
    def model(self) -> str:
        return self.embedder.model

    def notify(self) -> None:
        """A card changed: embed it soon."""
        self._wake.set()

    async def embed_pending(self) -> int:
        """Embed every card without a current embedding; return how many were embedded."""
        done = 0
        while pending := await self.store.unembedded(self.model, self.batch):
            vectors = await self.embedder.embed(
                [fields_of(card).as_text() for _, _, card in pending]
            )
            await self.store.save_embeddings(
                self.model,
                [
                    (agent, digest, vector.tobytes())
                    for (agent, digest, _), vector in zip(pending, vectors, strict=True)
                ],
            )
            done += len(pending)
        return done

    async def nearest(self, text: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` cards most similar to ``text``: (agent, cosine similarity), best first."""
        await self._refresh()
        if not self._agents or not text.strip():
            return []
        query = await self._embed_query(text)
        if query.shape[0] != self._matrix.shape[1]:
            log.warning("query and card embeddings differ in size; was the model changed?")
            return []
        similarity = self._matrix @ query
        k = min(k, len(self._agents))
        top = np.argpartition(-similarity, k - 1)[:k]
        top = top[np.argsort(-similarity[top])]
        return [(self._agents[i], float(similarity[i])) for i in top]

    async def _embed_query(self, text: str) -> np.ndarray:
        cached = self._queries.get(text)
        if cached is not None:
            self._queries.move_to_end(text)
            return cached
        vector: np.ndarray = (await self.embedder.embed([text]))[0]
        self._queries[text] = vector
        if len(self._queries) > _QUERY_CACHE:
            self._queries.popitem(last=False)
        return vector

    async def _refresh(self) -> None:
        version = await self.store.vectors_version(self.model)
        if version == self._version:
            return
        async with self._reload:
            if version == self._version:
                return
            stored = await self.store.vectors(self.model)
            self._agents = stored.agents
            self._matrix = (
                np.frombuffer(b"".join(stored.vectors), dtype=np.float32).reshape(
                    len(stored.agents), -1
                )
                if stored.vectors
                else np.zeros((0, 0), dtype=np.float32)
            )
            self._version = stored.version

    async def _run(self) -> None:
        while True:
            try:
                embedded = await self.embed_pending()
                if embedded:
                    log.info("cards embedded", count=embedded, model=self.model)
            except Exception:
                # An unreachable endpoint must not stop the loop; lexical search goes on.
                log.exception("embedding cards failed; retrying")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                # Other replicas register cards too: look again now and then.
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._run(), name="registry-embedder")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.owns_embedder:
            await self.embedder.aclose()
