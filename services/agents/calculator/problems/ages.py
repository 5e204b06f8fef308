"""Age in whole years: "how old is someone born on 12 May 1990 on 1 June 2026" (36).

A year of age is counted on each birthday. Someone born on 29 February has none in
other years, and on 28 February of such a year the laws differ on whether it has come;
that one day is declined.
"""

import re
from fractions import Fraction

from services.agents.calculator.problems.reading import Reading, Worked
from services.agents.calculator.problems.written_dates import find_dates, iso

_HOW_OLD = re.compile(
    r"\bhow old\b|\bhow many years old\b|\bwhat (?:is|was|will be) (?:the|their|his|her) age\b"
)
_BORN = re.compile(r"\bborn\b")


def age(r: Reading) -> Worked | None:
    """Whole years from a birth date to a later date, both written with their years."""
    if not r.has(_HOW_OLD) or not r.has(_BORN):
        return None
    if r.has(r"\b(?:months?|weeks?|days?|hours?|today|now)\b"):
        return None  # an age in other units, or on a day not written
    dates = find_dates(r)
    if len(dates) != 2 or not r.placed([d.span for d in dates]):
        return None
    born, on = dates[0].day, dates[1].day
    if not _BORN.search(r.text[: dates[0].span[0]]) or on < born:
        return None  # "born" names the first date, and the age is asked after it
    if (born.month, born.day) == (2, 29) and (on.month, on.day) == (2, 28):
        return None
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    came = (on.month, on.day) >= (born.month, born.day)
    steps = [
        f"from {iso(born)} to {iso(on)}: {on.year} - {born.year} = {on.year - born.year}, "
        f"and the birthday has {'come' if came else 'not yet come'} in {on.year}"
        + ("" if came else f", so {on.year - born.year} - 1 = {years}")
    ]
    source = r.between([d.span for d in dates])
    shown = f"{years} year{'s' if years != 1 else ''}"
    return Worked("age", source, steps, Fraction(years), unit="year", answer=shown)
