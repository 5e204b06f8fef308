"""From a task's text to an answer: find the arithmetic, compute it, explain the steps.

Three readings, most specific first: a word problem (:mod:`problems`: a discount, a
tip, days between dates, …), a unit conversion (:mod:`units`), and plain expressions
(:mod:`wording`). Every solution names its ``answer`` as shown to people, with its
unit; its data has ``value`` (a plain decimal) when the answer is a number.
"""

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from services.agents.calculator.arithmetic import (
    TIMES,
    CalculationError,
    Evaluation,
    Limits,
    decimal_form,
    evaluate,
    format_number,
    short_form,
)
from services.agents.calculator.problems import find_problem, mentions_date, mentions_problem
from services.agents.calculator.units import (
    UNIT_PATTERN,
    UnitError,
    display,
    explain,
    find_conversion,
)
from services.agents.calculator.wording import (
    Found,
    ambiguous_percent,
    beyond_arithmetic,
    find_expressions,
    normalize,
)

_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")
_ASKS_PERCENT = re.compile(
    r"\b(?:what|which|how many)\s+(?:percent|percentage)\b|\bpercentage\b|\bin percent\b"
    r"|\bas an? percent\b",
    re.IGNORECASE,
)


_JOINED = re.compile(
    r"(?:[\d)]\s*(?:of|and|then)\s+(?:(?:the|a|an)\s+)?"
    r"|\b(?:add|subtract|multiply|divide|take away|take|then)\b"
    r"(?:\s+(?:it|that|this|them|the result))?"
    r"(?:\s+(?:by|to|from|with))?\s*)$"
)
"""Words that join a number to the arithmetic before it ("1/4 of the 200", "multiply 6 by
7 and add 5"): a number so joined and left out of the expression makes its value no answer."""


_OF_SOMETHING = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\)?\s+of\s+(?:an?|the|my|our|your|this)\s+\w+")
"""A number of a thing ("3/4 of an hour", "1/2 of the cake"): the thing is no arithmetic."""
_ASKS_UNIT = re.compile(rf"\bhow\s+many\s+(?!in\b){UNIT_PATTERN}")
"""A question for a quantity in a unit: a plain expression's value has none."""


class NotArithmetic(CalculationError):
    """The text contains no arithmetic to compute."""


class BeyondArithmetic(NotArithmetic):
    """The text asks more than the value of the arithmetic in it (its digits, its
    divisors, a yes or no): the calculator read only part of the question."""

    def __init__(self, what: str, words: str) -> None:
        super().__init__(
            f"the question asks about {what} ('{words}'), which is more than the arithmetic "
            "I compute, and I answer only questions I read in full: ask for the value of the "
            "arithmetic alone, or ask an agent that computes this"
        )
        self.what = what
        self.words = words


@dataclass(slots=True)
class Solution:
    """What the calculator answers: an explanation for people, data for programs.

    ``answer`` is the answer as shown, with its unit ("11.52", "57.6 km/h", "Friday").
    Word problems and conversions carry it in ``data`` too; an expression's ``data``
    keeps its first shape, and the agent adds ``answer`` to what it sends.
    """

    text: str
    data: dict[str, Any]
    answer: str = ""


def solve(text: str, limits: Limits | None = None) -> Solution:
    """Compute every arithmetic expression in ``text``.

    A word problem ("18% tip on a $64 bill") or a unit conversion ("3 km in miles")
    is answered as one. Raises :class:`NotArithmetic` when there is nothing to compute
    (:class:`BeyondArithmetic` when the words ask more than the value of the arithmetic
    in them), and :class:`CalculationError` when none of it can be computed (the first
    reason).
    """
    worked = find_problem(text)
    if worked is not None:
        return Solution(text=worked.explanation(), data=worked.data(), answer=worked.display())
    if mentions_date(text):
        raise NotArithmetic(
            "the text holds a date, and I could not read what it asks of it; I answer the "
            "days between two dates, a date some days or weeks from another, its weekday, "
            "and an age in years"
        )
    try:
        conversion = find_conversion(text[:2000])
    except UnitError as exc:
        raise CalculationError(str(exc)) from None
    if conversion is not None:
        _refuse_a_partial_reading(text)
        value, rounded = decimal_form(conversion.value)
        answer = display(conversion)
        record: dict[str, Any] = {
            "expression": conversion.source,
            "value": value,
            "exact": format_number(conversion.value),
            "approximate": rounded,
            "unit": conversion.target,
            "answer": answer,
        }
        return Solution(text=explain(conversion), data=record, answer=answer)
    found = find_expressions(text)
    if not found:
        if mentions_problem(text):
            raise NotArithmetic(
                "no arithmetic found that I am sure of: this reads like a word problem I "
                "could not work out (which number is which, or what is asked); give the "
                "numbers with operators, e.g. '(90 + 20% of 90) / 3'"
            )
        raise NotArithmetic(
            "no arithmetic found in the text; give numbers with operators, e.g. "
            "'12*(3+4)' or 'what is 17.5% of 2,480 plus 36'"
        )
    _refuse_a_partial_reading(text)
    _refuse_a_guess(text, found)
    results: list[tuple[Found, Evaluation]] = []
    errors: list[CalculationError] = []
    for item in found:
        try:
            results.append((item, evaluate(item.expression, limits)))
        except CalculationError as exc:
            errors.append(exc)
    if not results:
        raise errors[0]
    records = [_record(evaluation) for _, evaluation in results]
    lines = [_explain(item, evaluation) for item, evaluation in results]
    data: dict[str, Any] = dict(records[0])
    if len(records) > 1:
        data["calculations"] = records
    answer = short_form(results[0][1].value)
    return Solution(text="\n".join(lines), data=data, answer=answer)


def _refuse_a_partial_reading(text: str) -> None:
    """Refuse a question whose words ask more than the value the calculator found in it:
    "the sum of the digits of 2^50" holds 2^50, but 2^50 is no answer to it."""
    if (beyond := beyond_arithmetic(text)) is not None:
        raise BeyondArithmetic(*beyond)


def _refuse_a_guess(text: str, found: list[Found]) -> None:
    """Refuse a word problem the recognizers did not understand, rather than answer the
    arithmetic it happens to hold: in "$90 + 20% tip, split 3 ways" the sum is no answer,
    and "what percentage is 3/4" does not ask for 0.75."""
    if (words := ambiguous_percent(text[:20_000])) is not None:
        raise CalculationError(
            f"in '{words}' the percentage could be of the last number or of everything "
            "before it; say which, as a percent of a number (e.g. '15% of 80 + 8% of 80')"
        )
    if _ASKS_PERCENT.search(text) and not any(item.notes for item in found):
        raise NotArithmetic(
            "the question asks for a percentage that I could not work out from its words; "
            "ask e.g. 'what percent is 45 of 180'"
        )
    normalized, _ = normalize(text[:20_000])
    if (unread := _OF_SOMETHING.search(normalized) or _ASKS_UNIT.search(normalized)) is not None:
        raise NotArithmetic(
            f"the arithmetic is of something the words name ('{unread.group().strip()}'), "
            "which I could not read; ask with the numbers and units, e.g. '0.75 h in minutes'"
        )
    written = Counter(_NUMBER.findall(normalized))
    used = Counter(n for item in found for n in _NUMBER.findall(item.expression))
    left = sorted((written - used).keys())
    joined = [
        n
        for n in _NUMBER.finditer(normalized)
        if n.group() in left and _JOINED.search(normalized[: n.start()])
    ]
    if joined:
        number = joined[0]
        words = normalized[max(0, number.start() - 30) : number.end()].strip()
        raise NotArithmetic(
            f"{number.group()} is part of the arithmetic asked ('{words}'), and I could not "
            "read how; ask with the numbers and operators, e.g. '6 * 7 + 5'"
        )
    if not mentions_problem(text):
        return
    if left:
        raise NotArithmetic(
            f"this reads like a word problem, and I could not tell how {', '.join(left[:5])} "
            "fit into it; ask with the numbers and operators, e.g. '(90 + 20% of 90) / 3'"
        )


def _record(evaluation: Evaluation) -> dict[str, Any]:
    value, rounded = decimal_form(evaluation.value)
    return {
        "expression": evaluation.expression,
        "value": value,
        "exact": format_number(evaluation.value),
        "approximate": rounded,
    }


def _explain(found: Found, evaluation: Evaluation) -> str:
    """``17.5% of 2480 = 434; 434 + 36 = 470`` (the percent notes read back as words)."""
    steps = list(evaluation.steps)
    notes = []
    for note in found.notes:
        percent, decimal = note.split(" = ")
        rewritten = False
        for i, step in enumerate(steps):
            if step.startswith(f"{decimal} {TIMES} "):
                steps[i] = f"{percent} of " + step[len(decimal) + 3 :]
                rewritten = True
        if not rewritten:
            notes.append(note)
    if len(steps) > 12:
        steps = [*steps[:5], "…", *steps[-5:]]
    answer = format_number(evaluation.value)
    value, rounded = decimal_form(evaluation.value)
    if rounded:
        answer += f" ≈ {value}"
    explanation = "; ".join(notes + steps) or evaluation.expression
    return f"{explanation}. Answer: {answer}"
