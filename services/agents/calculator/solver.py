"""From a task's text to an answer: find the arithmetic, compute it, explain the steps."""

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
)
from services.agents.calculator.units import UnitError, explain, find_conversion
from services.agents.calculator.wording import Found, find_expressions


class NotArithmetic(CalculationError):
    """The text contains no arithmetic to compute."""


@dataclass(slots=True)
class Solution:
    """What the calculator answers: an explanation for people, data for programs."""

    text: str
    data: dict[str, Any]


def solve(text: str, limits: Limits | None = None) -> Solution:
    """Compute every arithmetic expression in ``text``.

    A unit conversion ("3 km in miles", "2 h 30 min in minutes") is answered as
    one. Raises :class:`NotArithmetic` when there is nothing to compute, and
    :class:`CalculationError` when none of it can be computed (the first reason).
    """
    try:
        conversion = find_conversion(text[:2000])
    except UnitError as exc:
        raise CalculationError(str(exc)) from None
    if conversion is not None:
        value, rounded = decimal_form(conversion.value)
        record = {
            "expression": conversion.source,
            "value": value,
            "exact": format_number(conversion.value),
            "approximate": rounded,
            "unit": conversion.target,
        }
        return Solution(text=explain(conversion), data=record)
    found = find_expressions(text)
    if not found:
        raise NotArithmetic(
            "no arithmetic found in the text; give numbers with operators, e.g. "
            "'12*(3+4)' or 'what is 17.5% of 2,480 plus 36'"
        )
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
    return Solution(text="\n".join(lines), data=data)


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
