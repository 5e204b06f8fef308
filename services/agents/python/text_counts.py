"""Counts in a quoted text: words, letters, vowels, characters, a letter's or word's occurrences.

The text must be quoted ('…' or "…") so where it starts and ends is not a guess; a
count whose meaning depends on a choice the question leaves open (characters with
or without spaces, vowels of accented letters) is not answered.
"""

import re

from services.agents.python.phrases import Answer, normalize

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_QUOTED = re.compile(r"""(?:^|(?<=[\s:(]))(?P<q>["'])(?P<text>.+)(?P=q)(?=$|[\s?.!,;:)])""", re.S)
HOLE = "<<text>>"

VOWELS = "aeiou"
WHAT = (
    r"characters \(?(?:excluding|without|not counting|except) spaces\)?|non-space characters"
    r"|characters \(?(?:including|counting|with) spaces\)?|characters"
    "|uppercase letters|capital letters|lowercase letters|letters|vowels|consonants"
    "|words|digits|spaces"
)
TEXT = rf"(?:the )?(?:following )?(?:text|string|sentence|phrase|word|line)?:? ?{re.escape(HOLE)}"
_PATTERNS = [
    re.compile(p)
    for p in (
        rf"how many (?P<what>{WHAT}) (?:are there |are |appear )?in {TEXT}(?: are there)?",
        rf"how many (?P<what>{WHAT}) does {TEXT} (?:have|contain)",
        rf"count (?:the )?(?:number of )?(?P<what>{WHAT}) in {TEXT}",
        rf"(?:the )?(?:number|count) of (?P<what>{WHAT}) in {TEXT}",
        rf"how many times does (?:the )?(?P<unit>letter|character|word) (?P<x>[a-z0-9]+) "
        rf"(?:appear|occur) in {TEXT}",
        rf"how many (?P<x>[a-z])'?s (?:are there |are )?in {TEXT}",
    )
]


def quoted(question: str) -> tuple[str, str] | None:
    """The question with its one quoted text taken out, and that text; None when there is
    no quoted text or more than one may be meant ("'a' and 'b'")."""
    question = question.translate(_QUOTES)
    match = _QUOTED.search(question)
    if match is None:
        return None
    q, text = match["q"], match["text"]
    if f"{q} " in text or f" {q}" in text:
        return None
    return question[: match.start()] + HOLE + question[match.end() :], text


def answer(question: str) -> Answer | None:
    """The count a question about a quoted text asks for, or None."""
    found = quoted(question)
    if found is None:
        return None
    frame, text = found
    asked = normalize(frame)
    for pattern in _PATTERNS:
        match = pattern.fullmatch(asked)
        if match:
            return _count(match, text)
    return None


def _count(m: re.Match[str], text: str) -> Answer | None:
    shown = text if len(text) <= 60 else text[:57] + "…"
    groups = m.groupdict()
    if groups.get("x"):
        x, unit = m["x"], groups.get("unit") or "letter"
        if unit == "word":
            n = len(re.findall(rf"(?<!\w){re.escape(x)}(?!\w)", text, flags=re.IGNORECASE))
            said = f'The word "{x}" occurs {n} times in "{shown}" (ignoring case).'
        elif len(x) == 1:
            n = text.lower().count(x)
            said = f'The {unit} "{x}" occurs {n} times in "{shown}" (ignoring case).'
        else:
            return None
        return Answer(value=str(n), sentence=said, routine=f"{unit} count", library="Python")
    what = m["what"]
    counted = _counted(what, text)
    if counted is None:
        return None
    n, how = counted
    noun = "characters" if "characters" in what else what
    said = f'"{shown}" has {n} {noun}{how}.'
    return Answer(value=str(n), sentence=said, routine=f"{what} count", library="Python")


def _counted(what: str, text: str) -> tuple[int, str] | None:
    """The count and how it was counted, or None when the question leaves that open."""
    ascii_only = all(c.isascii() or not c.isalpha() for c in text)
    if what == "words":
        return sum(1 for w in text.split() if any(c.isalnum() for c in w)), ""
    if what == "letters":
        return sum(c.isalpha() for c in text), ""
    if what in ("uppercase letters", "capital letters"):
        return sum(c.isupper() for c in text), ""
    if what == "lowercase letters":
        return sum(c.islower() for c in text), ""
    if what == "digits":
        return sum(c.isdigit() for c in text), ""
    if what == "vowels":
        vowels = sum(c in VOWELS for c in text.lower())
        return (vowels, " (a, e, i, o, u)") if ascii_only else None
    if what == "consonants":
        consonants = sum(c.isalpha() and c not in VOWELS for c in text.lower())
        return (consonants, " (letters other than a, e, i, o, u)") if ascii_only else None
    if what == "spaces":
        if any(c.isspace() and c != " " for c in text):
            return None  # tabs or line breaks: spaces or not?
        return text.count(" "), ""
    excluding = what == "non-space characters" or re.search(
        r"excluding|without|not counting|except", what
    )
    if excluding:
        return sum(not c.isspace() for c in text), " (not counting spaces)"
    if what != "characters":
        return len(text), " (counting spaces)"
    if not any(c.isspace() for c in text):
        return len(text), ""
    return None  # "characters" of a text with spaces: with them or without?
