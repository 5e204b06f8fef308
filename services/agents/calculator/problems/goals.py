"""What a word problem's question asks for: a dimension, a unit, and how percentages go.

"Work out what they pay" asks for money; "how much does each of them pay" for money per
friend (the people counted); "each instalment" for money per instalment; "how many
minutes" for a time in minutes; "in litres per 100 km" for a volume per length, per 100
km; "how much sugar" for the dimension of the sugar. The question also says how a
percentage named in the text works: a 15% restocking fee is taken off a refund, a 4%
financing fee added to what one pays, and "compute the late fee" asks for the fee itself.
:func:`read_goal` answers ``None`` when the question is none of these, or two questions.
"""

import re
from dataclasses import dataclass
from fractions import Fraction

from services.agents.calculator.problems.measures import (
    PEOPLE,
    UNIT,
    Dims,
    Measure,
    measure,
    noun,
    speed,
    unit_or_noun,
)
from services.agents.calculator.problems.quantities import PERCENT_KINDS, Quantities
from services.agents.calculator.problems.reading import CURRENCY, N, Reading


@dataclass(slots=True)
class Goal:
    """The dimensions an answer may have, and the words that steer the arithmetic."""

    dims: list[Dims]
    units: list[tuple[Measure, int]]
    """The unit asked for, by base (``min``; ``l`` and ``km⁻¹``); others: the text's first."""
    scale: Fraction
    """ "per 100 km": the answer is per this many of the unit below the line."""
    sense: str
    """ "pay" (a total, a price), "receive" (a refund, what is left) or "part" (the fee)."""
    part: str
    """The kind of percentage asked for itself in "part" ("fee", "tax", "off")."""
    adds: bool
    """ "In total", "altogether": amounts named side by side add up."""
    left: bool
    """ "Left", "change", "remaining": one amount is taken from another."""
    whole: bool = False
    """ "How many days", "how many boxes": a fraction of one is no answer (declined)."""
    change: str = ""
    """A percent change asked ("up", "down", "any"): the answer is a percentage."""
    span: tuple[int, int] = (0, 0)


_CHANGE = re.compile(
    r"\b(?:percent(?:age)?|%)\s+(?P<d>increase|decrease|change|rise|growth|drop|fall|decline|"
    r"gain|loss)\b|\bby what (?:percent(?:age)?|%)\b.*?\b(?P<e>increase|decrease|rise|grow|"
    r"fall|drop|go up|go down|change)"
)
_CUE = re.compile(
    r"\bhow\s+(?:much|many|far|long|fast)\b|(?:\b(?:by|at|in|on|for)\s+)?\bwhat\b|\b(?:work\s+out|compute|calculate|find|"
    r"determine|figure\s+out)\b"
)
_PERCENT = re.compile(r"\bpercent|\bpercentage\b|%")
_TWO = re.compile(r"\band\s+(?:what|how|which|when)\b|\?.*\?")
_COMPOUND = re.compile(
    rf"\b(?:in\s+(?P<a>{UNIT})|how many\s+(?P<c>{UNIT}|[a-z]+\b))"
    rf"(?:\s*/\s*|\s+(?:per|an?|for every|each)\s+)(?P<n>{N}\s*)?(?P<b>{UNIT}|[a-z]+\b)"
)
_SUBSTANCE_PER = re.compile(
    r"\b(?P<w>[a-z]+)(?:\s+(?:use|usage|consumption|needed|used))?\s+(?:per|for every)\s+"
    rf"(?P<n>{N})?\s*(?P<b>{UNIT})"
)
"""A substance per an amount of something: "its fuel consumption per 100 km"."""
_FUELS = frozenset({"fuel", "petrol", "gas", "gasoline", "diesel"})
_PER_SCALE = re.compile(rf"\bper\s+(?P<n>{N})\s*(?P<u>{UNIT})")
_SPEED = re.compile(r"\bin\s+(?P<s>km/h|kph|mph|m/s|miles per hour|kilometres per hour)\b")
_HOW_MANY = re.compile(r"\bhow\s+many\s+(?P<w>[a-z-]+)")
_HOW_MUCH = re.compile(r"\bhow\s+much\s+(?P<w>[a-z-]+)")
_IN_UNIT = re.compile(rf"\b(?:in|into)\s+(?P<u>{UNIT})\s*(?:[?.!]|$)")
_MONEY = re.compile(
    r"\b(?:total|totals|cost|costs|price|prices|fare|bill|pay|pays|paid|paying|owe|owes|spend|"
    r"spends|spent|charge|charged|refund|fee|fees|amount|balance|payment|payments|instalment|"
    r"instalments|installment|installments|deposit|tax|tip|discount|save|saves|saving|savings|"
    r"commission|rent|wage|wages|salary|earn|earns|receive|receives|budget|change|left|"
    r"remaining|remain|remains|money|postage|shipping|insurance|revenue|income|earnings|"
    r"takings|wages)\b"
)
_NOT_SUBSTANCE = frozenset(
    "is are was were will would do does did can could should the a an it they we you he she "
    "i money more less of in for to per each over after during within on altogether total "
    "that this".split()
)
_PART = re.compile(
    r"\b(?:the|a|an|how much|in)\s+(?:(?!including|incl|with|plus|after|before|without|"
    r"excluding|less|minus|and|of)[a-z-]+\s+){0,2}?(?P<k>tax|vat|tip|gratuity|fee|commission|"
    r"surcharge|discount|deposit|down payment|markup|saving|savings)\b"
    r"|\bhow much (?:do|does|did|will|would|can) (?:i|we|you|they|he|she|it) (?P<s>save)\b"
)
_RECEIVE = re.compile(
    r"\b(?:refund|refunded|receive|receives|received|get back|gets back|take home|take-home|"
    r"net|payout|pay out|keep|keeps|left|remain|remains|remaining|balance|still owe|"
    r"outstanding|rest)\b"
)
_ADDS = re.compile(r"\b(?:in total|total|altogether|all together|in all|combined|together|both)\b")
_LEFT = re.compile(r"\b(?:left|remain|remains|remaining|change|leftover|left over)\b")
_EACH = re.compile(
    r"\b(?P<lead>each|per|every|a|an)\b\s*(?:of\s+(?:them|us|the\s+\d+\s+[a-z]+|the\s+[a-z]+)\s*|"
    r"(?P<w>[a-z-]+))?"
)
_PERIODS = {"monthly": "month", "weekly": "week", "daily": "day", "yearly": "year"}
_PERIODIC = re.compile(r"\b(?P<p>monthly|weekly|daily|yearly)\s+(?:payment|instalment|cost|bill)")
_TIME_DIMS: list[Dims] = [(("time", 1),), (("day", 1),), (("week", 1),), (("month", 1),)]


def read_goal(r: Reading, quantities: Quantities) -> Goal | None:
    """The goal of the question in ``r``, read against its quantities."""
    span = r.asked()
    if span is None:
        return None
    q = r.text[span[0] : span[1]]
    if _TWO.search(q):
        return None
    # What is asked starts at the asking words: "after paying a $200 deposit …, how much
    # do I still owe?" asks what is owed, not the deposit.
    cue = _CUE.search(q)
    start = cue.start() if cue is not None and cue.start() < len(q) - 1 else 0
    # The question with the quantities written in it blanked out ("for 10 people").
    blanked = r.blanked([(item.start, item.end) for item in quantities.items])
    outside = blanked[span[0] + start : span[1]]
    sense, part = _sense(outside)
    # "The total" adds what is given; "the total for 2 pizzas" only what it names.
    own = any(span[0] <= item.start < span[1] for item in quantities.items)
    adds = bool(_ADDS.search(outside)) and not own
    goal = Goal(
        [],
        [],
        Fraction(1),
        sense,
        part,
        adds,
        bool(_LEFT.search(outside)),
        span=(span[0] + start, span[1]),
    )
    if (change := _CHANGE.search(outside)) is not None:
        word = change["d"] or change["e"]
        goal.change = "any" if word == "change" else ("down" if word in _DOWN else "up")
        return goal
    if _PERCENT.search(outside):
        return None
    if not _dims(goal, outside, quantities):
        return None
    return goal


_DOWN = frozenset({"decrease", "drop", "fall", "decline", "loss", "go down"})


def _sense(q: str) -> tuple[str, str]:
    if (part := _PART.search(q)) is not None:
        word = part["k"] or part["s"]
        kind = "off" if word in ("saving", "savings", "save") else PERCENT_KINDS.get(word, "")
        return "part", kind
    return ("receive" if _RECEIVE.search(q) else "pay"), ""


def _dims(goal: Goal, q: str, quantities: Quantities) -> bool:
    """Fill the dimensions ``goal`` asks for from question ``q``; ``False`` when unclear."""
    if (m := _COMPOUND.search(q)) is not None:
        top = measure(m["a"]) if m["a"] else unit_or_noun(m["c"])
        bottom = unit_or_noun(m["b"])
        if top is None or bottom is None:
            return False
        goal.units = [(top, 1), (bottom, -1)]
        goal.scale = Fraction(m["n"].strip()) if m["n"] else Fraction(1)
    elif (m := _SUBSTANCE_PER.search(q)) is not None and (
        (found_dims := _substance(m["w"], quantities)) is not None
    ):
        bottom = measure(m["b"])
        if bottom is None:
            return False
        goal.units = [(bottom, -1)]
        goal.dims = [tuple(sorted([*found_dims, (bottom.base, -1)]))]
        goal.scale = Fraction(m["n"]) if m["n"] else Fraction(1)
    elif (m := _SPEED.search(q)) is not None or re.search(r"\bhow fast\b|\bspeed\b", q):
        pair = speed(m["s"]) if m is not None else None
        if pair is None and m is not None:
            return False
        goal.units = [(pair[0], 1), (pair[1], -1)] if pair else []
        goal.dims = [(("length", 1), ("time", -1))]
    elif (m := _HOW_MANY.search(q)) is not None:
        word = m["w"]
        if word in ("more", "fewer", "less", "times", "percent"):
            return False
        found = unit_or_noun(word)
        if found is None:
            return False
        goal.units = [(found, 1)]
        goal.whole = found.base.startswith("n:") or found.base in ("day", "week", "month")
    elif re.search(r"\bhow far\b", q):
        goal.dims = [(("length", 1),)]
    elif re.search(r"\bhow long\b", q):
        goal.dims = _TIME_DIMS
    elif (
        (m := _HOW_MUCH.search(q)) is not None
        and m["w"] not in _NOT_SUBSTANCE
        and not (_MONEY.search(m["w"]))
    ):
        found_dims = _substance(m["w"], quantities)
        if found_dims is None:
            return False
        goal.dims = [found_dims]
    elif _MONEY.search(q) or re.search(r"\bhow much\b", q):
        return _money(goal, q, quantities)
    else:
        return False
    if not goal.dims:
        goal.dims = [tuple(sorted((m.base, p) for m, p in goal.units))]
    if (m := _IN_UNIT.search(q)) is not None and len(goal.units) == 0 and len(goal.dims) == 1:
        found = measure(m["u"])
        if found is None or (found.base, 1) not in goal.dims[0]:
            return False
        goal.units = [(found, 1)]
    return True


def _substance(word: str, quantities: Quantities) -> Dims | None:
    """ "How much sugar": the dimension of the sugar the text measures."""
    name = noun([word])
    if name is None:
        return None
    same = _FUELS if name[0].name in _FUELS else {name[0].name}
    matches = {
        tuple((b, p) for b, p in q.dims if p > 0) for q in quantities.items if q.substance in same
    }
    if len(matches) != 1:
        return None
    dims = matches.pop()
    return dims if len(dims) == 1 else None


def _money(goal: Goal, q: str, quantities: Quantities) -> bool:
    currencies = {b for item in quantities.items for b, _ in item.dims if b in CURRENCY}
    per = _per(q, quantities)
    if len(currencies) != 1 or per is None:
        return False
    money: Dims = ((currencies.pop(), 1),)
    if per is _WHOLE:
        goal.dims = [money]
    else:
        goal.dims = [tuple(sorted([*money, (per.base, -1)]))]
        goal.units = [(per, -1)]
        if (scale := _PER_SCALE.search(q)) is not None:
            goal.scale = Fraction(scale["n"])  # "the price per 100 g"
    return True


_WHOLE = Measure("", Fraction(1), "")
"""A whole sum of money, per nothing."""


def _per(q: str, quantities: Quantities) -> Measure | None:
    """What a sum of money is asked per: friends for "each of them", a month for "a
    month" or "monthly payment"; :data:`_WHOLE` for a whole sum, ``None`` when unclear."""
    if (m := _PERIODIC.search(q)) is not None:
        return measure(_PERIODS[m["p"]])
    if (scale := _PER_SCALE.search(q)) is not None:
        return measure(scale["u"])
    for m in _EACH.finditer(q):
        word, lead = m["w"], m["lead"]
        found = measure(word) if word else None
        if lead in ("a", "an"):
            if found is not None:
                return found
            continue
        if word is None or word in _SOMEONE:
            return _people(quantities)
        return unit_or_noun(word)
    return _WHOLE


_SOMEONE = frozenset(
    "person head one pay pays owe owes get gets contribute contributes need needs have has "
    "put puts chip".split()
)


def _people(quantities: Quantities) -> Measure | None:
    """Who "each" means: the people counted, or else the one thing counted."""
    counted = {b for q in quantities.items for b, _ in q.dims if b.startswith("n:")}
    people = {b for b in counted if b[2:] in PEOPLE}
    found = people or counted
    return Measure(found.pop(), Fraction(1), "") if len(found) == 1 else None
