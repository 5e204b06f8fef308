"""Capability search: lexical (the database's full-text index), semantic (embeddings)
and both fused by reciprocal rank fusion.

- No query terms: every agent passing the filters, by name, score 0.
- Lexical only (no embedder configured): BM25 order; ``score`` is the BM25 score.
- With an embedder: the lexical and the semantic top lists are fused (RRF);
  ``score`` is the fused score and each hit also says its ``lexical_score``
  and ``semantic_score`` (cosine similarity), so a caller can explain a choice.

Each search is a span (``registry search``) with one child per stage:
``lexical search``, ``semantic search`` (with the query's embedding call, when
not cached) and ``fusion``; the database statements are children of the stage
that ran them.
"""

from dataclasses import dataclass

from opentelemetry import trace

from protocol.kinds import Search, SearchHit
from registry.cardtext import query_terms
from registry.fusion import fuse
from registry.semantic import SemanticIndex
from registry.store import AgentRow, Filters, Store

# How deep each ranker looks before fusing, relative to the hits asked for.
_DEPTH = 4
_MIN_DEPTH = 40

tracer = trace.get_tracer("ioa.registry")


@dataclass(slots=True)
class Searcher:
    store: Store
    semantic: SemanticIndex | None = None
    min_similarity: float = 0.2

    async def search(self, search: Search) -> list[SearchHit]:
        with tracer.start_as_current_span(
            "registry search", attributes={"ioa.search.limit": search.limit}
        ) as span:
            hits = await self._search(search)
            span.set_attribute("ioa.search.hits", len(hits))
            return hits

    async def _search(self, search: Search) -> list[SearchHit]:
        filters = Filters(
            online_only=search.online_only,
            skills=search.skills,
            tags=search.tags,
            protocol_version=search.protocol_version,
        )
        terms = query_terms(search.query)
        if not terms:
            with tracer.start_as_current_span("listing"):
                rows = await self.store.listing(filters, search.limit)
            return [SearchHit(card=r.card, online=r.online, score=0.0) for r in rows]
        # Fusion looks deeper than the hits it returns; lexical ranking alone needs no more.
        depth = max(search.limit * _DEPTH, _MIN_DEPTH) if self.semantic else search.limit
        with tracer.start_as_current_span(
            "lexical search", attributes={"ioa.search.terms": len(terms)}
        ) as span:
            lexical = await self.store.lexical(terms, filters, depth)
            span.set_attribute("ioa.search.found", len(lexical))
        if self.semantic is None:
            return [
                SearchHit(
                    card=s.row.card,
                    online=s.row.online,
                    score=round(s.score, 6),
                    lexical_score=round(s.score, 6),
                )
                for s in lexical[: search.limit]
            ]
        rows: dict[str, AgentRow] = {s.row.card.id: s.row for s in lexical}
        lexical_scores = {s.row.card.id: s.score for s in lexical}
        with tracer.start_as_current_span(
            "semantic search", attributes={"gen_ai.request.model": self.semantic.model}
        ) as span:
            # Nearest cards by meaning; then keep those passing the filters. Looking
            # deeper when filters are set keeps enough candidates after filtering.
            nearest = await self.semantic.nearest(
                search.query, depth * (4 if filters.facets() else 2)
            )
            similar = {a: sim for a, sim in nearest if sim >= self.min_similarity}
            missing = [a for a in similar if a not in rows]
            if missing:
                rows.update(await self.store.rows(missing, filters))
            semantic_ranking = [a for a in similar if a in rows][:depth]
            span.set_attribute("ioa.search.found", len(semantic_ranking))
        with tracer.start_as_current_span("fusion"):
            fused = fuse([[s.row.card.id for s in lexical], semantic_ranking])
        return [
            SearchHit(
                card=rows[agent].card,
                online=rows[agent].online,
                score=round(score, 6),
                lexical_score=_rounded(lexical_scores.get(agent)),
                semantic_score=_rounded(similar.get(agent)),
            )
            for agent, score in fused[: search.limit]
        ]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
