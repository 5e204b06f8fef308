"""What a number in a word problem counts or measures, and the dimension of a result.

A dimension is a product of bases with powers: ``$`` (money), the dimensions of
:mod:`units` (length, volume, mass, time, …), ``day`` and ``month`` (the calendar:
a year is 12 months; days, weeks and hours are not converted, since a working week is
no 7 days and a working day no 24 hours),
and ``n:<noun>`` for things counted ("3 lamps" is ``n:lamp``). "$45 per lamp" is
``$ · n:lamp⁻¹``; "6 litres per 100 km" is ``volume · length⁻¹``. Powers above one
are no everyday quantity, so :func:`product` refuses them.
"""

import re
from dataclasses import dataclass
from fractions import Fraction

from services.agents.calculator.arithmetic import fixed, format_number
from services.agents.calculator.problems.reading import CURRENCY
from services.agents.calculator.units import UNITS, label, unit

Dims = tuple[tuple[str, int], ...]
"""Bases and their powers, sorted by base; ``()`` is a plain number."""


def product(a: Dims, b: Dims, power: int = 1) -> Dims | None:
    """``a`` times ``b`` (``power=-1``: divided by ``b``); ``None`` past the first power."""
    counts = dict(a)
    for base, p in b:
        counts[base] = counts.get(base, 0) + power * p
    if any(abs(p) > 1 for p in counts.values()):
        return None
    return tuple(sorted((base, p) for base, p in counts.items() if p))


@dataclass(frozen=True, slots=True)
class Measure:
    """A unit or a counted noun: its base, its size in the base's first unit, its name."""

    base: str
    factor: Fraction
    name: str


_CALENDAR = {
    "day": ("day", 1),
    "days": ("day", 1),
    "week": ("week", 1),
    "weeks": ("week", 1),
    "wk": ("week", 1),
    "fortnight": ("week", 2),
    "fortnights": ("week", 2),
    "month": ("month", 1),
    "months": ("month", 1),
    "quarter": ("month", 3),
    "quarters": ("month", 3),
    "year": ("month", 12),
    "years": ("month", 12),
    "yr": ("month", 12),
    "yrs": ("month", 12),
}
_CALENDAR_NAMES = {"wk": "week", "yr": "year", "yrs": "year"}
_AMBIGUOUS_UNITS = frozenset({"in", "bar", "bars", "stone", "stones", "d", "t", "b", "k"})
"""Unit names that are more often words ("5 in stock", "3 bars of chocolate")."""
_SPEEDS = {"km/h": ("km", "h"), "mph": ("mi", "h"), "m/s": ("m", "s"), "ft/s": ("ft", "s")}
_UNIT_NAMES = sorted(
    {n for n in UNITS if n not in _AMBIGUOUS_UNITS and not n.startswith(("us ", "uk "))}
    | set(_CALENDAR),
    key=len,
    reverse=True,
)
UNIT = "(?:" + "|".join(re.escape(n) for n in _UNIT_NAMES) + r")(?![\w²³/])"
"""A unit or calendar word, longest first (lower case)."""

PEOPLE = frozenset(
    "person friend guest colleague coworker co-worker roommate flatmate housemate player "
    "member kid child student worker employee sibling adult diner customer passenger "
    "participant attendee visitor way share".split()
)
"""Counted nouns that "each" and "per person" may mean."""
AGENTS = PEOPLE | frozenset("machine pump tap painter builder printer robot crew team".split())
"""Who does work: twice as many finish in half the time (no proportion to guess)."""
_STOP = frozenset(
    "a an the and or of on in at to for from by with as is are was were be been it its this "
    "that these those each per every than then more less off plus minus times percent total "
    "altogether so but if when which who what how all only just about around over under last "
    "next this first second final previous".split()
)
_ADJECTIVE = re.compile(
    r"(?:equal|extra|additional|identical|separate|different|same|whole|full|empty|new|used|"
    r"small|large|big|single|double|spare|more|other|[a-z]+ly)$"
)
_IRREGULAR = {
    "people": "person",
    "children": "child",
    "men": "man",
    "women": "woman",
    "loaves": "loaf",
    "knives": "knife",
    "shelves": "shelf",
    "halves": "half",
    "leaves": "leaf",
}
_IRREGULAR_PLURALS = {v: k for k, v in _IRREGULAR.items()}

_IE = frozenset(
    "cookie movie pie tie calorie brownie smoothie selfie goalie lie die zombie rookie "
    "hoodie".split()
)


def measure(word: str) -> Measure | None:
    """The unit or calendar word ``word`` (``"km"``, ``"litres"``, ``"years"``)."""
    if word in _CALENDAR:
        base, days = _CALENDAR[word]
        return Measure(base, Fraction(days), _CALENDAR_NAMES.get(word) or singular(word))
    found = unit(word)
    if found is None or word in _AMBIGUOUS_UNITS or found.symbol in ("day", "week"):
        return None
    return Measure(found.dimension, found.factor, found.symbol)


def speed(word: str) -> tuple[Measure, Measure] | None:
    """A speed unit as a length per a time: ``km/h`` is km per h."""
    found = unit(word)
    if found is None or found.symbol not in _SPEEDS:
        return None
    top, bottom = (measure(s) for s in _SPEEDS[found.symbol])
    assert top is not None and bottom is not None
    return top, bottom


def singular(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("ies") and word[:-1] in _IE:
        return word[:-1]
    for ending, stem in (("ies", "y"), ("ches", "ch"), ("shes", "sh"), ("xes", "x")):
        if word.endswith(ending) and len(word) > len(ending) + 1:
            return word[: -len(ending)] + stem
    if word.endswith("oes") and len(word) > 4:
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def plural(noun: str, amount: Fraction) -> str:
    if amount == 1:
        return noun
    if noun in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[noun]
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    if noun.endswith(("ch", "sh", "x", "s")):
        return noun + "es"
    return noun + "s"


def noun(words: list[str]) -> tuple[Measure, int] | None:
    """The counted noun among the first words after a number ("8 equal monthly
    instalments" counts instalments), and how many words it takes; ``None`` for none."""
    for i, word in enumerate(words[:3]):
        if word in _STOP or not word.isalpha():
            return None
        if _ADJECTIVE.fullmatch(word) and i < 2 and len(words) > i + 1:
            continue
        name = singular(word)
        return Measure(f"n:{name}", Fraction(1), name), i + 1
    return None


def unit_or_noun(word: str) -> Measure | None:
    """The unit or calendar word ``word``, else the noun it counts ("lamps")."""
    found = measure(word)
    if found is not None:
        return found
    counted = noun([word])
    return counted[0] if counted else None


def is_time(base: str) -> bool:
    return base in ("time", "day", "week", "month")


def show(value: Fraction, dims: Dims, names: dict[str, str]) -> str:
    """``value`` with its dimension in words: ``$135``, ``15 g per cookie``, ``4 nights``."""
    tops = [b for b, p in dims if p > 0]
    bottoms = [b for b, p in dims if p < 0]
    money = any(base in CURRENCY for base, p in dims if p > 0)
    number = _cents(value) if money else format_number(value)
    text = number
    for base in tops:
        name = names.get(base, base)
        if base in CURRENCY:
            text = f"{base}{text}" if text == number else f"{text} {base}"
        else:
            text = f"{text} {written(name, value)}"
    for base in bottoms:
        text += f" per {names.get(base, base)}"
    return text


def _cents(value: Fraction) -> str:
    """Money in steps: ``13.50`` for cents, the exact value when finer (``1157.625``)."""
    if value.denominator != 1 and (value * 100).denominator == 1:
        return fixed(value, 2)
    return format_number(value)


def written(name: str, value: Fraction) -> str:
    """A unit or noun as written after ``value``: ``g``, ``days``, ``lamps``."""
    if unit(name) is not None and name not in ("day", "week"):
        return label(name, value)
    return plural(name, value)
