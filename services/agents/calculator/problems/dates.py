"""Calendars: days between two dates, the weekday of a date, leap years, and the days
in a month or a year (times of day are :mod:`clocks`).

Dates are read by :mod:`written_dates`; a date without its year takes the other date's
year, or is answered only when the answer is the same in every year.
"""

import calendar
import re
from datetime import date
from fractions import Fraction

from services.agents.calculator.problems.reading import Reading, Worked
from services.agents.calculator.problems.written_dates import (
    CYCLE,
    MONTH,
    MONTHS,
    day_months,
    find_dates,
    iso,
)

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
    pairs = _two_dates(r)
    if pairs is None:
        return None
    spans, candidates = pairs
    if not r.asks_about(frozenset({"days", "weeks", "nights", "time", "long"})):
        return None
    counts = {abs((last - first).days) for first, last in candidates}
    if len(counts) != 1:
        return None  # a 29 February between them in some years: the year decides
    days = counts.pop()
    first, last = candidates[0]
    if len(candidates) > 1:
        steps = [f"from {first.day} {first:%B} to {last.day} {last:%B} is {days} days in any year"]
    else:
        steps = [f"from {iso(min(first, last))} to {iso(max(first, last))} is {days} days"]
        leap = [
            y for y in range(min(first, last).year, max(first, last).year + 1) if calendar.isleap(y)
        ]
        if any(min(first, last) <= date(y, 2, 29) < max(first, last) for y in leap):
            steps[0] += " (counting 29 February)"
    if r.has(_INCLUSIVE):
        days += 1
        steps.append(f"counting both the first and the last day: {days} days")
    source = r.between(spans)
    if "weeks" in (question["u"], question["v"]) or r.has(r"\bhow many weeks\b"):
        weeks, rest = divmod(days, 7)
        answer = f"{weeks} weeks" + (f" and {rest} days" if rest else "")
        steps.append(
            f"{days} days {chr(247)} 7 = {weeks} weeks" + (f" and {rest} days" if rest else "")
        )
        return Worked("days between", source, steps, Fraction(days, 7), unit="week", answer=answer)
    return Worked("days between", source, steps, Fraction(days), unit="day")


def _two_dates(r: Reading) -> tuple[list[tuple[int, int]], list[tuple[date, date]]] | None:
    """The two dates of the text, where they are, and the pairs of days they may be: one
    pair when the years are written (a date without one takes the later date's year, "1
    March and 31 May 2025"), one for each year of :data:`CYCLE` when neither has one."""
    full, partial = find_dates(r), day_months(r)
    spans = sorted([d.span for d in full] + [d.span for d in partial])
    if len(spans) != 2 or not r.placed(spans):
        return None
    if len(full) == 2:
        return spans, [(full[0].day, full[1].day)]
    if len(full) == 1:
        if partial[0].span > full[0].span:
            return None  # "from 1 March 2025 to 31 May": that year or the next?
        first = partial[0].in_year(full[0].day.year)
        if first is None or first > full[0].day:
            return None  # "1 December to 15 January 2026": from which December?
        return spans, [(first, full[0].day)]
    pairs = []
    for year in CYCLE:
        first, last = partial[0].in_year(year), partial[1].in_year(year)
        if first is None or last is None:
            return None
        if last < first:
            last = partial[1].in_year(year + 1)
            if last is None:
                return None
        pairs.append((first, last))
    return spans, pairs


_WEEKDAY = re.compile(r"\bday of (?:the )?week\b|\bweekday\b|\bwhat day\b|\bwhich day\b")


def weekday(r: Reading) -> Worked | None:
    """ "What day of the week is 2025-07-04": Friday."""
    if not r.has(_WEEKDAY):
        return None
    dates = find_dates(r)
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
    rf"(?:the\s+(?:year|month)\s+(?:of\s+)?)?(?:(?P<mon>{MONTH})(?:\s+(?:of\s+)?(?P<my>\d{{4}}))?"
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
    month = MONTHS[match["mon"]]
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
