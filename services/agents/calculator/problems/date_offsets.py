"""A date some days or weeks from another: "what date is 90 days after 1 March 2025" (30
May 2025), "what day of the week is 100 days after 1 January 2026" (Saturday), "what day
is 100 days after a Monday" (Wednesday).

Only days and weeks: a month or a year later has no one length ("a month after 31
January"). A date without its year is answered only when the answer is the same in every
year (:data:`written_dates.CYCLE`); its weekday never is.
"""

import re
from datetime import date, timedelta

from services.agents.calculator.problems.reading import Reading, Worked
from services.agents.calculator.problems.written_dates import (
    CYCLE,
    day_months,
    find_dates,
    iso,
    spoken,
)

_COUNT = r"(?:\d+|an?)"
_OFFSET = re.compile(
    rf"\b(?P<n>{_COUNT})\s+(?P<u>days?|weeks?)"
    rf"(?:\s+and\s+(?P<n2>{_COUNT})\s+(?P<u2>days?))?"
    r"\s+(?P<dir>after|from|later than|before|earlier than|prior to)\s+"
)
_OTHER_TIMES = re.compile(
    r"\b(?:months?|years?|fortnights?|decades?|hours?|minutes?|seconds?|weekdays|business|"
    r"working|workdays?|weekends?|holidays?|excluding|today|now|tomorrow|yesterday|ago)\b"
)
"""Words of another reckoning: the offset read would be only part of it."""
_SECOND_STEP = re.compile(r"\b(?:and|plus|then|or|minus)\b|[+&]")
_ASKS_DATE = re.compile(r"\b(?:what|which)(?:'s| is)?\s+(?:the\s+)?date\b|\bdate\s+(?:is|was|will)")
_ASKS_WEEKDAY = re.compile(r"\b(?:what|which)\s+(?:day\s+of\s+(?:the\s+)?week|weekday)\b")
_ASKS_DAY = re.compile(r"\b(?:what|which)\s+day\b(?!\s+of\b)")
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_A_WEEKDAY = re.compile(rf"(?:an?\s+|on\s+an?\s+)?(?P<w>{'|'.join(_WEEKDAYS)})s?\b")


def _days(match: re.Match[str]) -> int | None:
    """The days the offset moves, back when negative; ``None`` for "3 days and 2 days"."""

    def count(text: str) -> int:
        return 1 if text in ("a", "an") else int(text)

    weeks = match["u"].startswith("week")
    if match["n2"] and not weeks:
        return None
    days = count(match["n"]) * (7 if weeks else 1) + (count(match["n2"]) if match["n2"] else 0)
    return -days if match["dir"] in ("before", "earlier than", "prior to") else days


def date_after(r: Reading) -> Worked | None:
    """The date, its weekday, or both ("what day"), some days or weeks from a date."""
    asks = [bool(p.search(r.text)) for p in (_ASKS_DATE, _ASKS_WEEKDAY, _ASKS_DAY)]
    if not any(asks) or r.has(_OTHER_TIMES):
        return None
    offset = _OFFSET.search(r.text)
    shift = None if offset is None else _days(offset)
    if offset is None or shift is None:
        return None
    if _SECOND_STEP.search(r.text[: offset.start()] + " " + r.text[offset.end() :]):
        return None
    full, partial = find_dates(r), day_months(r)
    weekday = _A_WEEKDAY.match(r.text, offset.end())
    if weekday is not None and not full and not partial:
        return _weekday_after(r, offset, weekday, shift)
    spans = [d.span for d in full] + [d.span for d in partial]
    if len(spans) != 1 or spans[0][0] != offset.end():
        return None  # the offset is counted from the one date, written right after it
    if not r.placed([(offset.start(), spans[0][1])]):
        return None
    source = r.text[offset.start() : spans[0][1]]
    step = (
        f"{shift:+d} days"
        if shift % 7
        else f"{shift // 7:+d} week{'s' * (abs(shift) != 7)} ({shift:+d} days)"
    )
    if full:
        start = full[0].day
        end = start + timedelta(days=shift)
        steps = [f"{iso(start)} {step} is {iso(end)}"]
        answer = spoken(end)
        if asks[1]:
            answer = f"{end:%A}"
        elif asks[2] and not asks[0]:
            answer = f"{end:%A} {spoken(end)}"
        return Worked("date after", source, steps, answer=answer)
    if asks[1] or (asks[2] and not asks[0]):
        return None  # a weekday of a date without its year: the year decides
    ends = set()
    for year in CYCLE:
        start_in = partial[0].in_year(year)
        if start_in is None:
            return None
        end = start_in + timedelta(days=shift)
        ends.add((end.month, end.day, end.year - year))
    if len(ends) != 1:
        return None  # a 29 February crossed in some years
    month, day, years = ends.pop()
    if years not in (0, 1, -1):
        return None
    end = date(2004, month, day)
    later = {1: " of the next year", -1: " of the year before"}.get(years, "")
    first = spoken(date(2004, partial[0].month, partial[0].day), False)
    steps = [f"{first} {step} is {spoken(end, False)}{later}, in any year"]
    return Worked("date after", source, steps, answer=spoken(end, False))


def _weekday_after(
    r: Reading, offset: re.Match[str], weekday: re.Match[str], shift: int
) -> Worked | None:
    """ "100 days after a Monday": 100 = 14 weeks and 2 days, so a Wednesday."""
    if not r.placed([offset.span("n")] + ([offset.span("n2")] if offset["n2"] else [])):
        return None
    if r.has(_ASKS_DATE):
        return None
    start = _WEEKDAYS.index(weekday["w"])
    name = _WEEKDAYS[(start + shift) % 7].capitalize()
    weeks, rest = divmod(abs(shift), 7)
    steps = [
        f"{abs(shift)} days = {weeks} week{'s' * (weeks != 1)} and {rest} days, and {rest} days "
        f"{'after' if shift >= 0 else 'before'} a {weekday['w'].capitalize()} is a {name}"
    ]
    return Worked("weekday after", r.text[offset.start() : weekday.end()], steps, answer=name)
