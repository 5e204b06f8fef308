"""Word problems worked out from their quantities: every number used once, and an
answer of the dimension the question asks for.

The quantities (:mod:`quantities`) are multiplied and divided in every order that
keeps each intermediate an everyday quantity; amounts are added only where the words
say so ("plus", a fee, "in total") and taken off only where they say so ("less", "$10
off", "what is left"); a percentage works as its word says (tax and fees added, "off"
taken off, or the fee itself when the question asks for it) on any part of the sum.
The answer is given only when every combination of the asked dimension gives the same
value: "3 lamps at $45 each with 10% off" is 3 times 45, less 10%, whichever way it is
multiplied, but with a $25 fee besides, the 10% might be off the fee too: declined.
"""

import itertools
import re
from fractions import Fraction

from services.agents.calculator.arithmetic import DIVIDED, CalculationError, format_number
from services.agents.calculator.problems.changes import percent_change_between
from services.agents.calculator.problems.combinations import Leaf, Node, is_money, search, steps
from services.agents.calculator.problems.goals import Goal, read_goal
from services.agents.calculator.problems.measures import Dims, is_time, written
from services.agents.calculator.problems.quantities import (
    PERCENT_KINDS,
    Quantities,
    Quantity,
    read_quantities,
)
from services.agents.calculator.problems.reading import CURRENCY, Reading, Worked
from services.agents.calculator.units import unit

MAX_LEAVES = 7
"""More numbers than this is no everyday problem (and the search grows fast)."""
_MODES = {
    "pay": {"tax": "add", "tip": "add", "off": "sub", "fee": "add", "up": "add"},
    "receive": {"tax": "sub", "fee": "sub", "deposit": "sub"},
}
"""How a percentage works on what is paid, or on what is received (a refund, the rest)."""
_NOT_MINE = re.compile(
    r"\b(?:interest|average|mean|median|ratio|digits?|primes?|square|squared|cube|cubed|roots?|"
    r"power|twice|double|triple|half|halves|thirds?|quarter of|dozens?|hundreds?|thousands?|"
    r"millions?|billions?|score of|pair of|couple of|except|unless|if|whether|at least|at most|"
    r"minimum|maximum|up to|no more than|round|rounded|rounding|nearest|approximately|roughly|"
    r"about|around|more than|less than|fewer|difference|remainder|profit|loss|times|divided|"
    r"multiplied|or|either|instead|compound|compounded|inflation|exchange|original|originally|"
    r"used to (?:be|cost)|was reduced|reduced to|now costs?|is now|now sells? for|tax-free|free|"
    r"including|incl|inclusive|includes|included)\b"
    r"|(?<![-\w])one(?![-\w])|[+*\u00d7\u00f7^=<>]|\d:\d|\b\d{1,2}\s*[ap]\.?m\b|\b\d+\s*/\s*\d+\b"
    r"|\b(?:me|myself)\s+and\b|\band\s+(?:me|myself)\b|\bwith\s+(?:my\s+)?\d+\s+"
    r"|\band\s+i\b(?!\s+(?:pay|paid|buy|bought|spend|spent|have|had|get|got|leave|earn|want|need|"
    r"use|drive|put|keep|make|sell|work|order|rent|return))"
)
"""Words of another problem, or that change this one in ways not read here."""
_PREMISE = re.compile(
    r"(?:^|(?<=[.?!;]\s))if\b(?=(?:[^,.?!;]|\.\d)*,)(?!(?:[^,.?!;]|\.\d)*\b(?:above|over|"
    r"below|under|more|less|exceeds?|spends?|orders?)\b)"
)
"""A premise ("if 5 notebooks cost $8.75, how much do 8 cost?"), not a condition."""
_FREE = re.compile(r"\bfree\b")
_NO_INTEREST = re.compile(r"\b(?:with\s+)?(?:no|without)\s+interest\b|\binterest[- ]free\b")
_IN_QUESTION_ONLY = re.compile(r"\b(?:including|incl|inclusive|included)\b")
"""Allowed in the question ("the price including tax"), not in what is given."""
_REVERSE = re.compile(r"\b(?:before|without|excluding|excl|pre-tax|net of)\b")
"""A question for the amount before a change: another problem."""
_CHANGE_WORDS = re.compile(
    r"\b(?:tax|vat|gst|hst|tips?|gratuity|discount|(?<![-\w])off|fees?|commission|surcharge|"
    r"deposit|coupon|voucher|rebate|markup|shipping|postage)\b"
)
_FEE_KINDS = {
    "fee": "fee",
    "charge": "fee",
    "surcharge": "fee",
    "fare": "fee",
    "deposit": "deposit",
    "shipping": "shipping",
    "delivery": "shipping",
    "postage": "shipping",
}
_WORD_KINDS = PERCENT_KINDS | {
    "tips": "tip",
    "fees": "fee",
    "coupon": "off",
    "voucher": "off",
    "rebate": "off",
    "shipping": "shipping",
    "postage": "shipping",
}


_THAT = re.compile(r"\bhow much (?:is|was|would be|will be|does) (?:that|it|this)\b")
"""A question about what was said before ("leave 20% on a $37.80 check. How much is
that?"): with a percentage, "that" may be the percentage's amount or the whole."""


def quantities(r: Reading) -> Worked | None:
    """A word problem read as quantities and a goal, worked out when only one answer fits."""
    found = read_quantities(r)
    if found is None or not 1 <= len(found.items) <= MAX_LEAVES or _outside_this(r, found):
        return None
    if r.has(_THAT) and any(q.percent for q in found.items):
        return None
    if len(found.items) == 1 and not _made_rate(found.items[0]):
        return None  # one amount: a conversion, for units.py
    goal = read_goal(r, found)
    if goal is None:
        return None
    if goal.change:
        return percent_change_between(r, found, goal)
    if any(not q.dims and not q.percent for q in found.items):
        return None  # a number that counts nothing named
    if any(not q.percent and r.text[e : e + 1] == "%" for q in found.items for _, e in q.spans):
        return None  # a percentage that says not what it does ("10% a year"): no amount
    leaves = _leaves(r, found, goal)
    if leaves is None or not _one_way(r, found, leaves):
        return None
    shipping = [i for i, q in enumerate(found.items) if q.shipping]
    if found.thresholds:
        return _with_threshold(r, found, goal, leaves, shipping)
    answer = _solve(leaves, goal, found)
    if answer is None:
        _refuse_a_rate_without_its_amount(found, goal)
        return None
    return _worked(r, found, goal, *answer)


def _made_rate(q: Quantity) -> bool:
    """A rate alone may be the answer: money per a unit asked another way ($120 a year, per
    month), or read from two amounts (1200 pages in 40 minutes, per minute)."""
    return (q.money or q.parts is not None) and any(p < 0 for _, p in q.dims)


def _refuse_a_rate_without_its_amount(found: Quantities, goal: Goal) -> None:
    """ "$3.50 plus $2.10 per kilometre; what is the fare?": the kilometres are not given,
    and the sum of the two amounts (what plain arithmetic would answer) is no fare."""
    for q in found.items:
        if q.parts is not None:
            continue  # a rate worked out of two amounts ("5 km in 30 minutes") applies to nothing
        for base, power in q.dims:
            if power > 0 or any((base, p) in dims for dims in goal.dims for p in (1, -1)):
                continue  # the per-unit is asked for (days it takes, the price per kg)
            others = [b for other in found.items if other is not q for b, p in other.dims if p > 0]
            if base in others or (is_time(base) and any(is_time(b) for b in others)):
                continue  # given, or given in a unit not converted (weeks of hourly pay)
            name = written(found.names.get(base, base.removeprefix("n:")), Fraction(2))
            raise CalculationError(
                f"{found.show(q.value, q.dims)} needs a number of {name}, and the text gives "
                "none: say how many"
            )


def _outside_this(r: Reading, found: Quantities) -> bool:
    """Whether the text holds words this reading does not place (see :data:`_NOT_MINE`)."""
    asked = r.asked()
    if asked is None:
        return True
    text = _NO_INTEREST.sub(" ", _PREMISE.sub(" ", r.text))
    if found.thresholds:
        text = _FREE.sub("    ", text, count=1)  # "ships free above $500" is read
    given = text[: asked[0]] + " " + text[asked[1] :]
    question = text[asked[0] : asked[1]]
    if _NOT_MINE.search(_IN_QUESTION_ONLY.sub(" ", question)) or _NOT_MINE.search(given):
        return True
    if _REVERSE.search(question):
        return True
    kinds = {q.percent for q in found.items if q.percent}
    kinds |= {_FEE_KINDS[q.fee] for q in found.items if q.fee}
    kinds |= {"off" for q in found.items if q.mark == "less"}
    kinds |= {"shipping" for _ in found.thresholds}
    named = {_WORD_KINDS.get(m.group(), "fee") for m in _CHANGE_WORDS.finditer(r.text)}
    return not named <= kinds


def _leaves(r: Reading, found: Quantities, goal: Goal) -> list[Leaf] | None:
    leaves = []
    parts = [q for q in found.items if q.percent and q.percent == goal.part]
    if len(parts) > 1:
        return None
    for q in found.items:
        mode = mark = ""
        if q.percent:
            mode = (
                "part" if q in parts else _MODES.get(goal.sense, _MODES["pay"]).get(q.percent, "")
            )
            if goal.sense == "part" and q not in parts:
                mode = _MODES["pay"].get(q.percent, "")
            if not mode or (q.dims and mode != "part"):
                return None
        elif q.mark == "fee" and re.search(rf"\b{q.fee}\b", r.text[slice(*goal.span)]):
            mark = ""  # "what is the postage?": the fee is what is asked
        elif q.mark == "fee":
            mark = "less" if goal.sense == "receive" else "plus"
        else:
            mark = q.mark
        leaves.append(
            Leaf(
                q.value,
                q.dims,
                mode,
                mark,
                q.start,
                tuple(_notes(q, found)),
            )
        )
    return leaves


_SUCCESSIVE = re.compile(r"\b(?:then|after that|afterwards|further|additional|extra|another)\b")


def _one_way(r: Reading, found: Quantities, leaves: list[Leaf]) -> bool:
    """Whether two percentages say how they go together: a tax on the price after a
    discount, or "then", "a further 10%"; a tip and a tax on a meal may each be on the
    meal or the tip on the taxed bill, so those are not guessed."""
    changes = [
        q for q, leaf in zip(found.items, leaves, strict=True) if leaf.mode in ("add", "sub")
    ]
    for first, second in itertools.pairwise(changes):
        between = r.text[first.end : second.start]
        if not (first.percent == "off" and second.percent == "tax") and not (
            _SUCCESSIVE.search(between)
        ):
            return False
    return True


def _notes(q: Quantity, found: Quantities) -> list[str]:
    notes = list(q.notes)
    if q.parts is not None:
        top, bottom = q.parts
        notes.append(
            f"{found.show(top.value, top.dims)} {DIVIDED} {found.show(bottom.value, bottom.dims)}"
            f" = {found.show(q.value, q.dims)}"
        )
    return notes


def _solve(leaves: list[Leaf], goal: Goal, found: Quantities) -> tuple[Node, Fraction] | None:
    """The one answer of every combination with the goal's dimension, or ``None``."""
    nodes = search(leaves, goal)
    values = {_in_goal_units(node, goal, found) for node in nodes}
    if len(values) != 1 or (goal.whole and next(iter(values)).denominator != 1):
        return None
    best = min(nodes, key=lambda node: node.rank)
    return best, values.pop()


def _in_goal_units(node: Node, goal: Goal, found: Quantities) -> Fraction:
    value = node.value
    for m, power in goal.units:
        size = found.sizes.get(m.base, m.factor)
        value *= (size / m.factor) ** power
    return value * goal.scale


def _with_threshold(
    r: Reading, found: Quantities, goal: Goal, leaves: list[Leaf], shipping: list[int]
) -> Worked | None:
    """ "Ships free above $500": the total without shipping is checked against it."""
    if len(found.thresholds) != 1 or len(shipping) > 1 or goal.dims != [((r.currency(), 1),)]:
        return None
    threshold = found.thresholds[0]
    goods = [leaf for i, leaf in enumerate(leaves) if i not in shipping]
    answer = _solve(goods, goal, found)
    if answer is None:
        return None
    total = answer[1]
    met = total > threshold.amount if threshold.strict else total >= threshold.amount
    if not met and shipping:
        answer = _solve(leaves, goal, found)
        if answer is None:
            return None
    if not met and not shipping:
        return None  # the shipping costs something the text does not say
    sign = r.currency()
    way = "above" if threshold.strict else "at least"
    is_ = "is" if met else "is not"
    note = (
        f"{sign}{format_number(total)} {is_} {way} {sign}{format_number(threshold.amount)}, "
        f"so shipping {is_} free"
    )
    worked = _worked(r, found, goal, *answer)
    worked.steps.append(note)
    return worked


def _worked(r: Reading, found: Quantities, goal: Goal, node: Node, value: Fraction) -> Worked:
    working = steps(node, found)
    label = _unit(goal, found, node.dims, value)
    if value != node.value or goal.scale != 1:
        shown = f"{format_number(value)} {label}".strip()
        if is_money(node.dims):
            scale = f"{format_number(goal.scale)} " if goal.scale != 1 else ""
            per = " ".join(f"per {scale}{m.name}" for m, p in goal.units if p < 0 and m.name)
            shown = f"{found.show(value, ((r.currency(), 1),))} {per}".strip()
        working.append(f"{found.show(node.value, node.dims)} = {shown}")
    money = is_money(node.dims)
    spans = [s for q in found.items for s in q.spans] + [t.span for t in found.thresholds]
    return Worked(
        "quantities",
        r.between(spans) if spans else r.text,
        working,
        value,
        unit="" if money else label,
        money=money,
        cents=money and any(q.cents for q in found.items),
        currency=r.currency() if money else "",
    )


def _unit(goal: Goal, found: Quantities, dims: Dims, value: Fraction) -> str:
    """The answer's unit as written: ``g``, ``days``, ``l/100 km``, ``km/h``."""
    named = {m.base: m.name for m, _ in goal.units}
    tops = [named.get(b, found.names.get(b, b)) for b, p in dims if p > 0]
    bottoms = [named.get(b, found.names.get(b, b)) for b, p in dims if p < 0]
    if any(t in CURRENCY for t in tops):
        return ""
    if not bottoms:
        return " ".join(written(t, value) for t in tops)
    scale = f"{format_number(goal.scale)} " if goal.scale != 1 else ""
    text = (
        f"{'·'.join(t if unit(t) else written(t, value) for t in tops)}/{scale}{'·'.join(bottoms)}"
    )
    return {"km/h": "km/h", "mi/h": "mph"}.get(text, text)
