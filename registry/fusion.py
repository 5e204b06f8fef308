"""Reciprocal rank fusion: one ranking out of several, by rank alone.

Scores of different rankers (BM25, cosine similarity) are not comparable; their
ranks are. Each list adds ``1 / (k + rank)`` for every item it contains.

>>> fuse([["a", "b", "c"], ["b", "c"]])[:2]
[('b', 0.03252247488101534), ('c', 0.03200204813108039)]
"""

from collections.abc import Sequence

# The constant of Cormack, Clarke and Büttcher (2009): damps the head of each list.
RRF_K = 60


def fuse(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Items of every ranking, best fused score first (ties: first seen first)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])
