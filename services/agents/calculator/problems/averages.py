"""Averages of a list of numbers: the mean ("the average of 12, 15, 20, 9 and 14") and
the median."""

import re
from fractions import Fraction

from services.agents.calculator.arithmetic import DIVIDED, format_number
from services.agents.calculator.problems.reading import Reading, Worked

_ITEM = r"(?:[$€£]\s?)?-?\d+(?:\.\d+)?(?![\d%])"
_LIST = rf"(?<![\d.]){_ITEM}(?:(?:\s*[,;&]\s*(?:and\s+)?|\s+and\s+|\s+){_ITEM})+"
_AVERAGE = re.compile(
    r"\b(?P<kind>average|mean|median)\b(?:\s+(?:value|score|number))?(?:\s+of)?"
    r"(?:\s+(?:the|these|those|following|my|all))*"
    r"(?:\s+(?:numbers|values|scores|marks|grades|prices|amounts|data|figures|results))?"
    rf"\s*(?:of|:|is|for|are)?\s*(?P<list>{_LIST})"
)
_AVERAGE_AFTER = re.compile(
    rf"(?<![\d.])(?P<list>{_LIST})[^\d%$€£]{{0,60}}\b(?:the\s+)?(?P<kind>average|mean|median)\b"
)
"""The numbers first: "my scores were 80, 90 and 70; what is the average?"."""
_ITEMS = re.compile(r"-?\d+(?:\.\d+)?")


_COUNT = re.compile(r"(?<![\d.,])(?P<n>\d+)\s+(?:[a-z]+\s+)?[a-z]+s\b")
"""A count beside the list ("72, 85 and 91 on three tests"): placed when it counts it."""


def _listed(r: Reading) -> tuple[re.Match[str], list[Fraction]] | None:
    """The list the average is of, and its numbers; a count of them in the text (3 tests)
    is read aside first, and must equal the length of the list."""
    readings: list[tuple[Reading, int | None]] = [(r, None)]
    for count in _COUNT.finditer(r.text):
        a, b = count.span("n")
        text = r.text[:a] + "n" * (b - a) + r.text[b:]
        readings.append((Reading(text, [s for s in r.numbers if s != (a, b)]), int(count["n"])))
    for reading, size in readings:
        match = reading.find([_AVERAGE, _AVERAGE_AFTER], "list")
        if match is None:
            continue
        numbers = [Fraction(n) for n in _ITEMS.findall(match["list"])]
        return (match, numbers) if size in (None, len(numbers)) else None
    return None


def average(r: Reading) -> Worked | None:
    """The mean (or the median, when asked) of the numbers listed after the word."""
    if r.has(r"\b(?:weighted|moving|rolling|running|geometric|harmonic)\b"):
        return None  # another average than the mean of the numbers listed
    found = _listed(r)
    if found is None or not r.asks_about(frozenset({"average", "mean", "median"})):
        return None
    match, numbers = found
    listed = ", ".join(format_number(n) for n in numbers)
    if match["kind"] == "median":
        ordered = sorted(numbers)
        middle = len(ordered) // 2
        steps = [f"in order: {', '.join(format_number(n) for n in ordered)}"]
        if len(ordered) % 2:
            result = ordered[middle]
            steps.append(f"the middle value is {format_number(result)}")
        else:
            a, b = ordered[middle - 1], ordered[middle]
            result = (a + b) / 2
            steps.append(f"the middle values are {format_number(a)} and {format_number(b)}")
            steps.append(
                f"({format_number(a)} + {format_number(b)}) {DIVIDED} 2 = {format_number(result)}"
            )
    else:
        total = sum(numbers, Fraction(0))
        result = total / len(numbers)
        sums = " + ".join(format_number(n) for n in numbers).replace("+ -", "- ")
        steps = [
            f"{sums} = {format_number(total)}",
            f"{format_number(total)} {DIVIDED} {len(numbers)} = {format_number(result)}",
        ]
        if len(steps[0]) > 200:
            steps[0] = f"the sum of the {len(numbers)} numbers is {format_number(total)}"
    money = any(c in match["list"] for c in "$€£")
    return Worked(
        "median" if match["kind"] == "median" else "average",
        f"{match['kind']} of {listed}",
        steps,
        result,
        money=money,
        cents=money and any(re.fullmatch(r"-?\d+\.\d\d", n) for n in _ITEMS.findall(match["list"])),
        currency=r.currency(),
    )
