"""The figures a text states: numbers with their units, normalised (``1,234.50`` is
1234.5, ``2 hours and 30 minutes`` is one figure of 150 minutes), each marked as
*working* when it is an operand of a calculation shown (``434 + 36``, the left side of
``=``) rather than a figure the text concludes with.

What is not a figure at all, and is masked before numbers are read: code (fenced or
inline), quoted text, citation marks (``[2]``) and ``Sources:`` lines, dates, times
of day, list numbers at the start of a line, ``Step 3``, ordinals (``15th``) and
numbers inside words or identifiers (``SmolLM2``, ``#123``, ``v1.2.3``).
"""

import re
from dataclasses import dataclass, replace

from bench.eval.units import PREFIX_PATTERN, PREFIXES, SUFFIX_PATTERN, Unit, convert, unit_named


@dataclass(frozen=True, slots=True)
class Figure:
    value: float
    unit: Unit | None
    start: int
    end: int
    working: bool = False
    decimals: int = 0
    """Decimal places as written (``37.80``: 2): how far the text rounded it."""

    def __str__(self) -> str:
        shown = f"{self.value:,.10f}".rstrip("0").rstrip(".")
        if self.unit is None:
            return shown
        if self.unit.dimension.startswith("money:"):
            return f"{self.unit.symbol}{shown}"
        return f"{shown} {self.unit.symbol}"


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_MASKS = [
    r"```.*?(?:```|\Z)",  # fenced code
    r"`[^`\n]*`",  # inline code
    r"\"[^\"\n]*\"|“[^”\n]*”|(?<![A-Za-z])'[^'\n]{1,200}'(?![A-Za-z])",  # quotations
    r"^\s*sources?:.*$|^\s*\[\d+\].*$|\[\d+(?:\s*,\s*\d+)*\]",  # citations
    r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b",  # numeric dates
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:,?\s+\d{{4}})?\b",  # 3 March 2025
    rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b",  # March 3, 2025
    rf"\b{_MONTH}\s+\d{{4}}\b",  # March 2025
    r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?\b)?",  # times of day
    r"\b\d{1,2}(?:\.\d{2})?\s*[ap]\.?m\.?\b",  # 7 pm, 7.40 pm
    r"^\s*\d+[.)](?=\s)",  # list numbers
    r"\bstep\s+\d+\b|#\s?\d+",  # step labels, ids
    r"\b\d+(?:st|nd|rd|th)\b",  # ordinals
]
_MASK = re.compile("|".join(f"(?:{m})" for m in _MASKS), re.I | re.M | re.S)

_NUMBER = re.compile(
    rf"(?P<prefix>(?:{PREFIX_PATTERN})\s?)?"
    r"(?P<sign>[-\u2212])?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s*(?P<mult>thousand|million|billion)\b)?"
    rf"(?:(?:\s?|-)(?P<unit>{SUFFIX_PATTERN})(?![A-Za-z]))?",
    re.I,
)
_MULTIPLIERS = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
_OPERATOR_AFTER = re.compile(
    r"^[\s)\]]*(?:[+\u00d7*/÷^=≈]|[-\u2212\u2013](?=\s*[$€£(\d.])|x(?=\s*[$€£(\d])|"
    r"(?:plus|minus|times|multiplied|divided)\b)",
    re.I,
)
_OPERATOR_BEFORE = re.compile(
    r"(?:[+\u00d7*/÷^]|[\w)]\s*[-\u2212\u2013]|\bx|\bplus|\bminus|\btimes|\b(?:multiplied|divided)\s+by)"
    r"[\s(\[]*$",
    re.I,
)
_JOINED_DURATION = re.compile(r"^\s*(?:,\s*)?(?:and\s+)?$", re.I)


def mask(text: str) -> str:
    """``text`` with everything that is not a figure blanked out (same length)."""
    return _MASK.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def numbers_in(text: str) -> set[float]:
    """Every number written in ``text``, dates and times included (a goal's own numbers)."""
    return {
        float(m.replace(",", ""))
        for m in re.findall(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?", text)
    }


def _read(text: str) -> list[Figure]:
    found: list[Figure] = []
    for m in _NUMBER.finditer(text):
        start = m.start()
        before = text[start - 1] if start else " "
        negative = bool(m["sign"])
        if negative and not m["prefix"] and (before.isalnum() or before == ")"):
            negative, start = False, m.start("num")  # "80-20": a minus, not a sign
            before = text[start - 1]
        after = text[m.end()] if m.end() < len(text) else " "
        if before.isalnum() or before in "_.," or after.isalnum() or after == "_":
            continue  # part of a word, an identifier or a version number
        value = float(m["num"].replace(",", "")) * _MULTIPLIERS.get((m["mult"] or "").lower(), 1)
        if negative:
            value = -value
        unit = None
        if m["unit"]:
            unit = unit_named(m["unit"])
        elif m["prefix"]:
            unit = PREFIXES[m["prefix"].strip().lower()]
        places = len(m["num"].partition(".")[2]) if not m["mult"] else 0
        found.append(Figure(value, unit, start, m.end(), decimals=places))
    return found


def _merge_durations(text: str, figures: list[Figure]) -> list[Figure]:
    """``2 hours and 30 minutes`` → one figure, in the smaller unit."""
    out: list[Figure] = []
    for fig in figures:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.unit is not None
            and fig.unit is not None
            and prev.unit.dimension == fig.unit.dimension
            and prev.unit.dimension in ("time", "calendar")
            and prev.unit.factor > fig.unit.factor
            and _JOINED_DURATION.match(text[prev.end : fig.start])
        ):
            first = convert(prev.value, prev.unit, fig.unit) or 0.0
            out[-1] = Figure(
                first + fig.value, fig.unit, prev.start, fig.end, decimals=fig.decimals
            )
        else:
            out.append(fig)
    return out


def _is_operand(text: str, fig: Figure) -> bool:
    after = text[fig.end : fig.end + 40]
    before = text[max(0, fig.start - 40) : fig.start]
    if _OPERATOR_AFTER.match(after) or _OPERATOR_BEFORE.search(before):
        return True
    # "25% of 80": both sides of a percentage taken of something
    if fig.unit is not None and fig.unit.symbol == "%" and re.match(r"^\s*of\b", after, re.I):
        return True
    return bool(re.search(r"%\s*of\s*[$€£]?\s*$", before))


def figures(text: str) -> list[Figure]:
    """The figures ``text`` states, in order; a figure whose value is later used as an
    operand is working too (an intermediate result)."""
    masked = mask(text)
    found = _merge_durations(masked, _read(masked))
    marked = [replace(f, working=_is_operand(masked, f)) for f in found]
    return [
        replace(fig, working=True)
        if not fig.working and any(o.working and o.value == fig.value for o in marked[i + 1 :])
        else fig
        for i, fig in enumerate(marked)
    ]
