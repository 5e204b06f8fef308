"""Counts in a quoted text: words, letters, vowels, characters, a letter's or word's occurrences.

The text must be quoted ('…' or "…"), or be the one word after "the word", so where it
starts and ends is not a guess. What the question says of how to count ("count upper
and lower case", "(a, e, i, o, u)", "not counting spaces") is read as a rule; a count
whose meaning depends on a choice the question leaves open (characters with or without
spaces, vowels of accented letters, "sometimes y") is not answered.
"""

import re
from collections import Counter
from dataclasses import dataclass

from services.agents.python.phrases import QUOTES, Answer, normalize

_QUOTED = re.compile(r"""(?:^|(?<=[\s:(]))(?P<q>["'])(?P<text>.+)(?P=q)(?=$|[\s?.!,;:)])""", re.S)
_NEEDLE = re.compile(
    r"""(?P<pre>\b(?:letters?|characters?|digits?|word|substring|string|sequence|of|does|many)\s+)"""
    r"""(?P<q>["'])(?P<x>[^"'\s]{1,20})(?P=q)(?=[\s?.,!;:)]|s\b|$)""",
    re.IGNORECASE,
)
"""A short quoted thing to count ('the letter "e"'), unquoted so that one text is left."""
_NAMED_WORD = re.compile(r"\b(?P<pre>word:? )(?P<w>[A-Za-z](?:[A-Za-z'-]*[A-Za-z])?)\b")
HOLE = "<<text>>"

VOWELS = "aeiou"
WHAT = (
    r"characters \(?(?:excluding|without|not counting|except) spaces\)?|non-space characters"
    r"|characters \(?(?:including|counting|with) spaces\)?|characters"
    "|uppercase letters|upper case letters|capital letters|lowercase letters|lower case letters"
    "|(?:different|distinct|unique) letters|(?:different|distinct|unique) words"
    "|letters|vowels|consonants|words|digits|spaces"
)
TEXT = (
    r"(?:the |this |that )?(?:following )?(?:text|string|sentence|phrase|word|line|name|quote)?"
    rf":? ?{re.escape(HOLE)}"
)
CASE = r"(?P<case>lower ?case|upper ?case|capital|small) "
APPEAR = r"(?:appear|occur|show up|come up|feature|turn up)"
_PATTERNS = [
    re.compile(p)
    for p in (
        rf"how many (?P<what>{WHAT}) (?:are there |are |appear |occur )?in {TEXT}"
        r"(?: are there)?",
        rf"how many (?P<what>{WHAT}) (?:does|do) {TEXT} (?:have|contain)",
        rf"how many (?P<what>{WHAT}) (?:make up|are used in|are used by) {TEXT}",
        rf"count (?:the )?(?:number of )?(?P<what>{WHAT}) in {TEXT}",
        rf"count (?:the )?(?P<what>{WHAT}): {re.escape(HOLE)}",
        rf"(?:the )?(?:number|count|total number) of (?P<what>{WHAT}) in {TEXT}",
        rf"(?:the )?(?P<what>word|letter|character|vowel) count of {TEXT}",
        rf"how many times (?:does|do) (?:the )?(?:{CASE})?(?P<unit>letter|character|word|digit)? ?"
        rf"(?P<x>[a-z0-9]+) {APPEAR} in {TEXT}",
        rf"how many times (?:is|are) (?:the )?(?:{CASE})?(?P<unit>letter|character|word|digit)? ?"
        rf"(?P<x>[a-z0-9]+) (?:used|found|present|written) in {TEXT}",
        rf"how many (?:{CASE})?(?P<x>[a-z])'?s (?:are there |are |appear |occur )?in {TEXT}",
        rf"how many (?:{CASE})?(?P<unit>letter|character|digit)s (?P<x>[a-z0-9]) "
        rf"(?:are there |are |appear |occur )?in {TEXT}",
        rf"how many (?:{CASE})?(?P<x>[a-z])'?s (?:does|do) {TEXT} (?:have|contain)",
        rf"(?:count )?(?:the )?(?:number of )?(?:occurrences|appearances|instances) of (?:the )?"
        rf"(?:{CASE})?(?P<unit>letter|character|word|digit)? ?(?P<x>[a-z0-9]+) in {TEXT}",
        rf"(?:the )?(?:length|character count) of {TEXT}(?P<length>)",
        rf"how (?:long|many characters long) is {TEXT}(?P<length>)",
        rf"(?:which|what) (?:is the )?(?P<most>letter|character|word) (?:appears|occurs|is used)"
        rf" (?:the )?most (?:often |frequently |times )?in {TEXT}",
        rf"(?:the )?most (?:common|frequent|frequently used|often used) (?P<most>letter|character"
        rf"|word) in {TEXT}",
        rf"(?:the )?(?:which is the |what is the )?(?P<longest>longest|shortest) word in {TEXT}",
    )
]

# --- rules a question states about how to count -----------------------------------------
_RULES: list[tuple[str, str, str]] = [
    (
        r"(?:count(?:ing)? |include |including |with )?(?:both )?(?:upper|capital)[- ]?(?:case)?"
        r"(?: letters)? (?:and|or|as well as) lower[- ]?case(?: letters)?(?: letters)?"
        r"(?: (?:alike|together|both|the same|equally))?(?: (?:count|counted|included))?"
        r"|(?:ignor(?:e|ing)|regardless of|disregard(?:ing)?|irrespective of|without regard to)"
        r" (?:the )?(?:letter )?case|case[- ]insensitive(?:ly)?|not case[- ]sensitive"
        r"|case (?:does not|doesn't) matter|in (?:either|any) case|either case",
        "case",
        "ignore",
    ),
    (
        r"case[- ]sensitive(?:ly)?|case matters|(?:matching|match|respect(?:ing)?) (?:the )?case"
        r"|exact case|case counts",
        "case",
        "exact",
    ),
    (
        r"a, ?e, ?i, ?o,? (?:and |or )?u|a e i o u|aeiou|a/e/i/o/u"
        r"|(?:not counting|excluding|without|not including) y|y (?:is not|isn't) a vowel"
        r"|y (?:does not|doesn't) count|y not included",
        "y",
        "no",
    ),
    (
        r"a, ?e, ?i, ?o, ?u,? (?:and|or|plus) y|(?:including|counting|plus) y|y counts"
        r"|y included|y (?:is|as) a vowel|and y",
        "y",
        "yes",
    ),
    (r"(?:and )?sometimes y", "y", "unsure"),
    (
        r"(?:not counting|excluding|without|ignoring|except|leaving out|minus) (?:the )?spaces",
        "spaces",
        "without",
    ),
    (r"(?:including|counting|with) (?:the )?spaces|spaces included", "spaces", "with"),
    (
        r"(?:not counting|excluding|without|ignoring|except|leaving out) (?:the )?"
        r"(?:spaces and punctuation|punctuation and spaces|spaces or punctuation"
        r"|punctuation or spaces)",
        "spaces",
        "neither",
    ),
    (r"(?:not counting|excluding|without|ignoring) (?:the )?punctuation", "punctuation", "without"),
]


@dataclass(slots=True)
class Rules:
    """How the question says to count: letter case, whether y is a vowel, spaces."""

    case: str = ""
    y: str = ""
    spaces: str = ""
    punctuation: str = ""


def _placed(rule: str) -> list[str]:
    """Where a rule may stand: in parentheses, as its own last sentence or clause, first."""
    return [
        rf"\s*\(\s*(?:{rule})\s*\)",
        rf"(?<=[?.!])\s*(?:please )?(?:{rule})\s*[.!]?\s*$",
        rf",?\s+(?:{rule})(?=\s*[?.!]*\s*$)",
        rf",\s*(?:{rule})\s*,",
        rf"^(?:{rule}),\s*",
    ]


_PLACED = [
    (re.compile(p, re.IGNORECASE), key, value) for rule, key, value in _RULES for p in _placed(rule)
]


def rules_of(frame: str) -> tuple[str, Rules] | None:
    """The question without the rules it states, and the rules; None when two disagree."""
    rules = Rules()
    for pattern, key, value in _PLACED:
        while (match := pattern.search(frame)) is not None:
            said = getattr(rules, key)
            if said and said != value:
                return None
            setattr(rules, key, value)
            # A rule between commas leaves a space, one at the end the full stop it had.
            frame = (frame[: match.start()] + " " + frame[match.end() :]).strip()
    return frame, rules


def _quoted(question: str) -> tuple[str, str] | None:
    """The question (its quotes straight) with its one quoted text taken out, and that
    text; None when there is no quoted text or more than one may be meant ("'a' and 'b'")."""
    match = _QUOTED.search(question)
    if match is None:
        return None
    q, text = match["q"], match["text"]
    if f"{q} " in text or f" {q}" in text:
        return None
    return question[: match.start()] + HOLE + question[match.end() :], text


def the_text(question: str) -> tuple[str, str] | None:
    """The question with its text taken out, and the text: the one quoted text (a short
    quoted letter or word to count is unquoted first), else the one word after "word"."""
    question = question.translate(QUOTES)
    # The letter first: in 'letters 'a' in "banana"' the text would be 'a'.
    unquoted = _NEEDLE.sub(lambda m: m["pre"] + m["x"], question, count=1)
    return _quoted(unquoted) or _named_word(unquoted) or _quoted(question)


def _named_word(question: str) -> tuple[str, str] | None:
    """The question with the one word after "word" taken out, and that word."""
    if '"' in question or re.search(r"(?<!\w)'|'(?!\w)", question):
        return None
    named = list(_NAMED_WORD.finditer(question))
    if len(named) != 1:
        return None
    m = named[0]
    return question[: m.start()] + m["pre"] + HOLE + question[m.end() :], m["w"]


def answer(question: str) -> Answer | None:
    """The count a question about a quoted text asks for, or None."""
    found = the_text(question)
    if found is None:
        return None
    frame, text = found
    read = rules_of(frame)
    if read is None:
        return None
    frame, rules = read
    asked = normalize(frame)
    for pattern in _PATTERNS:
        match = pattern.fullmatch(asked)
        if match:
            return _count(match, text, rules, frame)
    return None


def _count(m: re.Match[str], text: str, rules: Rules, frame: str) -> Answer | None:
    shown = text if len(text) <= 60 else text[:57] + "…"
    groups = m.groupdict()
    if rules.y and "vowel" not in (groups.get("what") or ""):
        return None  # a rule about y where no vowels are counted: misread
    if groups.get("x"):
        return _occurrences(m, text, rules, frame, shown)
    if groups.get("length") is not None:
        rules.spaces = rules.spaces or "with"  # a length counts every character
        return _said(_counted("characters", text, rules), "characters", shown, "length")
    if groups.get("most"):
        return _most_common(m["most"], text, rules, shown)
    if groups.get("longest"):
        return _longest(m["longest"], text, shown)
    what = re.sub(r"^(?:distinct|unique) ", "different ", m["what"])
    if what in ("word", "letter", "character", "vowel"):
        what += "s"
    return _said(_counted(what, text, rules), what, shown, f"{what} count")


def _said(counted: tuple[int, str] | None, what: str, shown: str, routine: str) -> Answer | None:
    if counted is None:
        return None
    n, how = counted
    noun = "characters" if "characters" in what else what
    said = f'"{shown}" has {n} {noun}{how}.'
    return Answer(value=str(n), sentence=said, routine=routine, library="Python")


def _occurrences(
    m: re.Match[str], text: str, rules: Rules, frame: str, shown: str
) -> Answer | None:
    """How often a letter, digit or word occurs; case as the question says (else ignored)."""
    x, unit, case = m["x"], m.groupdict().get("unit"), m.groupdict().get("case")
    if unit is None and len(x) > 1:
        return None  # "how many times does 'the' appear": as a word, or inside others too?
    unit = unit or ("digit" if x.isdigit() else "letter")
    if rules.spaces or rules.punctuation:
        return None
    if case and rules.case == "ignore":
        return None  # "the capital E, ignoring case": which is it?
    if unit == "word":
        if case or rules.case == "exact":
            return None
        n = len(re.findall(rf"(?<!\w){re.escape(x)}(?!\w)", text, flags=re.IGNORECASE))
        said = f'The word "{x}" occurs {n} times in "{shown}" (ignoring case).'
        return Answer(value=str(n), sentence=said, routine="word count", library="Python")
    if len(x) != 1:
        return None
    if case:
        wanted = x.upper() if case in ("upper case", "uppercase", "capital") else x.lower()
        n, how = text.count(wanted), f"only {case.replace(' ', '')} {wanted}"
    elif rules.case == "exact" and x.isalpha():
        as_written = _as_written(x, frame)
        if as_written is None:
            return None
        n, how = text.count(as_written), "matching case"
        x = as_written
    else:
        n = text.lower().count(x)
        how = "upper and lower case" if x.isalpha() else "as written"
    said = f'The {unit} "{x}" occurs {n} times in "{shown}" ({how}).'
    return Answer(value=str(n), sentence=said, routine=f"{unit} count", library="Python")


def _as_written(x: str, frame: str) -> str | None:
    """The letter to count as the question wrote it (upper or lower case)."""
    written = {
        m[1]
        for m in re.finditer(rf"(?<![A-Za-z'])({re.escape(x)})(?![A-Za-z])", frame, re.IGNORECASE)
    }
    return written.pop() if len(written) == 1 else None


def _most_common(unit: str, text: str, rules: Rules, shown: str) -> Answer | None:
    if unit == "word":
        items = [w.strip(".,;:!?\"'()").lower() for w in text.split()]
        items = [w for w in items if w]
    else:
        exact = rules.case == "exact"
        items = [c if exact else c.lower() for c in text if c.isalpha()]
    counts = Counter(items).most_common(2)
    if not counts or (len(counts) > 1 and counts[0][1] == counts[1][1]):
        return None  # a tie: no one answer
    item, n = counts[0]
    said = f'The most common {unit} in "{shown}" is "{item}" ({n} times).'
    return Answer(value=item, sentence=said, routine=f"most common {unit}", library="Python")


def _longest(which: str, text: str, shown: str) -> Answer | None:
    words = [w.strip(".,;:!?\"'()") for w in text.split()]
    words = [w for w in words if w]
    if not words:
        return None
    size = (max if which == "longest" else min)(len(w) for w in words)
    chosen = {w.lower() for w in words if len(w) == size}
    if len(chosen) != 1:
        return None  # a tie: no one answer
    word = next(w for w in words if len(w) == size)
    said = f'The {which} word in "{shown}" is "{word}" ({size} letters).'
    return Answer(value=word, sentence=said, routine=f"{which} word", library="Python")


def _counted(what: str, text: str, rules: Rules) -> tuple[int, str] | None:
    """The count and how it was counted, or None when the question leaves that open."""
    ascii_only = all(c.isascii() or not c.isalpha() for c in text)
    if rules.case == "exact" and what not in ("characters", "words", "different letters"):
        return None  # case is no question for these counts
    if "characters" not in what and rules.spaces:
        if what not in ("letters", "digits", "vowels", "consonants") or rules.spaces == "with":
            return None  # letters never count spaces: a rule saying they do is misread
    if what == "words":
        return sum(1 for w in text.split() if any(c.isalnum() for c in w)), ""
    if what == "different words":
        words = {w.strip(".,;:!?\"'()").lower() for w in text.split()}
        return len({w for w in words if w}), " (ignoring case)"
    if what == "different letters":
        if rules.case == "exact":
            return len({c for c in text if c.isalpha()}), " (matching case)"
        return len({c.lower() for c in text if c.isalpha()}), " (ignoring case)"
    if what == "letters":
        return sum(c.isalpha() for c in text), ""
    if what in ("uppercase letters", "upper case letters", "capital letters"):
        return sum(c.isupper() for c in text), ""
    if what in ("lowercase letters", "lower case letters"):
        return sum(c.islower() for c in text), ""
    if what == "digits":
        return sum(c.isdigit() for c in text), ""
    if what in ("vowels", "consonants"):
        if not ascii_only or rules.y == "unsure":
            return None
        vowels = VOWELS + ("y" if rules.y == "yes" else "")
        shown = ", ".join(vowels)
        if what == "vowels":
            return sum(c in vowels for c in text.lower()), f" ({shown})"
        consonants = sum(c.isalpha() and c not in vowels for c in text.lower())
        return consonants, f" (letters other than {shown})"
    if what == "spaces":
        if any(c.isspace() and c != " " for c in text):
            return None  # tabs or line breaks: spaces or not?
        return text.count(" "), ""
    return _characters(what, text, rules)


def _characters(what: str, text: str, rules: Rules) -> tuple[int, str] | None:
    said = "with" if re.search(r"including|counting|with", what) else ""
    said = "without" if what == "non-space characters" else said
    said = "without" if re.search(r"excluding|without|not counting|except", what) else said
    if said and rules.spaces and said != rules.spaces:
        return None
    spaces = said or rules.spaces
    if spaces == "neither" or (rules.punctuation == "without" and spaces == "without"):
        return sum(c.isalnum() for c in text), " (not counting spaces or punctuation)"
    if rules.punctuation:
        return None
    if spaces == "without":
        return sum(not c.isspace() for c in text), " (not counting spaces)"
    if spaces == "with":
        return len(text), " (counting spaces)"
    if not any(c.isspace() for c in text):
        return len(text), ""
    return None  # "characters" of a text with spaces: with them or without?
