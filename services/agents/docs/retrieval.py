"""Find the passages that answer a question: BM25, fused with embeddings when available.

A passage counts as relevant only on evidence: it shares enough of the
question's words (at least two distinct terms, or the only one), or, with
embeddings, its cosine similarity passes a threshold. No relevant passage
means no answer, never a guess.
"""

import asyncio
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import structlog

from services.agents.docs.bm25 import Bm25, tokens
from services.agents.docs.chunks import Chunk, chunk_folder, document_files
from services.agents.docs.embeddings import Embedder, EmbeddingsUnavailable

log = structlog.get_logger("ioa.docs")
RRF_K = 60


@dataclass(slots=True)
class Hit:
    chunk: Chunk
    score: float
    lexical: float
    semantic: float | None


class Library:
    """The passages of one folder, indexed; rebuilt when a file changes."""

    def __init__(
        self,
        folder: Path,
        embedder: Embedder | None = None,
        *,
        min_similarity: float = 0.5,
        max_chunk_chars: int = 1200,
    ) -> None:
        self.folder = folder
        self.embedder = embedder
        self.min_similarity = min_similarity
        self.max_chunk_chars = max_chunk_chars
        self.chunks: list[Chunk] = []
        self._bm25 = Bm25([])
        self._vectors: np.ndarray | None = None
        self._stamp: tuple[tuple[str, float, int], ...] | None = None
        self._lock = asyncio.Lock()

    def _current_stamp(self) -> tuple[tuple[str, float, int], ...]:
        files = document_files(self.folder) if self.folder.is_dir() else []
        return tuple((str(p), p.stat().st_mtime, p.stat().st_size) for p in files)

    def stale(self) -> bool:
        return self._stamp != self._current_stamp()

    async def refresh(self) -> bool:
        """Index the folder again if it changed; ``True`` when it did."""
        async with self._lock:
            stamp = await asyncio.to_thread(self._current_stamp)
            if stamp == self._stamp:
                return False
            chunks = await asyncio.to_thread(chunk_folder, self.folder, self.max_chunk_chars)
            bm25 = Bm25([tokens(f"{c.heading}\n{c.text}") for c in chunks])
            vectors = None
            if self.embedder is not None and chunks:
                try:
                    vectors = await self.embedder.embed([f"{c.heading}\n{c.text}" for c in chunks])
                except EmbeddingsUnavailable as exc:
                    log.warning("embeddings unavailable; BM25 only", error=str(exc))
            self.chunks, self._bm25, self._vectors, self._stamp = chunks, bm25, vectors, stamp
            log.info("documents indexed", folder=str(self.folder), chunks=len(chunks))
            return True

    async def search(self, question: str, limit: int = 4) -> list[Hit]:
        """The relevant passages, best first (empty when nothing is relevant)."""
        terms = tokens(question)
        distinct = len(set(terms))
        lexical = self._bm25.rank(terms, limit=50) if terms else []
        needed = min(2, distinct)
        relevant = {s.index: s.score for s in lexical if distinct and s.matched >= needed}
        ranks = {s.index: r for r, s in enumerate(lexical)}
        similarity: dict[int, float] = {}
        if self._vectors is not None and self.embedder is not None:
            try:
                query = (await self.embedder.embed([question]))[0]
            except EmbeddingsUnavailable as exc:
                log.warning("question not embedded; BM25 only", error=str(exc))
            else:
                sims = self._vectors @ query
                for i in np.argsort(-sims)[:50]:
                    similarity[int(i)] = float(sims[i])
                    if sims[i] >= self.min_similarity:
                        relevant.setdefault(int(i), 0.0)
        semantic_ranks = {i: r for r, i in enumerate(similarity)}
        hits = []
        for i in relevant:
            # Reciprocal rank fusion: robust to the two scores' different scales.
            score = 1 / (RRF_K + ranks.get(i, 1000))
            if similarity:
                score += 1 / (RRF_K + semantic_ranks.get(i, 1000))
            hits.append(Hit(self.chunks[i], score, relevant[i], similarity.get(i)))
        hits.sort(key=lambda h: -h.score)
        return hits[:limit]
