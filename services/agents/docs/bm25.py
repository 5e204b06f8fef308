"""Okapi BM25 over passages: lexical ranking with no dependencies."""

import math
import re
from collections import Counter
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9][a-z0-9_]*")
STOPWORDS = frozenset(
    """a an and are as at be by can do does for from how i in is it its of on or that the
    this to was what when where which who why will with you your me my we our there their
    they them these those has have had not no yes if then than so about into over under
    should would could may might must shall get gets got use used using tell explain
    describe please""".split()
)


def tokens(text: str) -> list[str]:
    """Lower-case words without stop words, with a light plural/verb-form stemming."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


@dataclass(slots=True)
class Scored:
    index: int
    score: float
    matched: int
    """How many distinct query terms the passage contains."""


class Bm25:
    """An index of token lists; :meth:`rank` scores a query against every document."""

    def __init__(self, documents: list[list[str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.counts = [Counter(doc) for doc in documents]
        self.lengths = [len(doc) for doc in documents]
        self.average = sum(self.lengths) / len(documents) if documents else 0.0
        frequency: Counter[str] = Counter()
        for counts in self.counts:
            frequency.update(counts.keys())
        n = len(documents)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}

    def rank(self, query: list[str], limit: int = 10) -> list[Scored]:
        terms = set(query)
        scored: list[Scored] = []
        for i, counts in enumerate(self.counts):
            score = 0.0
            matched = 0
            for term in terms:
                tf = counts.get(term, 0)
                if not tf:
                    continue
                matched += 1
                norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / (self.average or 1))
                score += self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
            if score > 0:
                scored.append(Scored(i, score, matched))
        scored.sort(key=lambda s: (-s.score, s.index))
        return scored[:limit]
