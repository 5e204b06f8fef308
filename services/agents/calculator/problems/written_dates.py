"""Dates as people write them: ISO (``2024-03-01``), with a month's name ("March 1,
2024", "1 March 2024"), with slashes only when the order is plain (``25/12/2024``), and
a day and month without the year ("1 March", "May 31"), which only an answer that is the
same in every year may use. The calendar is the Gregorian one, as in :mod:`datetime`.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date

from services.agents.calculator.arithmetic import CalculationError
from services.agents.calculator.problems.reading import Reading

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
MONTHS["sept"] = 9
MONTH = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b"
_DATES = [
    re.compile(r"\b(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})\b"),
    re.compile(rf"\b(?P<mon>{MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b"),
    re.compile(
        rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{MONTH})\.?,?\s+(?P<y>\d{{4}})\b"
    ),
    re.compile(r"\b(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})\b"),
]


@dataclass(slots=True)
class WrittenDate:
    day: date
    span: tuple[int, int]


def find_dates(r: Reading) -> list[WrittenDate]:
    """Every date in the text, in order; raises when one is written but does not exist."""
    found: list[WrittenDate] = []
    for pattern in _DATES:
        for match in pattern.finditer(r.text):
            if any(d.span[0] < match.end() and match.start() < d.span[1] for d in found):
                continue
            parts = match.groupdict()
            if parts.get("mon"):
                month, day = MONTHS[parts["mon"]], int(parts["d"])
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
                found.append(WrittenDate(date(int(parts["y"]), month, day), match.span()))
            except ValueError:
                raise CalculationError(f"{match.group(0)} is not a date") from None
    return sorted(found, key=lambda d: d.span)


def iso(day: date) -> str:
    return f"{day.isoformat()} ({day.strftime('%A')} {day.day} {day.strftime('%B %Y')})"


_DAY_MONTHS = [
    re.compile(rf"\b(?P<mon>{MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s*\d)"),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{MONTH})\.?(?!,?\s*\d)"),
]
CYCLE = range(2021, 2025)
"""Four years in a row, one of them leap: an answer the same in each is the same in any
year (29 February is crossed or not), save across a century that is no leap year."""


@dataclass(slots=True)
class DayMonth:
    """A date written without its year ("1 March")."""

    month: int
    day: int
    span: tuple[int, int]

    def in_year(self, year: int) -> date | None:
        """This day in ``year``; ``None`` when it has none (29 February, not a leap year)."""
        try:
            return date(year, self.month, self.day)
        except ValueError:
            return None


def day_months(r: Reading) -> list[DayMonth]:
    """Every day and month written without a year, in order; raises when one cannot be
    in any year ("31 April")."""
    full = [d.span for d in find_dates(r)]
    found: list[DayMonth] = []
    for pattern in _DAY_MONTHS:
        for match in pattern.finditer(r.text):
            taken = [*full, *(d.span for d in found)]
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            written = DayMonth(MONTHS[match["mon"]], int(match["d"]), match.span())
            if written.in_year(2024) is None:
                raise CalculationError(f"{match.group(0)} is not a date")
            found.append(written)
    return sorted(found, key=lambda d: d.span)


def spoken(day: date, year: bool = True) -> str:
    """ "30 May 2025" (or "30 May")."""
    return f"{day.day} {day.strftime('%B')}" + (f" {day.year}" if year else "")
