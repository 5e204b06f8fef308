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
    # A share or a change between amounts in two units is taken in one unit.
    ("What is 30 minutes as a percentage of 2 hours?", "25%"),
    ("What percentage of 1 kg is 250 g?", "25%"),
    ("The commute went from 2 hours to 30 minutes. What is the percent decrease?", "75%"),
    ("From 1 km to 500 m is what percent change?", "-50%"),
]

DECLINED = [
    # Only part of the quantity would be converted (3 hours, 1/2 hour, 500 m).
    "What is 25% of 3 hours in minutes?",
    "What is 4 1/2 hours in minutes?",
    "3 km minus 500 m in metres",
    # The number joined to the arithmetic is not read into it: 42 and 0.25 are no answers.
    "Multiply 6 by 7 and add 5",
    "What is 1/4 of the 200 apples?",
    # A share of two kinds of thing, or of a temperature.
    "What percentage of 2 kg is 30 minutes?",
    "From 20 °C to 25 °C, what percent increase?",
    # A percentage that says not what it does: not $100 times 10 a year (it was $2000).
    "How much will a $100 investment be after 2 years at 10% a year?",
    # A number in words no recognizer places: not an $84 bill with a tip (it was 96.60).
    "Half of $84 plus 15% tip",
    # A second step on the result ("then 20% of that"): not the first step's 25.
    "What is 10% of 250 and then 20% of that?",
    "Compute 3+4, then take 2 off",
]


@pytest.mark.parametrize(("text", "answer"), ANSWERED)
def test_an_everyday_question_gets_the_right_figure(text: str, answer: str) -> None:
    solution = solve(text)
    assert solution.answer == answer, solution.text


@pytest.mark.parametrize("text", DECLINED)
def test_a_question_read_only_in_part_is_declined(text: str) -> None:
    with pytest.raises(CalculationError):
        solve(text)
