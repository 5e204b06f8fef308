"""Percentages of a whole and percentage changes: "what percent is 45 of 180",
"from 80 to 100 is what percent increase", "50 is what percent less than 80"."""

import re
from fractions import Fraction

from services.agents.calculator.arithmetic import DIVIDED, TIMES, CalculationError, format_number
from services.agents.calculator.problems.reading import GAP, Reading, Worked, money, num
from services.agents.calculator.units import UNIT_PATTERN, unit

_ASKS_PERCENT = re.compile(
    r"\bwhat\s+(?:percent|percentage|%)|\bas\s+(?:an?\s+)?(?:percent|percentage)\b"
    r"|\bin\s+percent\b|\bhow\s+many\s+percent\b|\b(?:percent|percentage)\s+(?:is|of)\b"
)
_CHANGE_WORDS = re.compile(
    r"\b(?:increase|decrease|change|more|less|than|rise|fall|grow|grew|drop|from|up|down|"
    r"gain|loss|off|cheaper|bigger|smaller|greater|higher|lower|difference)\b"
)
_PERCENT_WORDS = frozenset("percent percentage share proportion".split())
_CHANGE_ASKED = _PERCENT_WORDS | frozenset(
    "increase decrease change rise drop growth fall discount markup gain loss off".split()
)
_WHOLE = re.compile(
    r"\b(?:out\s+)?of\s+(?:the\s+|a\s+total\s+of\s+)?(?:[$€£]\s?)?(?P<n>\d+(?:\.\d+)?)(?![\d%])"
)
_RATIO = re.compile(rf"{num('part')}\s*/\s*{num('whole')}")
_ANY = re.compile(r"(?<![a-z\d.])(?:[$€£]\s?)?(?P<n>\d+(?:\.\d+)?)(?![\d%])")


_UNIT_AFTER = re.compile(rf"\s*(?P<u>{UNIT_PATTERN})")


def _in_one_unit(r: Reading, ends: list[int]) -> tuple[list[Fraction], list[str]] | None:
    """The numbers ending at ``ends`` in one unit, the smallest written: 30 minutes of 2
    hours is 30 of 120 minutes. Returned as what to multiply each by, and the steps that
    say so. ``None`` when the units measure different things (or a temperature), or only
    some numbers have one: the share would be of two kinds."""
    units = []
    for end in ends:
        named = _UNIT_AFTER.match(r.text, end)
        # "from 80 to 100 in a year": "in" is the word there, not inches.
        units.append(named["u"] if named and named["u"] != "in" else None)
    if all(u is None for u in units):
        return [Fraction(1)] * len(ends), []
    measured = [m for u in units if u and (m := unit(u)) is not None]
    if len(measured) != len(ends) or len({m.dimension for m in measured}) > 1:
        return None
    small = min(measured, key=lambda m: m.factor)
    factors = [m.factor / small.factor for m in measured]
    steps = [
        f"{format_number(Fraction(number[0]))} {m.symbol} = "
        f"{format_number(Fraction(number[0]) * f)} {small.symbol}"
        for m, f, end in zip(measured, factors, ends, strict=True)
        if f != 1 and (number := re.findall(r"[\d.]+$", r.text[:end]))
    ]
    return factors, steps


def percent_of(r: Reading) -> Worked | None:
    """What share of a whole a part is, in percent: "what percent is 45 of 180", "45 is
    what percentage of 180", "45 out of 60 as a percentage" (the number after "of" is
    the whole)."""
    if not r.has(_ASKS_PERCENT) or r.has(_CHANGE_WORDS) or "%" in r.text.replace("what %", ""):
        return None
    numbers = list(_ANY.finditer(r.text))
    if len(numbers) != 2 or not r.placed([m.span("n") for m in numbers]):
        return None
    if not r.asks_about(_PERCENT_WORDS):
        return None
    wholes = [m for m in _WHOLE.finditer(r.text)]
    ratio = _RATIO.search(r.text)
    if len(wholes) == 1:
        whole_at = wholes[0].start("n")
    elif not wholes and ratio is not None:
        whole_at = ratio.start("whole")
    else:
        return None
    whole_m = next(m for m in numbers if m.start("n") == whole_at)
    part_m = next(m for m in numbers if m.start("n") != whole_at)
    converted = _in_one_unit(r, [part_m.end("n"), whole_m.end("n")])
    if converted is None:
        return None
    (to_part, to_whole), conversions = converted
    part, whole = Fraction(part_m["n"]) * to_part, Fraction(whole_m["n"]) * to_whole
    if whole == 0:
        raise CalculationError("a percentage of 0 is not defined")
    share = part / whole
    steps = [
        *conversions,
        f"{format_number(part)} {DIVIDED} {format_number(whole)} = {format_number(share)}",
        f"{format_number(share)} {TIMES} 100 = {format_number(share * 100)}%",
    ]
    return Worked(
        "percent of", r.between([m.span() for m in numbers]), steps, share * 100, unit="%"
    )


_CHANGES = [
    re.compile(p)
    for p in (
        rf"\bfrom\s+{money('old')}(?:\s*[a-z/²]+)?\s+to\s+{money('new')}",
        rf"\b(?:was|used to be|used to cost|old price (?:was|of|is)?|originally)\s+{money('old')}"
        rf"{GAP}\b(?:now|is now|new price (?:is|of)?|became|becomes)\s+(?:is\s+|costs?\s+)?"
        rf"{money('new')}",
    )
]
_DIRECTION = "more|greater|higher|larger|bigger|less|smaller|lower|fewer|cheaper"
_COMPARISONS = [
    re.compile(p)
    for p in (
        rf"{money('new')}\s+is\s+what\s+(?:percent|percentage|%)\s+(?P<dir>{_DIRECTION})\s+than\s+"
        rf"{money('old')}",
        rf"\bwhat\s+(?:percent|percentage|%)\s+(?P<dir>{_DIRECTION})\s+is\s+{money('new')}\s+"
        rf"than\s+{money('old')}",
        rf"\bby\s+what\s+(?:percent|percentage|%)\s+is\s+{money('new')}\s+(?P<dir>{_DIRECTION})"
        rf"\s+than\s+{money('old')}",
    )
]
_UP = re.compile(
    r"\b(?:increase|increased|rise|rose|risen|growth|grow|grew|grown|gain|up|more|higher|"
    r"markup|raise|greater|larger|bigger)\b"
)
_DOWN = re.compile(
    r"\b(?:decrease|decreased|drop|dropped|fall|fell|fallen|decline|declined|down|less|lower|"
    r"loss|lost|off|discount|cheaper|reduction|reduced|cut|smaller|fewer)\b"
)


def percent_change(r: Reading) -> Worked | None:
    """The change from one amount to another in percent of the first: "from 80 to 100 is
    what percent increase" (25%), "a jacket was $80 and is now $60, what percent off?"
    (25%), "50 is what percent less than 80" (37.5%). A change against the direction
    asked is given with its sign and said in words."""
    if not r.has(r"percent|percentage|%") or r.has(r"\bpercentage points?\b|\bdifference\b"):
        return None
    match = r.find(_COMPARISONS, "old", "new")
    if match is not None:
        down = match["dir"] in ("less", "smaller", "lower", "fewer", "cheaper")
    else:
        match = r.find(_CHANGES, "old", "new")
        if match is None:
            return None
        up, down = r.has(_UP), r.has(_DOWN)
        down = down and not up
        if not (up or down):
            down = False
    if not r.asks_about(_CHANGE_ASKED):
        return None
    converted = _in_one_unit(r, [match.end("old"), match.end("new")])
    if converted is None:
        return None
    (to_old, to_new), conversions = converted
    old, new = Fraction(match["old"]) * to_old, Fraction(match["new"]) * to_new
    if old == 0:
        raise CalculationError("a change from 0 has no percentage")
    change = (new - old) / old * 100
    asked = -change if down else change
    steps = [
        *conversions,
        f"{format_number(new)} - {format_number(old)} = {format_number(new - old)}",
        f"{format_number(new - old)} {DIVIDED} {format_number(old)} {TIMES} 100 = "
        f"{format_number(change)}%",
    ]
    if asked < 0:
        way = "an increase" if change > 0 else "a decrease"
        steps.append(f"that is {way} of {format_number(abs(change))}%")
    return Worked("percent change", match.group(0), steps, asked, unit="%")
