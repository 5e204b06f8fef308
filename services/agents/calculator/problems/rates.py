"""Rates: an amount per unit, applied to another amount, and speeds from a distance and
a time. "A car uses 6 litres per 100 km, how much for 350 km" is 6 / 100 * 350 = 21 l;
"earns $18 an hour, 37.5 hours" is 675; "how long is 150 km at 60 km/h" is 2.5 h;
"60 km in 45 minutes" is 80 km/h.

Units come from :mod:`units`, so 90 minutes at $18 an hour is 1.5 hours of pay. A wage
is never carried across days or weeks (a working week is not 168 hours): declined.
"""

import re
from dataclasses import dataclass
from fractions import Fraction

from services.agents.calculator.arithmetic import DIVIDED, TIMES, format_number
from services.agents.calculator.problems.reading import N, Reading, Worked
from services.agents.calculator.units import UNIT_PATTERN, UNITS, Unit, label, unit

_SPEEDS = {
    "km/h": ("km", "h"),
    "mph": ("mi", "h"),
    "m/s": ("m", "s"),
    "kn": ("nmi", "h"),
    "ft/s": ("ft", "s"),
}
_DEFAULT_SPEED = {"km": "km/h", "mi": "mph", "nmi": "kn", "ft": "ft/s"}
_CALENDAR = {"day", "week"}
_NOUN = r"[a-z]+"
_NOT_NOUNS = frozenset(
    "a an the and or of with for in on at to from by is are was it this that one day".split()
)
"""Words after "each" or "a" that are no unit of a rate: "$20 each with …"."""
_PER = r"(?:\s*/\s*|\s+(?:per|an?|each|every|for each|for every)\s+)"
_PER_RATE = re.compile(
    rf"(?:(?P<cur>[$€£])\s?)?(?P<a>{N})(?![\d%])(?:\s*(?P<au>{UNIT_PATTERN}))?{_PER}"
    rf"(?:(?P<b>{N})\s*)?(?P<bu>{UNIT_PATTERN}|{_NOUN})"
)
_SPEED_RATE = re.compile(rf"(?P<a>{N})\s*(?P<au>{UNIT_PATTERN})")
_TIME_PART = rf"(?:{N}\s*{UNIT_PATTERN}|an?\s+{UNIT_PATTERN})"
_IN_TIME = re.compile(
    rf"(?:(?P<cur>[$€£])\s?)?(?P<a>{N})(?:\s*(?P<au>{UNIT_PATTERN}))?\s+(?:in|within|over|during)\s+"
    rf"(?P<t>{_TIME_PART}(?:\s*(?:and\s+)?{N}\s*{UNIT_PATTERN})*)"
)
_PART = re.compile(rf"(?:(?P<n>{N})\s*|an?\s+)(?P<u>{UNIT_PATTERN})")
_OTHER = re.compile(
    rf"(?:(?P<cur>[$€£])\s?)?(?P<c>{N})(?![\d%])(?:\s*(?P<cu>{UNIT_PATTERN}|{_NOUN}))?"
)
_TARGETS = [
    re.compile(rf"\bhow\s+many\s+(?P<t>{UNIT_PATTERN})"),
    re.compile(rf"\b(?:in|into)\s+(?P<t>{UNIT_PATTERN})(?=\s*(?:[?.!,]|$))"),
]
_PER_TARGET = re.compile(rf"\b(?:per|an?|each|every)\s+(?P<t>{UNIT_PATTERN})")
_SPEED_CUE = re.compile(
    r"\b(?:speed|fast|velocity|rate|average|quick|quickly)\b|km/h|mph|m/s"
    r"|\bper (?:hour|minute|second)\b|\ban hour\b|\ba minute\b"
)
_MULTIPLIERS = re.compile(r"\b(?:half|halves|double|doubled|twice|triple|tripled|quarter of)\b")
"""Numbers in words beside the rate ("time-and-a-half for overtime"): not placed here."""
_ASKS_MONEY = re.compile(
    r"\b(?:what|how much)\b[^.?!]*\b(?:cost|costs|price|total|pay|fee|fees|charge|bill|spend)\b"
)
_ASKED = frozenset(
    "fuel petrol gas gasoline diesel water money earn earns make get pay cost costs need use "
    "uses spend time long far distance travel go drive cover much it".split()
) | frozenset(UNITS)
"""What a rate's question may ask about: fuel, money, time, distance, or any unit."""


@dataclass(slots=True)
class _Rate:
    """``amount`` of ``top`` per ``per`` of ``bottom``: 6 l per 100 km, $18 per 1 h."""

    amount: Fraction
    top: str
    per: Fraction
    bottom: str
    money: bool
    spans: list[tuple[int, int]]

    def read(self) -> str:
        per = "" if self.per == 1 else f"{format_number(self.per)} "
        return f"{_amount(self.amount, self.top, self.money)} per {per}{self.bottom}"


def rate(r: Reading) -> Worked | None:
    """An amount at a rate, or the amount of the other side that a rate gives."""
    found = _find_rate(r)
    if found is None or r.has(_MULTIPLIERS):
        return None
    given = [
        m for m in _OTHER.finditer(r.text) if not any(a <= m.start("c") < b for a, b in found.spans)
    ]
    if len(given) != 1 or not r.placed([*found.spans, given[0].span("c")]):
        return None
    other = given[0]
    words = {found.top, found.bottom, *_names(found.top), *_names(found.bottom)}
    if not r.asks_about(_ASKED | words):
        return None
    amount = Fraction(other["c"])
    if other["cur"]:
        # Money given: how much of the bottom it buys (the rate's top must be money too),
        # when that is asked: "what is the cost" with a $40 fee beside "$25 a month" is not.
        if not found.money or r.has(_ASKS_MONEY):
            return None
        return _inverse(r, found, amount, found.top, other)
    name = (other["cu"] or "").strip()
    if name and _same(name, found.bottom):
        return _forward(r, found, amount, name, other)
    if name and not found.money and _same(name, found.top):
        return _inverse(r, found, amount, name, other)
    return None


def speed(r: Reading) -> Worked | None:
    """A speed, or an amount per unit of time, from "60 km in 45 minutes": km/h for
    kilometres, mph for miles, else what the question asks for ("in m/s", "per hour")."""
    match = _IN_TIME.search(r.text)
    if match is None or not r.has(_SPEED_CUE) or r.has(r"\bpace\b"):
        return None
    if not (bool(match["cur"]) ^ bool(match["au"])):
        return None
    parts = [(Fraction(p["n"] or 1), unit(p["u"])) for p in _PART.finditer(match["t"])]
    if any(u is None or u.dimension != "time" for _, u in parts):
        return None
    spans = [match.span("a"), match.span("t")]
    if not r.placed(spans) or not r.asks_about(_ASKED | {"speed", "fast", "average", "velocity"}):
        return None
    seconds = sum((n * u.factor for n, u in parts if u is not None), Fraction(0))
    top = unit(match["au"]) if match["au"] else None
    target = _target(r, spans)
    per_time = _PER_TARGET.search(r.text[match.end() :])
    amount = Fraction(match["a"])
    if top is not None and top.dimension == "length":
        goal = target or unit(_DEFAULT_SPEED.get(top.symbol, "m/s"))
        if goal is None or goal.dimension != "speed":
            return None
        length, time = (unit(s) for s in _SPEEDS[goal.symbol])
        assert length is not None and time is not None
        distance = amount * top.factor / length.factor
        hours = seconds / time.factor
        steps = (
            []
            if len(parts) == 1 and parts[0][1] == time
            else [
                f"{_time_text(parts)} = {format_number(hours)} {time.symbol}",
            ]
        )
        steps += [
            f"{format_number(distance)} {length.symbol} {DIVIDED} {format_number(hours)} "
            f"{time.symbol} = {format_number(distance / hours)} {goal.symbol}",
        ]
        if top.symbol != length.symbol:
            steps.insert(
                0,
                f"{format_number(amount)} {top.symbol} = {format_number(distance)} {length.symbol}",
            )
        return Worked("speed", match.group(0), steps, distance / hours, unit=goal.symbol)
    # Money or another amount per unit of time: only when a unit of time is asked for.
    per = unit(per_time["t"]) if per_time else None
    if per is None or per.dimension != "time":
        return None
    count = seconds / per.factor
    result = amount / count
    what = match["cur"] or (top.symbol if top else "")
    steps = [
        f"{_time_text(parts)} = {format_number(count)} {label(per.symbol, count)}",
        f"{_amount(amount, what, bool(match['cur']))} {DIVIDED} {format_number(count)} = "
        f"{_amount(result, what, bool(match['cur']))} per {per.symbol}",
    ]
    return Worked(
        "rate",
        match.group(0),
        steps,
        result,
        unit="" if match["cur"] else f"{what}/{per.symbol}",
        money=bool(match["cur"]),
        cents=bool(re.fullmatch(r"\d+\.\d\d", match["a"])),
        currency=match["cur"] or "",
    )


def _find_rate(r: Reading) -> _Rate | None:
    for match in _PER_RATE.finditer(r.text):
        if bool(match["cur"]) == bool(match["au"]):
            continue  # "$18 kg per …" or a bare number: not a rate
        top_unit = unit(match["au"]) if match["au"] else None
        if match["au"] and top_unit is None:
            continue  # a temperature: no rate
        top = match["cur"] or (top_unit.symbol if top_unit else "")
        bottom_unit = unit(match["bu"])
        bottom = bottom_unit.symbol if bottom_unit else _singular(match["bu"])
        if bottom_unit is None and match["bu"] in _NOT_NOUNS:
            continue
        spans = [match.span("a")] + ([match.span("b")] if match["b"] else [])
        per = Fraction(match["b"] or 1)
        if per == 0:
            return None  # "per 0 km": no rate
        return _Rate(Fraction(match["a"]), top, per, bottom, bool(match["cur"]), spans)
    for match in _SPEED_RATE.finditer(r.text):
        speed_unit = unit(match["au"])
        if speed_unit is not None and speed_unit.symbol in _SPEEDS:
            length, time = _SPEEDS[speed_unit.symbol]
            return _Rate(Fraction(match["a"]), length, Fraction(1), time, False, [match.span("a")])
    return None


def _forward(
    r: Reading, found: _Rate, amount: Fraction, name: str, other: re.Match[str]
) -> Worked | None:
    """``amount`` of the bottom side at the rate: 350 km at 6 l per 100 km = 21 l."""
    given, bottom = unit(name), unit(found.bottom)
    steps = []
    if given is not None and bottom is not None and given.symbol != bottom.symbol:
        if found.money and {given.symbol, bottom.symbol} & _CALENDAR:
            return None
        converted = amount * given.factor / bottom.factor
        steps.append(
            f"{format_number(amount)} {given.symbol} = {format_number(converted)} {bottom.symbol}"
        )
        amount = converted
    each = found.amount / found.per
    if found.per != 1:
        steps.append(
            f"{found.read()} is {_amount(each, found.top, found.money)} per {found.bottom}"
        )
    result = amount * each
    step = (
        f"{_amount(amount, found.bottom, False)} {TIMES} {_amount(each, found.top, found.money)} "
        f"per {found.bottom} = {_amount(result, found.top, found.money)}"
    )
    target = _target(r, [*found.spans, other.span()])
    shown = found.top
    if target is not None and target.symbol != found.top:
        top = unit(found.top)
        if found.money or top is None or top.dimension != target.dimension:
            return None
        result, shown = result * top.factor / target.factor, target.symbol
        step += f" = {_amount(result, shown, False)}"
    steps.append(step)
    return _worked(r, found, steps, result, shown, found.money)


def _inverse(
    r: Reading, found: _Rate, amount: Fraction, name: str, other: re.Match[str]
) -> Worked | None:
    """How much of the bottom side ``amount`` of the top gives: 150 km at 60 km/h = 2.5 h."""
    steps = []
    if not found.money:
        given, top = unit(name), unit(found.top)
        if given is None or top is None:
            return None
        if given.symbol != top.symbol:
            converted = amount * given.factor / top.factor
            steps.append(
                f"{format_number(amount)} {given.symbol} = {format_number(converted)} {top.symbol}"
            )
            amount = converted
    each = found.amount / found.per
    result = amount / each
    step = (
        f"{_amount(amount, found.top, found.money)} {DIVIDED} {found.read()} = "
        f"{format_number(result)} {_plural(found.bottom, result)}"
    )
    shown = found.bottom
    target = _target(r, [*found.spans, other.span()])
    if target is not None and target.symbol != found.bottom:
        bottom = unit(found.bottom)
        if bottom is None or bottom.dimension != target.dimension:
            return None
        if found.money and {bottom.symbol, target.symbol} & _CALENDAR:
            return None
        result, shown = result * bottom.factor / target.factor, target.symbol
        step += f" = {format_number(result)} {_plural(shown, result)}"
    steps.append(step)
    return _worked(r, found, steps, result, _plural(shown, result), False)


def _worked(
    r: Reading, found: _Rate, steps: list[str], result: Fraction, shown: str, money: bool
) -> Worked:
    return Worked(
        "rate",
        r.between(found.spans + [m.span() for m in _OTHER.finditer(r.text)][-1:]),
        steps,
        result,
        unit="" if money else shown,
        money=money,
        cents=money and any(re.fullmatch(r"\d+\.\d\d", r.text[a:b]) for a, b in found.spans),
        currency=found.top if money else "",
    )


def _target(r: Reading, spans: list[tuple[int, int]]) -> Unit | None:
    """The unit the question asks the answer in ("how many minutes", "… in m/s")."""
    for pattern in _TARGETS:
        for match in pattern.finditer(r.text):
            if not any(a <= match.start("t") < b for a, b in spans):
                return unit(match["t"])
    return None


def _same(name: str, symbol: str) -> bool:
    """Whether ``name`` measures what ``symbol`` does: "minutes" and "h", "tickets" and "ticket"."""
    a, b = unit(name), unit(symbol)
    if a is not None and b is not None:
        return a.dimension == b.dimension
    return a is None and b is None and _singular(name) == _singular(symbol)


def _names(symbol: str) -> set[str]:
    return {
        symbol,
        _plural(symbol, Fraction(2)),
        "litres",
        "liters",
        "kilometres",
        "miles",
        "hours",
    }


def _singular(noun: str) -> str:
    irregular = {"people": "person", "children": "child"}
    if noun in irregular:
        return irregular[noun]
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


def _plural(noun: str, amount: Fraction) -> str:
    if unit(noun) is not None:
        return label(noun, amount)
    if amount == 1:
        return noun
    return {"person": "people", "child": "children"}.get(
        noun, noun if noun.endswith("s") else noun + "s"
    )


def _amount(value: Fraction, what: str, money: bool) -> str:
    return (
        f"{what}{format_number(value)}"
        if money
        else f"{format_number(value)} {_plural(what, value)}"
    )


def _time_text(parts: list[tuple[Fraction, Unit | None]]) -> str:
    return " ".join(f"{format_number(n)} {label(u.symbol, n)}" for n, u in parts if u is not None)
