"""A word problem's text, read once, and the answer a recognizer works out from it.

Every recognizer reads a :class:`Reading` (lower case, plain numbers, percents written
``N%``, money written ``$N``) and must *place* every number in it, that is say what
each one is, before it answers. A number left over means the question may be another
one than the recognizer thinks, so it declines rather than guess.
"""

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from services.agents.calculator.arithmetic import (
    decimal_form,
    format_number,
    money_form,
    short_form,
    significant_form,
)
from services.agents.calculator.units import clean, label
from services.agents.calculator.wording import SCALE_WORDS, scaled

MAX_CHARS = 4000
"""Longer texts are not read as word problems: a number past the end could change one."""

N = r"\d+(?:\.\d+)?"
GAP = r"[^\d%$€£]{0,60}?"
"""Words between two parts of a problem: anything but a number, briefly."""
CURRENCY = "$€£"

_NUMBER = re.compile(rf"(?<![a-z\d.]){N}")
_WORD_NUMBERS = {
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
}
# "one" is a number only before a unit or a person: "one year", not "which one".
_ONE = re.compile(r"\bone(?=\s+(?:year|month|week|day|hour|minute|person|kg|km|mile|litre))")
_MONEY_WORDS = re.compile(
    r"\b(?:price|prices|priced|cost|costs|pay|paid|bill|check|cheque|tab|sale|buy|bought|"
    r"spend|spent|salary|wage|wages|rent|invoice|fee|fees|charge|earn|earns|earned|budget)\b"
)


_QUESTION = re.compile(
    r"\bhow (?:much|many)\b(?P<a>(?:\s+[a-z'$€£\d.]+){1,6})"
    r"|\bwhat(?:'s| is| was| will be| would be| are)\s+(?:the|my|our|your|a)\s+(?P<b>[a-z]+)"
)
_SKIPPED = frozenset(
    "is are was were will would should do does did can could shall must i we you they he "
    "she it them us him her his their its the a an my our your be each of in total altogether "
    "then now".split()
)
"""Words passed over to reach what a question asks about: "how much do I pay" asks "pay"."""
_OPEN = frozenset("for to after with at on from".split())
"""A question that goes on with these asks about nothing in particular: "how much for 3"."""


_SENTENCE = re.compile(r"(?:[^.?!;]|\.(?=\d))*(?:[.?!;](?!\d)|$)")
_ASKING = re.compile(
    r"\?|\bhow\s+(?:much|many|far|long|fast)\b|\bwhat\b|\bwhen\b|\b(?:work\s+out|compute|"
    r"calculate|find|determine|figure\s+out)\b"
)


def num(name: str) -> str:
    """A plain number, captured as ``name``."""
    return rf"(?<![\d.])(?P<{name}>{N})(?![\d%])"


def money(name: str) -> str:
    """An amount, perhaps with a currency sign (``$80``, ``80``), captured as ``name``."""
    return rf"(?:[{CURRENCY}]\s?)?(?<![\d.])(?P<{name}>{N})(?![\d%])"


def percent(name: str) -> str:
    """A percentage (``25%``), its number captured as ``name``."""
    return rf"(?<![\d.])(?P<{name}>{N})%"


@dataclass(slots=True)
class Reading:
    """The text as recognizers read it, and where its numbers are."""

    text: str
    numbers: list[tuple[int, int]]
    _asked: tuple[int, int] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Found once: several recognizers and the quantity reasoner ask for it.
        spans = [
            m.span()
            for m in _SENTENCE.finditer(self.text)
            if m.group().strip() and _ASKING.search(m.group())
        ]
        self._asked = spans[0] if len(spans) == 1 else None

    def placed(self, spans: list[tuple[int, int]]) -> bool:
        """Whether every number in the text lies inside one of ``spans``."""
        return all(any(a <= s and e <= b for a, b in spans) for s, e in self.numbers)

    def find(self, patterns: list[re.Pattern[str]], *names: str) -> re.Match[str] | None:
        """The first match of the first pattern whose groups ``names`` place every number."""
        for pattern in patterns:
            for match in pattern.finditer(self.text):
                spans = [match.span(n) for n in names if match.group(n) is not None]
                if self.placed(spans):
                    return match
        return None

    def between(self, spans: list[tuple[int, int]]) -> str:
        """The words from the first of ``spans`` to the last: what a problem was read from."""
        return self.text[min(a for a, _ in spans) : max(b for _, b in spans)]

    def has(self, pattern: str | re.Pattern[str]) -> bool:
        return re.search(pattern, self.text) is not None

    def is_money(self, match: re.Match[str], *names: str) -> bool:
        """Whether the amounts are money: a currency sign, or words like price and bill."""
        signed = any(
            c in CURRENCY
            for n in names
            for c in self.text[max(0, match.start(n) - 2) : match.start(n)]
        )
        return signed or _MONEY_WORDS.search(self.text) is not None

    def cents(self, match: re.Match[str], *names: str) -> bool:
        """Whether an amount was written with cents (``19.99``): the answer keeps them."""
        return any(re.fullmatch(r"\d+\.\d\d", match.group(n) or "") for n in names)

    def asks_about(self, allowed: frozenset[str] | set[str]) -> bool:
        """Whether every "how much X" or "what is the X" in the text asks for one of
        ``allowed``: "a $80 jacket is 25% off, how much tax?" is not a discount's question."""
        for match in _QUESTION.finditer(self.text):
            if match["b"]:
                if match["b"] not in allowed:
                    return False
                continue
            for word in match["a"].split():
                if word in _SKIPPED:
                    continue
                if word in _OPEN or word[0] in CURRENCY or word[0].isdigit():
                    break
                if word.strip(".,?!") not in allowed:
                    return False
                break
        return True

    def asked(self) -> tuple[int, int] | None:
        """Where the question is: the one sentence that asks (``None``: none, or several)."""
        return self._asked

    def blanked(self, spans: list[tuple[int, int]]) -> str:
        """The text with ``spans`` written over in spaces (offsets stay where they were)."""
        chars = list(self.text)
        for a, b in spans:
            chars[a:b] = " " * (b - a)
        return "".join(chars)

    def currency(self) -> str:
        return next((c for c in CURRENCY if c in self.text), "")


def read(text: str) -> Reading | None:
    """``text`` prepared for the recognizers, or ``None`` when it is too long to read whole."""
    if len(text) > MAX_CHARS:
        return None
    text = clean(text).lower().replace("\u2019", "'")
    text = re.sub(r"\bper\s+cent\b", "percent", text)
    text = re.sub(rf"({N})\s*(?:%|percent\b|pct\b)", r"\1%", text)
    text = re.sub(r"(?:\busd|\bus\$)\s*(?=\d)", "$", text)
    text = re.sub(r"(?:\beur)\s*(?=\d)", "€", text)
    text = re.sub(r"(?:\bgbp)\s*(?=\d)", "£", text)
    text = re.sub(rf"(?<![\d.])({N})\s*(?:dollars?|bucks|usd)\b", r"$\1", text)
    text = re.sub(rf"(?<![\d.])({N})\s*(?:euros?|eur)\b", r"€\1", text)
    text = re.sub(rf"(?<![\d.])({N})\s*(?:gbp|quid)\b", r"£\1", text)
    text = re.sub(rf"([{CURRENCY}]\s?)({N})\s?(k|m|bn)\b", _scaled, text)
    text = SCALE_WORDS.sub(scaled, text)
    words = "|".join(_WORD_NUMBERS)
    text = re.sub(rf"\b({words})\b", lambda m: _WORD_NUMBERS[m.group(1)], text)
    text = _ONE.sub("1", text)
    text = " ".join(text.split())
    return Reading(text, [m.span() for m in _NUMBER.finditer(text)])


_SCALES = {"k": 1000, "m": 10**6, "bn": 10**9}


def _scaled(match: re.Match[str]) -> str:
    """ "$30k" is $30000: the letter is part of the amount."""
    amount = Fraction(match.group(2)) * _SCALES[match.group(3)]
    return f"{match.group(1)}{format_number(amount)}"


def value(match: re.Match[str], name: str) -> Fraction:
    return Fraction(match.group(name))


@dataclass(slots=True)
class Worked:
    """A word problem, worked out: the steps people read, and the answer programs read.

    ``value`` is the answer's number (``None`` for a weekday or a yes); ``exact`` names
    it when it has no finite form of its own (``√2``); ``answer`` is given when the
    answer is not a number at all.
    """

    problem: str
    source: str
    steps: list[str]
    value: Fraction | None = None
    unit: str = ""
    money: bool = False
    cents: bool = False
    answer: str = ""
    exact: str = ""
    currency: str = ""

    def display(self) -> str:
        """The answer as shown: ``"11.52"``, ``"57.6 km/h"``, ``"25%"``, ``"Friday"``."""
        if self.answer or self.value is None:
            return self.answer
        return self._with_unit(self._number())

    def explanation(self) -> str:
        """The steps, then ``Answer:``; a rounded answer also names the exact one."""
        shown = self.display()
        if self.value is not None and not self.answer:
            exact = self.exact or format_number(self.value)
            if self.exact or Fraction(self._number()) != self.value:
                exact = self._with_unit(exact) if len(exact) <= 40 else ""
                shown = f"{exact} ≈ {shown}" if exact else f"≈ {shown}"
        return f"{'; '.join(self.steps)}. Answer: {shown}"

    def data(self) -> dict[str, Any]:
        """What a program reads: ``answer`` always, ``value`` when the answer is a number."""
        record: dict[str, Any] = {"problem": self.problem, "expression": self.source}
        if self.value is not None:
            text, rounded = decimal_form(self.value)
            record |= {
                "value": text,
                "exact": self.exact or format_number(self.value),
                "approximate": rounded or bool(self.exact),
            }
        record["answer"] = self.display()
        if self.unit:
            record["unit"] = self.unit
        if self.money and self.currency:
            record["currency"] = self.currency
        return record

    def _number(self) -> str:
        assert self.value is not None
        if self.money:
            return money_form(self.value, self.cents)
        if self.exact:
            return significant_form(self.value)  # a rounding already: shown short
        return short_form(self.value)

    def _with_unit(self, number: str) -> str:
        if not self.unit:
            return number
        if self.unit == "%":
            return f"{number}%"
        return f"{number} {label(self.unit, self.value or Fraction(0))}"
