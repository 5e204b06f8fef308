"""From passages to an answer: the LLM phrases it from them, or they are quoted as they are.

The LLM sees only the numbered passages and the question, and must say
``NOT IN THE DOCUMENTS`` when they do not hold the answer. Its phrasing is kept only
when it states no figure and no word that the passage sentences answering the question
(``sentences.answering``) and the question do not; otherwise, or when no LLM is
reachable, those sentences are quoted as they are. Either way every passage used is
cited (file, heading, line range).
"""

import re
from dataclasses import dataclass
from typing import Any

from protocol.figures import unfounded
from protocol.llm import Llm
from services.agents.docs.retrieval import Hit
from services.agents.docs.sentences import Quote, answering, says_only

NOT_FOUND = "NOT IN THE DOCUMENTS"
CITED = re.compile(r"\[\d+\]")  # a citation marker, not a figure
SYSTEM = (
    "You answer questions using only the numbered passages you are given. Cite the passages "
    "you use like [1] or [2]. Do not add facts that are not in the passages. If the passages "
    f"do not contain the answer, reply exactly: {NOT_FOUND}"
)


@dataclass(slots=True)
class Answer:
    text: str
    citations: list[dict[str, Any]]
    phrased_by_llm: bool

    def data(self) -> dict[str, Any]:
        """The result's data. ``grounded``: the text states only what the passages hold
        (quoted verbatim, or phrased by the model and checked), so readers may take it
        as a fact."""
        return {
            "citations": self.citations,
            "phrased_by_llm": self.phrased_by_llm,
            "grounded": True,
        }


def passages_block(hits: list[Hit], max_chars: int = 6000) -> str:
    parts, used = [], 0
    for n, hit in enumerate(hits, start=1):
        text = hit.chunk.text[: max(0, max_chars - used)]
        used += len(text)
        parts.append(f"[{n}] ({hit.chunk.where()})\n{text}")
    return "\n\n".join(parts)


def citations(hits: list[Hit]) -> list[dict[str, Any]]:
    return [
        {"n": n, **hit.chunk.citation(), "score": round(hit.score, 5)}
        for n, hit in enumerate(hits, start=1)
    ]


def sources(hits: list[Hit]) -> str:
    return "Sources:\n" + "\n".join(f"[{n}] {h.chunk.where()}" for n, h in enumerate(hits, 1))


def verbatim(hits: list[Hit], note: str = "") -> Answer:
    """The passages themselves, quoted, each with where it comes from."""
    quoted = "\n\n".join(
        f"[{n}] {hit.chunk.where()}:\n{hit.chunk.text}" for n, hit in enumerate(hits, 1)
    )
    head = f"{note}\n\n" if note else ""
    return Answer(f"{head}The most relevant passages:\n\n{quoted}", citations(hits), False)


def quoted(hits: list[Hit], quotes: list[Quote], note: str = "") -> Answer:
    """The sentences that answer the question, quoted with their passage's number; the
    whole passages when no sentence matches."""
    if not quotes:
        return verbatim(hits, note)
    head = f"{note}\n\n" if note else ""
    lines = "\n".join(f"[{q.n}] {q.text}" for q in quotes)
    return Answer(f"{head}From the documents:\n{lines}\n\n{sources(hits)}", citations(hits), False)


async def phrase(llm: Llm | None, question: str, hits: list[Hit], max_tokens: int) -> Answer:
    """An answer from ``hits``: the LLM's when it passes the checks, else the sentences
    that answer the question, quoted."""
    quotes = answering(question, hits)
    if llm is None:
        return quoted(hits, quotes)
    from openai import APIError

    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Passages:\n\n{passages_block(hits)}\n\nQuestion: {question}"},
    ]
    try:
        completion = await llm.complete(messages, max_tokens=max_tokens, temperature=0.0)
    except (APIError, OSError, TimeoutError) as exc:
        note = f"(No language model to phrase an answer: {type(exc).__name__}.)"
        return quoted(hits, quotes, note)
    text = completion.text.strip()
    if not text or NOT_FOUND.lower() in text.lower():
        return quoted(hits, quotes, "(The language model found no answer in these passages.)")
    # The model's phrasing is a draft: a figure the passages do not hold is made up, and
    # a word the best answering sentences do not hold may change what they say.
    plain = CITED.sub("", text)
    if unfounded(plain, [question, *(hit.chunk.text for hit in hits)]) or not says_only(
        plain, quotes[:1], question
    ):
        return quoted(hits, quotes, "(The language model's answer did not match the passages.)")
    return Answer(f"{text}\n\n{sources(hits)}", citations(hits), True)
