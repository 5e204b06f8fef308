"""A note that carries checked answers: the model drafts it, the draft is checked like any
other (``protocol.drafts``), and when no draft passes the writer sends a plain note of its
own that states the answers unchanged.

A writing step is handed the answers the team's tools found (``inputs.checked``). A small
model often drops the figure, changes it or echoes the prompt; a user must never read
such a note as the team's. A plain note ("Dear customer, here is the total: 145.36. …") tells the
reader what was asked, and the result's data says which of the two wrote it.
"""

import re
from dataclasses import dataclass
from typing import Any

_RECIPIENT = re.compile(
    r"\b(?:to|for)\s+(?:the|our|my|your|a|an)\s+(?P<who>(?:new\s+)?[a-z]+(?:\s+manager)?)\b",
    re.IGNORECASE,
)
_WHAT = re.compile(
    r"\b(?:telling|tell|stating|states?|giving|gives?|with|reporting|announcing|saying|"
    r"confirming|explaining|including|about)\s+(?:them\s+|him\s+|her\s+|us\s+|you\s+)?"
    r"(?P<what>(?:the|their|its|his|her|your|that|how|what)\s[^,.;:!?]+?)"
    r"(?=\s+and\b|\s+then\b|[,.;:!?]|$)",
    re.IGNORECASE,
)
_TO_READER = {"they": "you", "them": "you", "their": "your", "theirs": "yours"}
_PRONOUNS = re.compile(r"\b(?:they|them|their|theirs)\b", re.IGNORECASE)
"""The task speaks of the reader ("how much they get back"); the note speaks to them."""
_NOT_PEOPLE = frozenset("note letter email message reminder receipt update summary".split())


@dataclass(frozen=True, slots=True)
class Checked:
    """One answer a tool found, as handed over in ``inputs.checked``."""

    agent: str
    answer: str


def checked_answers(value: object) -> list[Checked]:
    """The answers in ``inputs.checked`` (a list of ``{"agent", "answer"}``); others ignored."""
    if not isinstance(value, list):
        return []
    return [
        Checked(str(c.get("agent") or "the team"), str(c["answer"]).strip())
        for c in value
        if isinstance(c, dict) and str(c.get("answer") or "").strip()
    ]


def with_checked(description: str, checked: list[Checked]) -> str:
    """The task with the answers the note must state exactly as they are."""
    if not checked:
        return description
    answers = "; ".join(f"{c.answer} (found by {c.agent})" for c in checked)
    return f"{description}\n\nUse these results exactly as written: {answers}."


def plain_note(description: str, checked: list[Checked]) -> str:
    """A short note stating ``checked`` unchanged, to the reader the task names."""
    who = _recipient(description)
    what = _WHAT.search(description)
    subject = what.group("what").strip() if what else "the figure you asked about"
    person, that, thing = subject.partition(" that ")
    if that:  # "telling the new member that total"
        who = who or person.removeprefix("the ")
        subject = f"the {thing}"
    elif subject.lower().startswith("that "):
        subject = f"the {subject[5:]}"
    answers = " and ".join(c.answer for c in checked)
    subject = _PRONOUNS.sub(lambda m: _TO_READER[m.group().lower()], subject)
    return (
        f"{'Dear ' + who if who else 'Hello'},\n\n"
        f"Here is {subject}: {answers}. "
        "Thank you, and please get in touch if you have any questions."
    )


_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
MIN_NOTE_WORDS = 4
RESTATED_SHARE = 0.8


def not_a_note(draft: str, request: str) -> list[str]:
    """What keeps ``draft`` from being a note at all, besides its facts: too few words
    ("14.40 (found by calculator)"), or mostly the task's own words (the goal echoed)."""
    words = [w.lower() for w in _WORD.findall(draft)]
    if len(words) < MIN_NOTE_WORDS:
        return ["it is too short to be a note"]
    asked = {w.lower() for w in _WORD.findall(request)}
    if sum(w in asked for w in words) >= RESTATED_SHARE * len(words):
        return ["it restates the task instead of writing to the reader"]
    return []


def _recipient(description: str) -> str:
    for match in _RECIPIENT.finditer(description):
        who = match.group("who").lower()
        if who.split()[-1] not in _NOT_PEOPLE:
            return who
    return ""


def note_data(written_by: str, drafts: int, why: list[str] | None = None) -> dict[str, Any]:
    """What the result's data says of the note: who wrote it, after how many drafts."""
    data: dict[str, Any] = {"written_by": written_by, "drafts": drafts}
    if why:
        data["draft_problems"] = why
    return data
