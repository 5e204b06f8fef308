"""What is wrong with an LLM's draft as a statement of facts: the one check every
reader of a draft applies (a writer to its own note before it sends it, the coordinator
to every result and to its summary before a user reads them).

An LLM's text is a draft, never a fact. Every figure in it must be found among the
facts it was given (compared as numbers: ``1,234.50`` is ``1234.5``), it must state the
answers it was handed unchanged, and it must carry no prompt markup, no filler and no
claim about what is correct that it cannot know.
"""

import re
from collections.abc import Iterable

from protocol.figures import figures, holds, unfounded

MARKUP = re.compile(
    r"</?\s*data\b|</?[a-z][\w-]*(?:\s[^<>]*)?>|<\|[^|]*\|>|<<<|>>>"
    r"|^\s*(?:goal|results|your task|your part|your turn; answer|conclusion"
    r"|messages so far in the group)\s*:|text inside <data>"
    r"|use these results exactly as written|\bteam \((?:sequential|round_robin|moderated"
    r"|autonomous)\):|\bbest match for '"
    r"|\[(?:your|customer|recipient|client|company|insert|name)\b[^\]]{0,40}\]"
    r"|\(found by [\w:-]+\)",
    re.IGNORECASE | re.MULTILINE,
)
"""Pieces of our prompts and of chat templates, and tags (``<text here>``, ``</details>``):
in an answer they are an echo or a template, not text for a person; so are a letter
template's blanks (``[Customer Name]``), and the writer's "(found by calculator)" tag."""

FILLER = re.compile(
    r"\bmatch(?:es|ing)? the (?:given|expected|provided|correct) (?:answer|result)\b"
    r"|\bas an ai\b|\bi am an ai\b|\blanguage model\b|\bthe given answer\b"
    r"|\b(?:is|was|are|were) (?:incorrect|wrong|not correct|a mistake)\b"
    r"|\bthe (?:correct|right) (?:answer|result)\b",
    re.IGNORECASE,
)
"""Phrases a small model adds that tell a user nothing, or something false: a verdict on
what is correct is the tools' to give, not a draft's."""


def problems(draft: str, facts: Iterable[str], answers: Iterable[str]) -> list[str]:
    """What is wrong with ``draft`` as a statement of ``facts``; empty when nothing is.

    Every figure it states must be in the facts, every one of ``answers`` must be in it
    unchanged, and it must carry no markup or filler. The reasons never repeat a figure
    of the draft: they are shown to users, and the draft's figures are what is in doubt
    (:func:`unfounded` lists them for the log)."""
    if not draft.strip():
        return ["it is empty"]
    found: list[str] = []
    if MARKUP.search(draft) is not None:
        found.append("it carries prompt markup")
    if FILLER.search(draft) is not None:
        found.append("it says something that tells the reader nothing")
    if unfounded(draft, facts):
        found.append("it states figures that neither the goal nor a checked result holds")
    stated = figures(draft)
    for answer in answers:
        wanted = figures(answer)
        if wanted:
            kept = all(any(holds([f], s) for s in stated) for f in wanted)
        else:
            kept = answer.lower() in draft.lower()
        if not kept:
            found.append(f"it leaves out the answer {answer}")
    return found
