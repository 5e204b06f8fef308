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

    Raises :class:`NotArithmetic` when there is none, and :class:`CalculationError`
    when none of them can be computed (the first one's reason).
    """
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
