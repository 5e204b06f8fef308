"""Calendars: days between two dates, the weekday of a date, leap years, and the days
in a month or a year (times of day are :mod:`clocks`).

Dates are read as ISO (``2024-03-01``), with a month's name ("March 1, 2024", "1 March
2024"), or with slashes only when the order is plain (``25/12/2024``, ``12/25/2024``;
not ``3/4/2024``, which is March or April depending on the country). The calendar is
the Gregorian one, as in :mod:`datetime`.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from services.agents.calculator.arithmetic import CalculationError
from services.agents.calculator.problems.reading import Reading, Worked

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b"
_DATES = [
    re.compile(r"\b(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})\b"),
    re.compile(rf"\b(?P<mon>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b"),
    re.compile(
        rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTH})\.?,?\s+(?P<y>\d{{4}})\b"
    ),
    re.compile(r"\b(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})\b"),
]


@dataclass(slots=True)
class _Date:
    day: date
    span: tuple[int, int]


def _dates(r: Reading) -> list[_Date]:
    """Every date in the text, in order; raises when one is written but does not exist."""
    found: list[_Date] = []
    for pattern in _DATES:
        for match in pattern.finditer(r.text):
            if any(d.span[0] < match.end() and match.start() < d.span[1] for d in found):
                continue
            parts = match.groupdict()
            if parts.get("mon"):
                month, day = _MONTHS[parts["mon"]], int(parts["d"])
            elif parts.get("a"):
                a, b = int(parts["a"]), int(parts["b"])
                if a > 12 >= b:
                    day, month = a, b
                elif b > 12 >= a or a == b:
                    month, day = a, b
                else:
                    raise CalculationError(
                        f"{match.group(0)} could be day/month or month/day; write it as "
                        "YYYY-MM-DD or with the month's name"
                    )
            else:
                month, day = int(parts["m"]), int(parts["d"])
            try:
                found.append(_Date(date(int(parts["y"]), month, day), match.span()))
            except ValueError:
                raise CalculationError(f"{match.group(0)} is not a date") from None
    return sorted(found, key=lambda d: d.span)


def _iso(day: date) -> str:
    return f"{day.isoformat()} ({day.strftime('%A')} {day.day} {day.strftime('%B %Y')})"


_BETWEEN = re.compile(
    r"\b(?:how many|number of|count(?: the)?)\s+(?:whole\s+)?(?P<u>days|weeks|nights)\b"
    r"|\b(?P<v>days|weeks)\s+(?:are there\s+)?(?:between|from|until|till|to)\b"
    r"|\bhow long\b"
)
_INCLUSIVE = re.compile(r"\binclusive\b|\bincluding both\b|\bcounting both\b|\bboth included\b")


def days_between(r: Reading) -> Worked | None:
    """ "How many days between 2024-03-01 and 2024-12-25" (299 days; "inclusive" counts
    both ends), or weeks when asked ("42 weeks and 5 days")."""
    if r.has(r"\b(?:months?|years?|hours?|minutes?)\b") and not r.has(r"\b(?:days|weeks)\b"):
        return None
    if r.has(r"\b(?:weekends?|working|business|workdays?|weekdays|holidays?|excluding)\b"):
        return None  # working days need a calendar of weekends and holidays
    question = re.search(_BETWEEN, r.text)
    if question is None:
        return None
    dates = _dates(r)
    if len(dates) != 2 or not r.placed([d.span for d in dates]):
        return None
    if not r.asks_about(frozenset({"days", "weeks", "nights", "time", "long"})):
        return None
    first, last = dates[0].day, dates[1].day
    days = abs((last - first).days)
    steps = [f"from {_iso(min(first, last))} to {_iso(max(first, last))} is {days} days"]
    leap = [
        y for y in range(min(first, last).year, max(first, last).year + 1) if calendar.isleap(y)
    ]
    if any(min(first, last) <= date(y, 2, 29) < max(first, last) for y in leap):
        steps[0] += " (counting 29 February)"
    if r.has(_INCLUSIVE):
        days += 1
        steps.append(f"counting both the first and the last day: {days} days")
    source = r.between([d.span for d in dates])
    if "weeks" in (question["u"], question["v"]) or r.has(r"\bhow many weeks\b"):
        weeks, rest = divmod(days, 7)
        answer = f"{weeks} weeks" + (f" and {rest} days" if rest else "")
        steps.append(
            f"{days} days {chr(247)} 7 = {weeks} weeks" + (f" and {rest} days" if rest else "")
        )
        return Worked("days between", source, steps, Fraction(days, 7), unit="week", answer=answer)
    return Worked("days between", source, steps, Fraction(days), unit="day")


_WEEKDAY = re.compile(r"\bday of (?:the )?week\b|\bweekday\b|\bwhat day\b|\bwhich day\b")


def weekday(r: Reading) -> Worked | None:
    """ "What day of the week is 2025-07-04": Friday."""
    if not r.has(_WEEKDAY):
        return None
    dates = _dates(r)
    if len(dates) != 1 or not r.placed([dates[0].span]):
        return None
    if not r.asks_about(frozenset({"day", "weekday"})):
        return None
    day = dates[0].day
    name = day.strftime("%A")
    steps = [f"{day.isoformat()} is {day.day} {day.strftime('%B %Y')}, a {name}"]
    return Worked("weekday", r.text[slice(*dates[0].span)], steps, answer=name)


_LEAP = re.compile(r"\bleap\s*years?\b")


def leap_year(r: Reading) -> Worked | None:
    """ "Is 2024 a leap year?": yes (divisible by 4, and a century only if by 400)."""
    if not r.has(_LEAP) or r.has(r"\b(?:next|last|previous|after|before|since|until|how many)\b"):
        return None
    years = list(re.finditer(r"(?<![\d.])\d{4}(?![\d.])", r.text))
    if len(years) != 1 or not r.placed([years[0].span()]):
        return None
    year = int(years[0].group())
    if year % 400 == 0:
        why = f"{year} is divisible by 400"
    elif year % 100 == 0:
        why = f"{year} is divisible by 100 but not by 400"
    elif year % 4 == 0:
        why = f"{year} is divisible by 4 and not by 100"
    else:
        why = f"{year} is not divisible by 4"
    leap = calendar.isleap(year)
    answer = f"yes, {year} is a leap year" if leap else f"no, {year} is not a leap year"
    steps = [why, f"so it {'is' if leap else 'is not'} a leap year ({366 if leap else 365} days)"]
    return Worked("leap year", years[0].group(), steps, answer=answer)


_DAYS_IN = re.compile(
    r"\bhow many days (?:are |were |will there be |does |did |has |had )?(?:there )?(?:in|have)\s+"
    rf"(?:the\s+(?:year|month)\s+(?:of\s+)?)?(?:(?P<mon>{_MONTH})(?:\s+(?:of\s+)?(?P<my>\d{{4}}))?"
    r"|(?P<y>\d{4}))\b"
)


def days_in(r: Reading) -> Worked | None:
    """ "How many days in February 2024" (29 days), "how many days are in 2023" (365)."""
    match = _DAYS_IN.search(r.text)
    if match is None or not r.placed([match.span()]):
        return None
    if match["y"]:
        year = int(match["y"])
        days = 366 if calendar.isleap(year) else 365
        step = f"{year} {'is' if days == 366 else 'is not'} a leap year"
        return Worked("days in", match.group(0), [step], Fraction(days), unit="day")
    month = _MONTHS[match["mon"]]
    if match["my"] is None:
        if month == 2:
            return None  # 28 or 29: the year decides
        days = calendar.monthrange(2001, month)[1]
        step = f"{calendar.month_name[month]} has {days} days in every year"
    else:
        year = int(match["my"])
        days = calendar.monthrange(year, month)[1]
        step = f"{calendar.month_name[month]} {year} has {days} days"
        if month == 2:
            step += f" ({year} {'is' if calendar.isleap(year) else 'is not'} a leap year)"
    return Worked("days in", match.group(0), [step], Fraction(days), unit="day")
