"""Everyday word problems, one recognizer per family, tried in order.

A recognizer reads the text (:func:`reading.read`), and answers only when it can place
every number in it; otherwise it returns ``None`` and the next one tries. When none
answers, the solver falls back to unit conversions and plain expressions. Dates come
first (their digits would read as other numbers), and a split before a tip (a bill
split three ways may carry a tip, but a tip question is no split).

The quantity reasoner (:mod:`reasoner`) comes last: it reads any everyday problem from
its quantities and the dimension asked, so it takes what the narrow recognizers, which
word their steps for their own family, leave; it declines when two readings disagree.
"""

import re
from collections.abc import Callable

from services.agents.calculator.arithmetic import CalculationError
from services.agents.calculator.problems.ages import age
from services.agents.calculator.problems.averages import average
from services.agents.calculator.problems.clocks import time_after, time_between
from services.agents.calculator.problems.date_offsets import date_after
from services.agents.calculator.problems.dates import days_between, days_in, leap_year, weekday
from services.agents.calculator.problems.growth import growth
from services.agents.calculator.problems.interest import interest
from services.agents.calculator.problems.percents import percent_change, percent_of
from services.agents.calculator.problems.prices import discount, increase, split, tax, tip
from services.agents.calculator.problems.rates import rate, speed
from services.agents.calculator.problems.reading import Reading, Worked, read
from services.agents.calculator.problems.reasoner import quantities
from services.agents.calculator.problems.referred import referred_conversion
from services.agents.calculator.problems.roots import root
from services.agents.calculator.problems.shapes import shape
from services.agents.calculator.problems.totals import total
from services.agents.calculator.problems.written_dates import day_months, find_dates

__all__ = ["RECOGNIZERS", "Worked", "find_problem", "mentions_date", "mentions_problem"]

RECOGNIZERS: list[Callable[[Reading], Worked | None]] = [
    age,
    date_after,
    days_between,
    weekday,
    days_in,
    leap_year,
    total,
    time_after,
    time_between,
    interest,
    growth,
    split,
    tip,
    tax,
    discount,
    increase,
    percent_change,
    percent_of,
    average,
    shape,
    speed,
    rate,
    root,
    referred_conversion,
    quantities,
]

_WORDS = re.compile(
    r"\b(?:tip|tips|tax|vat|discount|off|split|share|shared|interest|average|mean|median|"
    r"per|speed|among|between|percent|percentage|compounded)\b",
    re.IGNORECASE,
)


_MULTIPLES = re.compile(
    r"\b(?:(?<!and a )half|halves|halve|halved|twice|double|doubled|triple|tripled|thrice|"
    r"quarters?|thirds?)\b"
)
"""Numbers in words that no recognizer places ("half of $84 plus 15% tip" is no $84 tip):
a recognizer would answer with them left out. "2 and a half hours" is read by the clocks."""


def find_problem(text: str) -> Worked | None:
    """The word problem in ``text``, worked out; ``None`` when no recognizer is sure."""
    reading = read(text)
    if reading is None or reading.has(_MULTIPLES):
        return None
    for recognize in RECOGNIZERS:
        worked = recognize(reading)
        if worked is not None:
            return worked
    return None


def mentions_problem(text: str) -> bool:
    """Whether ``text`` uses the words of a word problem (tip, split, per, average, …):
    then numbers a plain expression leaves out may well be part of the question."""
    return _WORDS.search(text) is not None


def mentions_date(text: str) -> bool:
    """Whether ``text`` writes a date ("1 March 2025", "20 December"): its day and year
    are no operands, so a date question no recognizer answered has no arithmetic to give."""
    reading = read(text)
    if reading is None:
        return False
    try:
        return bool(find_dates(reading) or day_months(reading))
    except CalculationError:
        return True
