"""Everyday questions typed in other words than the goals' (tests/data/goals.json): each
is answered with the right figure, or declined; never answered with a wrong one."""

import pytest

from services.agents.calculator.arithmetic import CalculationError
from services.agents.calculator.solver import solve

ANSWERED = [
    # Quantities added before a conversion are converted whole.
    ("What is 1.5 hours plus 45 minutes in minutes?", "135 min"),
    ("What is 2 km + 350 m in metres?", "2350 m"),
    # A fraction of a number, and a number with its scale in words.
    ("What's 1/4 of 200?", "50"),
    ("What is 5% of 1 million?", "50000"),
    ("What is 3% of 1.5 million dollars?", "45000"),
    ("What is 2.5 million times 3?", "7500000"),
]

DECLINED = [
    # Only part of the quantity would be converted (3 hours, 1/2 hour, 500 m).
    "What is 25% of 3 hours in minutes?",
    "What is 4 1/2 hours in minutes?",
    "3 km minus 500 m in metres",
    # The number joined to the arithmetic is not read into it: 42 and 0.25 are no answers.
    "Multiply 6 by 7 and add 5",
    "What is 1/4 of the 200 apples?",
]


@pytest.mark.parametrize(("text", "answer"), ANSWERED)
def test_an_everyday_question_gets_the_right_figure(text: str, answer: str) -> None:
    solution = solve(text)
    assert solution.answer == answer, solution.text


@pytest.mark.parametrize("text", DECLINED)
def test_a_question_read_only_in_part_is_declined(text: str) -> None:
    with pytest.raises(CalculationError):
        solve(text)
