"""Listed amounts added up: "what's the total of $12.50, $7.25 and $3.10" (22.85), "add up
3 h 20 min, 1 h 45 min and 50 min" (5 h 55 min), "9 hours 20 minutes minus 3 hours 45
minutes" (5 h 35 min).

The whole text must be the list and the words asking for its sum: a list inside a longer
problem is another problem's. Durations are answered in hours and minutes; one taken
from another only when there are two and the first is the longer.
"""

import re
from fractions import Fraction

from services.agents.calculator.arithmetic import format_number
from services.agents.calculator.problems.reading import N, Reading, Worked

_ASK = (
    r"(?:(?:what(?:'s| is)|find|calculate|work out)\s+)?(?:the\s+)?(?:total|sum)(?:\s+of)?"
    r"|add(?:\s+up)?|sum\s+up|total\s+up|what(?:'s| is)|how much is"
)
_MONEY = rf"[$€£]{N}"
_HOURS = rf"(?:{N}\s*(?:h|hr|hrs|hours?)\b)"
_MINUTES = rf"(?:{N}\s*(?:min|mins|minutes?)\b)"
_DURATION = rf"(?:{_HOURS}(?:\s*(?:and\s+)?{_MINUTES})?|{_MINUTES})"
_JOIN = r"(?:\s*,\s*(?:and\s+|plus\s+)?|\s+(?:and|plus)\s+|\s*\+\s*)"


def _listed(item: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?:{_ASK})\s+(?P<list>{item}(?:{_JOIN}{item})+|(?P<a>{item})\s+minus\s+(?P<b>{item}))"
        r"\s*(?:in total|altogether)?\s*[?.!]?"
    )


_MONEY_LIST = _listed(_MONEY)
_DURATION_LIST = _listed(_DURATION)


def total(r: Reading) -> Worked | None:
    """The sum of listed sums of money, or of durations (or one duration less another)."""
    money = _MONEY_LIST.fullmatch(r.text)
    if money is not None and money["a"] is None:
        amounts = re.findall(rf"[$€£]({N})", money["list"])
        values = [Fraction(a) for a in amounts]
        step = " + ".join(amounts) + f" = {format_number(sum(values, Fraction(0)))}"
        return Worked(
            "total",
            money["list"],
            [step],
            sum(values, Fraction(0)),
            money=True,
            cents=any("." in a for a in amounts),
            currency=r.currency(),
        )
    durations = _DURATION_LIST.fullmatch(r.text)
    if durations is None:
        return None
    if durations["a"] is not None:
        first, second = _minutes(durations["a"]), _minutes(durations["b"])
        if second > first:
            return None
        value, step = first - second, f"{_shown(first)} - {_shown(second)}"
    else:
        parts = [_minutes(p[0]) for p in re.finditer(_DURATION, durations["list"])]
        value, step = sum(parts, Fraction(0)), " + ".join(_shown(p) for p in parts)
    if value.denominator != 1:
        return None  # seconds left over: not said in hours and minutes
    shown = _shown(value)
    steps = [f"{step} = {format_number(value)} min = {shown}"]
    return Worked("total", durations["list"], steps, value, unit="min", answer=shown)


def _minutes(duration: str) -> Fraction:
    hours = re.search(rf"({N})\s*h", duration)
    minutes = re.search(rf"({N})\s*m", duration)
    return Fraction(hours[1] if hours else 0) * 60 + Fraction(minutes[1] if minutes else 0)


def _shown(minutes: Fraction) -> str:
    """ "5 h 35 min", "50 min", "4 h" (whole minutes as they are, else exact)."""
    hours, rest = divmod(minutes, 60)
    parts = [f"{hours} h"] * (hours > 0) + [f"{format_number(rest)} min"] * (rest != 0)
    return " ".join(parts) or "0 min"
