"""The narrow recognizers read the words people use for their problems: a price before
tax with the price including tax asked, "each of them", "once a year", a list with its
count ("on three tests"), "$30k"."""

import pytest

from services.agents.calculator.arithmetic import CalculationError
from services.agents.calculator.solver import solve


@pytest.mark.parametrize(
    ("text", "answer", "value", "problem"),
    [
        (
            "A meal costs $42.50 before a sales tax of 8%. What is the price including tax?",
            "45.90",
            "45.9",
            "tax",
        ),
        (
            "Four friends split a bill of $157.60 equally. How much does each of them pay?",
            "39.40",
            "39.4",
            "split",
        ),
        (
            "I put $2,000 in a savings account that pays 3% interest compounded once a year. "
            "How much is in the account after 2 years?",
            "2121.80",
            "2121.8",
            "compound interest",
        ),
        (
            "A student scored 72, 85 and 91 on three tests. What is her average score?",
            "82.67",
            "82.666666666667",
            "average",
        ),
        (
            "A basketball player scored 12, 18, 25 and 21 points in four games. What was the "
            "average points per game?",
            "19",
            "19",
            "average",
        ),
        ("A sofa is $30k. What is 10% off?", "27000", "27000", "discount"),
        (
            "Five of us are splitting a $120 cab equally. How much does each of us owe?",
            "24",
            "24",
            "split",
        ),
    ],
)
def test_a_recognizer_reads_the_everyday_wording_of_its_problem(
    text: str, answer: str, value: str, problem: str
) -> None:
    solution = solve(text)
    assert (solution.answer, solution.data["value"]) == (answer, value), solution.text
    assert solution.data["problem"] == problem


@pytest.mark.parametrize(
    "text",
    [
        # The bill is given; a share of it is not what is asked.
        "Four friends split a bill of $157.60 equally. How much is the bill?",
        # Three scores, four tests: the count does not fit the list.
        "A student scored 72, 85 and 91 on four tests. What is her average score?",
        # The cost is asked, not how many months $40 buys.
        "A phone plan is $25 a month plus a one-time $40 fee. What is the cost?",
    ],
)
def test_a_recognizer_declines_a_question_that_is_not_its_own(text: str) -> None:
    with pytest.raises(CalculationError):
        solve(text)
