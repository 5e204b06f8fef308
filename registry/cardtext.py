"""What the registry indexes of a card: its searchable text fields and its filter facets.

>>> from protocol.kinds import AgentCard, Skill
>>> card = AgentCard(id="calc", name="Calculator", description="exact arithmetic",
...     skills=[Skill(id="sum", name="Sums", tags=["Math"], examples=["2+2?"])])
>>> fields_of(card).tags
'Math'
>>> sorted(facets_of(card))
[('protocol', 'ioa/1'), ('skill', 'sum'), ('tag', 'math')]
"""

import hashlib
import json
import re
from dataclasses import dataclass

from protocol.kinds import AgentCard

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOPWORDS = frozenset(
    "a an and any are as at be by can could do does for from get has have help i in is it "
    "me my need of on or please some someone that the this to want was what which who will "
    "with would you your".split()
)
MAX_QUERY_TERMS = 32


@dataclass(slots=True, frozen=True)
class CardFields:
    """The card's text, split into the fields the full-text index weighs differently."""

    name: str
    description: str
    skills: str
    tags: str
    examples: str

    def as_text(self) -> str:
        """All fields as one text (what an embedding model reads)."""
        return "\n".join(
            part
            for part in (self.name, self.description, self.skills, self.tags, self.examples)
            if part
        )


def fields_of(card: AgentCard) -> CardFields:
    return CardFields(
        name=card.name,
        description=card.description,
        skills="\n".join(f"{s.name}. {s.description}".strip() for s in card.skills),
        tags=" ".join(tag for s in card.skills for tag in s.tags),
        examples="\n".join(example for s in card.skills for example in s.examples),
    )


def facets_of(card: AgentCard) -> set[tuple[str, str]]:
    """The (kind, value) pairs a search can filter on: skill ids, tags (lower-cased),
    protocol versions."""
    facets = {("skill", s.id) for s in card.skills}
    facets |= {("tag", tag.lower()) for s in card.skills for tag in s.tags}
    facets |= {("protocol", version) for version in card.protocol_versions}
    return facets


def card_hash(card: AgentCard) -> str:
    """A digest of the card's content: an embedding is current while this is unchanged."""
    canonical = json.dumps(card.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def query_terms(text: str) -> list[str]:
    """The distinct lower-cased words of a free-text need, stopwords dropped, in order.

    Only letters and digits survive, so the terms are safe to quote into a
    full-text query language (FTS5 ``MATCH``, PostgreSQL ``websearch_to_tsquery``).
    """
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if word not in _STOPWORDS and len(seen) < MAX_QUERY_TERMS:
            seen.setdefault(word)
    return list(seen)
