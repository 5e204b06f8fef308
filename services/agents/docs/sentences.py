"""The sentences of the passages that answer a question, and whether a phrasing says
only what they say.

Passages are the facts; a model's phrasing of them is a draft. A figure check alone lets
a small model turn "gift cards cannot be returned" into "return gift card" for a question
about gifts. So the agent picks the passage sentences that best match the question
(BM25 over each sentence with the next of its paragraph) and keeps a phrasing only when
each of its words is one of theirs or the question's; otherwise it quotes them.
"""

import re
from dataclasses import dataclass

from services.agents.docs.bm25 import Bm25, tokens
from services.agents.docs.retrieval import Hit

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_MARKDOWN = re.compile(r"^\s*(?:#+|[-*+]|\d+\.)\s+|[`*|]|(?<!\w)_|_(?!\w)")
"""Markdown's marks; an underscore inside a word is the word's (``unsupported_version``)."""
SECOND_BEST = 0.6
"""A second sentence is quoted too when it scores at least this share of the best."""
_FRAME = frozenset(
    tokens(
        "answer question passage passages document documents according source sources "
        "state states say says mention mentions note also only yes just provided based "
        "information cite cited text given here following"
    )
)
"""Words a phrasing may add around what the passages say."""


@dataclass(frozen=True, slots=True)
class Quote:
    n: int
    """The passage's number in the answer's sources."""
    text: str


def split(text: str) -> list[str]:
    """A passage's sentences, a paragraph's last one marked by a trailing newline;
    markdown marks removed, headings and blank ones dropped."""
    found = []
    for paragraph in re.split(r"\n\s*\n|\n(?=\s*(?:[-*+]|\d+\.)\s)", text):
        if paragraph.lstrip().startswith("#"):
            continue
        flat = " ".join(_MARKDOWN.sub("", row) for row in paragraph.splitlines())
        sentences = [s for s in _SENTENCE.split(" ".join(flat.split())) if len(tokens(s)) >= 2]
        found += [*sentences[:-1], f"{sentences[-1]}\n"] if sentences else []
    return found


def windows(sentences: list[str]) -> list[str]:
    """Each sentence with the next one of its paragraph: an answer often takes two
    ("Descale it every 4 weeks. Fill it with one part vinegar …")."""
    found = []
    for i, sentence in enumerate(sentences):
        if i + 1 < len(sentences) and not sentence.endswith("\n"):
            found.append(f"{sentence} {sentences[i + 1].strip()}")
        else:
            found.append(sentence.strip())
    return found


def answering(question: str, hits: list[Hit]) -> list[Quote]:
    """The one or two passages' sentences (each with the next of its paragraph) that best
    match ``question``, best first. Words of a document's title ("Aurora K2 kettle") name
    the document, not the answer: they choose the documents quoted from (those the
    question names, when it names any), not the sentences."""
    asked = set(tokens(question))
    title_of = [set(tokens(hit.chunk.heading.split(" > ")[0])) for hit in hits]
    # A question that names a document ("… in the travel expense policy?") is about it.
    named = {n for n, title in enumerate(title_of, start=1) if title & asked}
    quotes = [
        Quote(n, w)
        for n, hit in enumerate(hits, start=1)
        if not named or n in named
        for w in windows(split(hit.chunk.text))
    ]
    titles = set().union(*title_of) if title_of else set()
    query = [t for t in tokens(question) if t not in titles] or tokens(question)
    ranked = Bm25([tokens(q.text) for q in quotes]).rank(query, limit=len(quotes))
    if not ranked:
        return []
    chosen = [quotes[ranked[0].index]]
    for r in ranked[1:]:
        if r.score < SECOND_BEST * ranked[0].score:
            break
        if not _overlaps(quotes[r.index], chosen):
            chosen.append(quotes[r.index])
            break
    return chosen


def _overlaps(quote: Quote, chosen: list[Quote]) -> bool:
    return any(
        quote.n == c.n
        and (quote.text in c.text or c.text in quote.text or quote.text.split(". ")[0] in c.text)
        for c in chosen
    )


def says_only(phrasing: str, quotes: list[Quote], question: str) -> bool:
    """Whether every word of ``phrasing`` is a word of ``quotes`` or of ``question``
    (compared by their first five letters: "descaled" is "descale"), and one at least is
    a word of ``quotes`` that the question does not hold: "The answer is [1] (not in the
    document)" says nothing the asker did not know."""
    said = {t[:5] for q in quotes for t in tokens(q.text)}
    asked = {t[:5] for t in tokens(question)} | {t[:5] for t in _FRAME}
    words = {t[:5] for t in tokens(phrasing)}
    return bool(quotes) and words <= said | asked and bool(words & (said - asked))
