"""A percent change between two amounts the text puts in time order: "145 loaves on
Monday and 175 on Tuesday" is up 20.69%; "200 this year and 250 last year" runs the
other way, and a text that does not say which came first is declined."""

import calendar
import re

from services.agents.calculator.arithmetic import DIVIDED, TIMES, format_number
from services.agents.calculator.problems.goals import Goal
from services.agents.calculator.problems.quantities import Quantities, Quantity
from services.agents.calculator.problems.reading import Reading, Worked

_NAMED_TIMES = [
    [name.lower() for name in names if name] for names in (calendar.day_name, calendar.month_name)
]
"""Weekdays and months, each in calendar order: "on Monday … on Tuesday"."""
_NAMED = [re.compile(r"\b(?:" + "|".join(names) + r")\b") for names in _NAMED_TIMES]
_END = re.compile(r"[.?!;]")
_FROM = re.compile(r"\bfrom\b")
_TO = re.compile(r"\s*to\s*")
_LATER = re.compile(
    r"\b(?:then|later|afterwards|after that|now|today|next|this (?:year|month|week|time))\b"
)
_EARLIER = re.compile(
    r"\b(?:last (?:year|month|week|time)|previous|previously|earlier|before|yesterday|ago)\b"
)


def percent_change_between(r: Reading, found: Quantities, goal: Goal) -> Worked | None:
    """The change from the first amount to the second, in percent of the first: only when
    the words put them in time order ("on Monday … on Tuesday", "then")."""
    amounts = found.items
    if len(amounts) != 2 or found.thresholds or any(q.percent for q in amounts):
        return None
    old, new = amounts
    if old.dims != new.dims or len(old.dims) > 1 or not old.value:
        return None
    if not _in_time_order(r, old, new):
        return None
    change = (new.value - old.value) / old.value * 100
    if (goal.change == "up" and change < 0) or (goal.change == "down" and change > 0):
        return None  # asked for an increase that is a decrease: the question misreads
    asked = -change if goal.change == "down" else change
    show = found.show
    steps = [
        f"{show(new.value, new.dims)} - {show(old.value, old.dims)} = "
        f"{show(new.value - old.value, old.dims)}",
        f"{format_number(new.value - old.value)} {DIVIDED} {format_number(old.value)} {TIMES} "
        f"100 = {format_number(change)}%",
    ]
    return Worked("percent change", r.between([*old.spans, *new.spans]), steps, asked, unit="%")


def _in_time_order(r: Reading, old: Quantity, new: Quantity) -> bool:
    """Whether the words put the first amount before the second: "on Monday … on
    Tuesday", "last year … this year", "then"; a text that runs the other way declines."""
    between = r.text[old.end : new.start]
    after = _END.split(r.text[new.end :], maxsplit=1)[0]
    if _LATER.search(between) and _EARLIER.search(after):
        return False
    if _EARLIER.search(between) or _LATER.search(between) or _LATER.search(after):
        return True
    for names, pattern in zip(_NAMED_TIMES, _NAMED, strict=True):
        seen = [names.index(m.group()) for m in pattern.finditer(r.text)]
        if len(seen) == 2:
            return seen[0] < seen[1]
    return bool(_FROM.search(r.text[: old.start]) and _TO.fullmatch(between))
