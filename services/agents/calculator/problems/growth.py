"""Growth or loss by a percentage each period: "a car worth $20,000 loses 15% of its value
each year; what is it worth after 3 years?" is 20000 * 0.85^3 = 12282.50, and "a town of
50,000 grows 2% a year" is 50000 * 1.02^5 after 5 years.

Each period's percentage is of the amount at its start (a car loses 15% of what it is
then worth). A percentage "of its original value" (the same loss each year), a rate and
a time in different periods, and a question for the loss or the change itself are
declined; interest is :mod:`interest`.
"""

import re
from fractions import Fraction

from services.agents.calculator.arithmetic import TIMES, format_number
from services.agents.calculator.problems.reading import Reading, Worked, num, percent

MAX_PERIODS = 100

_LOSS = "loses|lose|depreciates|depreciate|decreases|decrease|drops|falls|declines|shrinks"
_GAIN = "grows|grow|increases|increase|rises|appreciates|appreciate|gains"
_RATE = re.compile(
    rf"\b(?:(?P<loss>{_LOSS})|(?P<gain>{_GAIN}))\s+(?:in value\s+)?(?:by\s+|at\s+)?"
    rf"(?:a rate of\s+)?{percent('rate')}(?:\s+of\s+(?:its|their|the)\s+value)?"
    r"(?:\s+(?:each|every|per|a|an)\s+(?P<per>year|month|week|day|hour)\b"
    r"|\s+(?P<yearly>annually|yearly)\b)"
)
_TIME = re.compile(
    rf"\b(?:after|in|for|over)\s+{num('n')}\s+(?P<u>years?|months?|weeks?|days?|hours?)\b"
)
_AMOUNT = re.compile(r"(?<![a-z\d.])(?:[$€£]\s?)?(?P<base>\d+(?:\.\d+)?)(?![\d%])")
_ASKS_AMOUNT = re.compile(
    r"\b(?:worth|value|population|price|cost|be|have|balance|number|how many|how much)\b"
)
_ASKS_OTHER = re.compile(
    r"\b(?:lose|lost|loss|gain|gained|by how much|increase|decrease|drop|fall|change|"
    r"difference|percent|total|original|initial)\b|%"
)
_NOT_EACH_PERIOD = re.compile(
    r"\b(?:original|initial|purchase|simple|interest|compound\w*|straight|linear|first|"
    r"then|and then|or)\b"
)


def growth(r: Reading) -> Worked | None:
    """The amount after some periods of growth or loss by one percentage each period."""
    if r.has(_NOT_EACH_PERIOD):
        return None
    rates, times = list(_RATE.finditer(r.text)), list(_TIME.finditer(r.text))
    if len(rates) != 1 or len(times) != 1:
        return None
    rate, time = rates[0], times[0]
    per = "year" if rate["yearly"] else rate["per"]
    if not time["u"].startswith(per):
        return None  # "2% a month for 3 years": say it in one period
    used = [rate.span("rate"), time.span("n")]
    amounts = [m for m in _AMOUNT.finditer(r.text) if not any(a <= m.start() < b for a, b in used)]
    if len(amounts) != 1 or not r.placed([*used, amounts[0].span("base")]):
        return None
    asked = r.asked()
    question = r.text[slice(*asked)] if asked else ""
    if not _ASKS_AMOUNT.search(question) or _ASKS_OTHER.search(question):
        return None
    periods = Fraction(time["n"])
    if periods.denominator != 1 or not 0 < periods <= MAX_PERIODS:
        return None
    start, change = Fraction(amounts[0]["base"]), Fraction(rate["rate"]) / 100
    if rate["loss"] and change >= 1:
        return None
    factor = 1 - change if rate["loss"] else 1 + change
    final = start * factor ** int(periods)
    unit = f"{per}{'s' if periods != 1 else ''}"
    steps = [
        f"{'losing' if rate['loss'] else 'gaining'} {rate['rate']}% each {per} multiplies "
        f"the amount by {format_number(factor)}, so after {time['n']} {unit}: "
        f"{format_number(start)} {TIMES} {format_number(factor)}^{time['n']}"
    ]
    money = r.is_money(amounts[0], "base")
    # A count after growth is seldom whole: shown to two decimals, the exact value beside.
    long = not money and len(format_number(final).partition(".")[2]) > 2
    return Worked(
        "growth",
        r.between([*used, amounts[0].span()]),
        steps,
        final,
        money=money,
        cents=money and final.denominator != 1,
        exact=format_number(final) if long else "",
        currency=r.currency(),
    )
