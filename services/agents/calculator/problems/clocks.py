"""Clocks: a time of day plus or minus a duration, and the time from one time of day to
another. "90 minutes after 10:45" is 12:15; "a film starts at 7:40 pm and lasts 2
hours 35 minutes, when does it end?" is 10:15 pm; "leaves at 09:15 and arrives at
13:50, how many minutes?" is 275. A time without am or pm that could be either half of
the day is not guessed when the answer would depend on it.
"""

import re
from fractions import Fraction

from services.agents.calculator.arithmetic import format_number
from services.agents.calculator.problems.reading import Reading, Worked
from services.agents.calculator.units import UNIT_PATTERN, unit

_CLOCK = re.compile(
    r"(?<![\d:])(?:(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?|(?P<hh>\d{1,2})(?=\s*[ap]\.?m\b))"
    r"(?:\s*(?P<ap>[ap])\.?m\b\.?)?(?![\d:])"
    r"|\b(?P<word>noon|midday|midnight)\b"
)
_DURATION = re.compile(
    rf"(?:\d+(?:\.\d+)?\s*{UNIT_PATTERN}|an?\s+(?:hour|minute|second)\b)"
    rf"(?:\s*(?:and\s+)?(?:\d+(?:\.\d+)?\s*{UNIT_PATTERN}|a half\b))*"
)
_DURATION_PART = re.compile(rf"(?:(?P<n>\d+(?:\.\d+)?)\s*|an?\s+)(?P<u>{UNIT_PATTERN})")
_ADD = re.compile(
    r"\b(?:after|past|later than|plus|add|from)\b|\+|\bin\s+$|\bwill it be in\s+(?=\d|an?\s)"
)
_TAKE = re.compile(
    r"\b(?:before|earlier than|prior to|minus|subtract|take away|less)\b|(?<!\w)-(?!\w)"
)


def time_after(r: Reading) -> Worked | None:
    """A time of day moved by a duration: "90 minutes after 10:45" (12:15), "10:45 pm plus
    2 hours" (12:45 am, the next day), "45 minutes before 8:10" (7:25)."""
    clocks = list(_CLOCK.finditer(r.text))
    durations = [d for d in _DURATION.finditer(r.text) if _is_time(d.group(0))]
    if len(clocks) != 1 or len(durations) != 1:
        return None
    clock, duration = clocks[0], durations[0]
    if not r.placed([clock.span(), duration.span()]) or not r.asks_about(frozenset({"time"})):
        return None
    add, take = r.has(_ADD), r.has(_TAKE)
    way = _way(r, clock, duration)
    if way is not None:
        add, take = way, not way
    if add == take:
        return None  # which way is not said, or both are: not guessed
    start = _seconds(clock)
    if start is None:
        return None
    moved = Fraction(0)
    for part in _DURATION_PART.finditer(duration.group(0)):
        size = unit(part["u"])
        if size is None or size.dimension != "time":
            return None
        moved += Fraction(part["n"] or 1) * size.factor
    if moved.denominator != 1:
        return None
    end = start + (moved if add else -moved)
    days, second = divmod(int(end), 86400)
    shown = _clock(
        second, twelve=bool(clock["ap"] or (clock["word"] and clock["word"] != "midnight"))
    )
    if days:
        shown += {1: " the next day", -1: " the day before"}.get(
            days, f" {abs(days)} days {'later' if days > 0 else 'earlier'}"
        )
    start_text = _clock(start % 86400, twelve=bool(clock["ap"]))
    sign = "+" if add else "-"
    minutes = format_number(moved / 60)
    steps = [f"{start_text} {sign} {duration.group(0)} ({minutes} min) = {shown}"]
    return Worked("time of day", r.between([clock.span(), duration.span()]), steps, answer=shown)


_STARTS = re.compile(
    r"\b(?:starts?|started|starting|begins?|began|beginning|leaves?|left|leaving|departs?|"
    r"departed|departing|sets? off|setting off|opens?|opened|kicks? off|from|between)"
    r"(?:\s+(?:work|school|the\s+[a-z]+))?\s+(?:at\s+)?$"
)
_ENDS = re.compile(
    r"\b(?:ends?|ended|ending|finish(?:es|ed)?|finishing|arrives?|arrived|arriving|lands?|"
    r"landed|landing|closes?|closed|until|till|to|by|and)\s+(?:at\s+|by\s+)?$"
)
_ASKS_END = re.compile(
    r"\b(?:end|ends|finish|finishes|arrive|arrives|land|lands|close|closes|get (?:there|in|"
    r"back|home)|done|over|be back|arrival)\b"
)
_ASKS_START = re.compile(
    r"\b(?:start|starts|begin|begins|leave|leaves|depart|departs|set off|sets off|departure)\b"
)


def _role(r: Reading, clock: re.Match[str]) -> str:
    """Whether a time of day is when something starts or when it ends, by the words before."""
    before = r.text[max(0, clock.start() - 30) : clock.start()]
    if _STARTS.search(before):
        return "start"
    return "end" if _ENDS.search(before) else ""


def _way(r: Reading, clock: re.Match[str], duration: re.Match[str]) -> bool | None:
    """ "Starts at 7:40 pm and lasts 2 hours; when does it end?" adds (``True``); "must
    arrive by 9:00, the drive takes 45 minutes; when to leave?" takes away (``False``)."""
    asked = r.asked()
    role = _role(r, clock)
    if asked is None or not role:
        return None
    blanked = r.blanked([(max(0, clock.start() - 30), clock.end()), duration.span()])
    question = blanked[asked[0] : asked[1]]
    end, start = bool(_ASKS_END.search(question)), bool(_ASKS_START.search(question))
    if end == start:
        return None
    return None if (role == "start") != end else end


_HOW_LONG = re.compile(
    r"\bhow\s+many\s+(?P<u>hours|hrs|minutes|mins|seconds)\b"
    r"|\b(?:how\s+long|duration)\b(?:.*\bin\s+(?P<v>hours|minutes|seconds)\b"
    r"(?P<both>\s+and\s+(?:minutes|seconds)\b)?)?"
)


def time_between(r: Reading) -> Worked | None:
    """The time from one time of day to another: "leaves at 09:15 and arrives at 13:50,
    how many minutes?" (275 min), "booked from 10 pm to 6 am, how long?" (8 h, overnight
    only when both times say their half of the day)."""
    clocks = list(_CLOCK.finditer(r.text))
    asked = r.asked()
    if len(clocks) != 2 or asked is None or not r.placed([c.span() for c in clocks]):
        return None
    question = _HOW_LONG.search(r.text[asked[0] : asked[1]])
    if question is None:
        return None
    first, second = clocks
    roles = (_role(r, first), _role(r, second))
    if roles in (("end", "start"), ("end", ""), ("", "start")):
        first, second = second, first
    elif "start" not in roles[:1] and "end" not in roles[1:]:
        return None  # which one is the start is not said
    start, end = _seconds(first), _seconds(second)
    if start is None or end is None:
        return None
    certain = _certain(first) and _certain(second)
    overnight = end <= start
    if (overnight or end - start >= 12 * 3600) and not certain:
        return None  # 9:30 to 3:15 is 5 h 45 min only if the 3:15 is in the afternoon
    seconds = end - start + (86400 if overnight else 0)
    # "in hours and minutes" is how the time is spoken: 8 h 35 min.
    asked_unit = None if question["both"] else question["u"] or question["v"]
    unit_name = asked_unit or "minutes"
    size = unit(unit_name)
    assert size is not None
    value = Fraction(seconds) / size.factor
    spoken = _spoken(seconds)
    overnight_text = " the next day" if overnight else ""
    steps = [
        f"from {r.text[slice(*first.span())].rstrip('.')} to "
        f"{r.text[slice(*second.span())].rstrip('.')}"
        f"{overnight_text} is {spoken}"
    ]
    converted = f"{format_number(value)} {size.symbol}"
    if asked_unit and spoken != converted:
        steps.append(f"{spoken} = {converted}")
    answer = "" if asked_unit else spoken
    return Worked(
        "time between",
        r.between([first.span(), second.span()]),
        steps,
        value,
        unit=size.symbol,
        answer=answer,
    )


def _spoken(seconds: int) -> str:
    """``4 h 35 min``; seconds too when there are any."""
    hours, rest = divmod(seconds, 3600)
    minutes, left = divmod(rest, 60)
    parts = [(hours, "h"), (minutes, "min"), (left, "s")]
    return " ".join(f"{n} {u}" for n, u in parts if n) or "0 min"


def _certain(clock: re.Match[str]) -> bool:
    """Whether a time says its half of the day: am/pm, noon, a 24-hour time (13:50, 09:15)."""
    if clock["ap"] or clock["word"]:
        return True
    hour = clock["h"] or clock["hh"]
    return hour is not None and (int(hour) == 0 or int(hour) > 12 or hour.startswith("0"))


def _is_time(text: str) -> bool:
    units = [unit(p["u"]) for p in _DURATION_PART.finditer(text)]
    return bool(units) and all(u is not None and u.dimension == "time" for u in units)


def _seconds(clock: re.Match[str]) -> int | None:
    """Seconds after midnight of a clock time, or ``None`` when it is no time of day."""
    if clock["word"]:
        return 0 if clock["word"] == "midnight" else 12 * 3600
    hour = int(clock["h"] or clock["hh"])
    minute, second = int(clock["m"] or 0), int(clock["s"] or 0)
    if clock["ap"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if clock["ap"] == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour * 3600 + minute * 60 + second


def _clock(seconds: int, twelve: bool) -> str:
    hour, rest = divmod(seconds, 3600)
    minute, second = divmod(rest, 60)
    tail = f":{second:02d}" if second else ""
    if twelve:
        return f"{hour % 12 or 12}:{minute:02d}{tail} {'pm' if hour >= 12 else 'am'}"
    return f"{hour:02d}:{minute:02d}{tail}"
