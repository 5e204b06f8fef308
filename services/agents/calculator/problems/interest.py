"""Interest on savings or a loan: simple, or compounded a number of times a year.

"$1,000 at 5% compounded annually for 3 years" is 1000 * 1.05**3 = 1157.625. The rate is
read as a yearly rate; a question that does not say simple or compound, or compounds
continuously (never exact), is declined.
"""

import re
from fractions import Fraction

from services.agents.calculator.arithmetic import (
    TIMES,
    CalculationError,
    decimal_form,
    format_number,
)
from services.agents.calculator.problems.reading import Reading, Worked, num, percent

MAX_PERIODS = 3650
"""At most ten years compounded daily: the exact value stays cheap to compute."""
MAX_YEARS = 100
MAX_GROWTH = 10**6
"""A balance a million times its start is a misreading (or no savings question)."""
_FREQUENCIES = {
    "annually": 1,
    "yearly": 1,
    "annual": 1,
    "once a year": 1,
    "semi-annually": 2,
    "semiannually": 2,
    "half-yearly": 2,
    "twice a year": 2,
    "quarterly": 4,
    "monthly": 12,
    "weekly": 52,
    "daily": 365,
}
_FREQUENCY = re.compile(r"\b(?:" + "|".join(re.escape(f) for f in _FREQUENCIES) + r")\b")
_RATE = re.compile(
    rf"{percent('rate')}(?:\s+(?:a|per|each|every)\s+(?P<per>year|annum|month|quarter|week|day))?"
)
_TIME = re.compile(
    rf"(?:\b(?:for|over|after|in|within)\s+{num('n')}\s*(?P<u>years?|yrs?|months?)\b"
    rf"|\b{num('m')}-(?P<v>year|month)\b)"
)
_AMOUNT = re.compile(r"(?<![a-z\d.])(?:[$€£]\s?)?(?P<base>\d+(?:\.\d+)?)(?![\d%])")
_INTEREST_ONLY = re.compile(
    r"\binterest (?:earned|paid|gained|accrued|on)\b|\bhow much interest\b|"
    r"\bwhat(?:'s| is| will be| would be) the (?:total )?(?:compound |simple )?interest\b|"
    r"\b(?:compound|simple) interest (?:on|of)\b|\bearn in interest\b|"
    r"\b(?:compute|calculate|work out|find|determine|give|tell me)\s+the\s+(?:total\s+)?"
    r"(?:compound\s+|simple\s+)?interest\b(?!\s+rate)"
)
_WORDS = frozenset(
    "interest earn earns have get grow worth owe pay money balance make return amount total "
    "final value loan savings investment deposit compound simple account".split()
)
_FINAL = re.compile(
    r"\b(?:worth|grow|grows|grown|balance|end up|final amount|future value|maturity|"
    r"total amount|in total|become|becomes|amount to|how much will (?:i|it|we|you) (?:have|be))\b"
    r"|\btotal\b(?! interest)"
)


def interest(r: Reading) -> Worked | None:
    """ "$1,000 at 5% compounded annually for 3 years" (the final amount), "simple interest
    on $800 at 6% for 2 years" (the interest), "how much interest does $2,500 earn at 4%
    compounded monthly over 2 years"."""
    if not r.has(r"\binterest\b|\bcompound"):
        return None
    compound, simple = r.has(r"\bcompound"), r.has(r"\bsimple\b")
    if compound == simple or r.has(r"\bcontinuous"):
        return None
    rates, times = list(_RATE.finditer(r.text)), list(_TIME.finditer(r.text))
    if len(rates) != 1 or len(times) != 1 or rates[0]["per"] not in (None, "year", "annum"):
        return None
    rate, time = rates[0], times[0]
    used = [rate.span("rate"), time.span("n" if time["n"] else "m")]
    amounts = [m for m in _AMOUNT.finditer(r.text) if not any(a <= m.start() < b for a, b in used)]
    if len(amounts) != 1 or not r.placed([*used, amounts[0].span("base")]):
        return None
    if not r.asks_about(_WORDS):
        return None
    principal, yearly = Fraction(amounts[0]["base"]), Fraction(rate["rate"]) / 100
    years = Fraction(time["n"] or time["m"])
    if (time["u"] or time["v"]).startswith("month"):
        years /= 12
    if years > MAX_YEARS:
        raise CalculationError(
            f"{format_number(years)} years is longer than I compute interest for"
        )
    frequencies = {_FREQUENCIES[f] for f in _FREQUENCY.findall(r.text)}
    if simple:
        if frequencies:
            return None
        final, steps = _simple(principal, yearly, years)
    else:
        if len(frequencies) > 1:
            return None
        per_year = frequencies.pop() if frequencies else 1
        periods = years * per_year
        if periods.denominator != 1 or not 0 < periods <= MAX_PERIODS:
            return None
        final, steps = _compound(principal, yearly, per_year, int(periods))
    if principal and final / principal > MAX_GROWTH:
        raise CalculationError("the balance would grow more than a million times: check the rate")
    earned = final - principal
    asks_interest = r.has(_INTEREST_ONLY) and not r.has(_FINAL)
    if simple and not asks_interest:
        steps.append(
            f"{format_number(principal)} + {format_number(earned)} = {format_number(final)}"
        )
    if compound and asks_interest:
        steps.append(f"{_short(final)} - {format_number(principal)} = {_short(earned)} interest")
    return Worked(
        "compound interest" if compound else "simple interest",
        r.between([*used, amounts[0].span()]),
        steps,
        earned if asks_interest else final,
        money=True,
        cents=bool(re.fullmatch(r"\d+\.\d\d", amounts[0]["base"])),
        currency=r.currency(),
    )


def _simple(principal: Fraction, yearly: Fraction, years: Fraction) -> tuple[Fraction, list[str]]:
    earned = principal * yearly * years
    p, y = format_number(principal), format_number(years)
    rate = format_number(yearly * 100)
    steps = [f"{p} {TIMES} {rate}% {TIMES} {y} years = {format_number(earned)} interest"]
    return principal + earned, steps


def _compound(
    principal: Fraction, yearly: Fraction, per_year: int, periods: int
) -> tuple[Fraction, list[str]]:
    step = yearly / per_year
    growth = (1 + step) ** periods
    final = principal * growth
    steps = []
    if per_year > 1:
        steps.append(
            f"{format_number(yearly * 100)}% a year {per_year} times a year is "
            f"{format_number(yearly)} {'÷'} {per_year} = {format_number(step)} a period, "
            f"{periods} periods"
        )
    steps.append(
        f"{format_number(principal)} {TIMES} (1 + {format_number(step)})^{periods} "
        f"{_short(growth, 'factor')} {format_number(principal)} {TIMES} {_short(growth)} "
        f"{_short(final, 'result')}"
    )
    return final, steps


def _short(value: Fraction, role: str = "") -> str:
    """A value as written in a step: exact when short, else its rounding (``≈ 1.0831…``);
    with ``role``, the sign that leads to it (``=`` or ``≈``) and, for a result, the value."""
    text = format_number(value)
    exact = len(text) <= 24
    if role == "factor":
        return "=" if exact else "≈"
    shown = text if exact else decimal_form(value)[0]
    if role == "result":
        return f"= {shown}" if exact else f"≈ {shown}"
    return shown
