"""Keyword search over agent cards: Okapi BM25 on :meth:`AgentCard.search_text`.

A pure function over candidates, so a database full-text index (SQLite FTS5,
PostgreSQL ``tsvector``) can replace it later without touching the handlers.

>>> from protocol.kinds import AgentCard, Search
>>> calc = AgentCard(id="calc", name="Calculator", description="exact arithmetic")
>>> poet = AgentCard(id="poet", name="Poet", description="writes poems")
>>> cards = [Candidate(calc, online=True), Candidate(poet, online=True)]
>>> [hit.card.id for hit in rank(cards, Search(query="arithmetic"))]
['calc']
"""

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from protocol.kinds import AgentCard, Search, SearchHit

# BM25's usual constants: term-frequency saturation and length normalisation.
K1 = 1.2
B = 0.75

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOPWORDS = frozenset(
    "a an and are as at be by can do for from has have i in is it me my of on or "
    "please that the this to was what which who will with you your".split()
)


@dataclass(slots=True, frozen=True)
class Candidate:
    """A card a search may return, and whether its agent is online."""

    card: AgentCard
    online: bool


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without stopwords, plurals folded (``agents`` → ``agent``)."""
    return [_fold(word) for word in _WORD.findall(text.lower()) if word not in _STOPWORDS]


def _fold(word: str) -> str:
    # Just enough stemming that "poems" finds "poem"; "ss" endings ("class") stay.
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def matches_filters(card: AgentCard, search: Search) -> bool:
    """True when the card has every skill id and every tag the search asks for.

    Skill ids match exactly; tags match case-insensitively on any of the card's skills.
    """
    skill_ids = {skill.id for skill in card.skills}
    if not set(search.skills) <= skill_ids:
        return False
    tags = {tag.lower() for skill in card.skills for tag in skill.tags}
    return {tag.lower() for tag in search.tags} <= tags


def rank(candidates: Iterable[Candidate], search: Search) -> list[SearchHit]:
    """The hits for ``search``: best score first, at most ``search.limit``.

    With a query, only cards sharing a term with it are hits. An empty query
    (or one of stopwords only) lists every card that passes the filters, with
    score 0, ordered by name.
    """
    pool = [
        c
        for c in candidates
        if (c.online or not search.online_only) and matches_filters(c.card, search)
    ]
    terms = set(tokenize(search.query))
    if not terms:
        pool.sort(key=lambda c: (c.card.name.lower(), c.card.id))
        return [SearchHit(card=c.card, online=c.online, score=0.0) for c in pool[: search.limit]]
    scored = [
        (score, c)
        for c, score in zip(
            pool, bm25(terms, [tokenize(c.card.search_text()) for c in pool]), strict=True
        )
        if score > 0
    ]
    scored.sort(key=lambda item: (-item[0], item[1].card.name.lower(), item[1].card.id))
    return [
        SearchHit(card=c.card, online=c.online, score=round(score, 4))
        for score, c in scored[: search.limit]
    ]


def bm25(terms: set[str], documents: Sequence[list[str]]) -> list[float]:
    """The BM25 score of each tokenized document for the query ``terms``."""
    if not documents:
        return []
    n = len(documents)
    average_length = sum(len(doc) for doc in documents) / n or 1.0
    frequencies = [Counter(doc) for doc in documents]
    document_frequency = {t: sum(1 for tf in frequencies if t in tf) for t in terms}
    # The "+1" form of idf stays positive even for a term every card has.
    idf = {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t, df in document_frequency.items()}
    scores = []
    for doc, tf in zip(documents, frequencies, strict=True):
        norm = K1 * (1 - B + B * len(doc) / average_length)
        scores.append(sum(idf[t] * tf[t] * (K1 + 1) / (tf[t] + norm) for t in terms if t in tf))
    return scores
