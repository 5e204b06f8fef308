"""The calculator reads arithmetic out of plain language and explains its steps."""

import pytest

from services.agents.calculator.arithmetic import CalculationError
from services.agents.calculator.solver import NotArithmetic, solve
from services.agents.calculator.wording import find_expressions


@pytest.mark.parametrize(
    ("text", "expression"),
    [
        ("What is 17.5% of 2,480 plus 36?", "0.175 * 2480 + 36"),
        ("Compute 12*(3+4)", "12*(3+4)"),
        ("What is 6 times 7?", "6 * 7"),
        ("What is 6 multiplied by 7?", "6 * 7"),
        ("Calculate 100 divided by 8.", "100 / 8"),
        ("7 over 2", "7 / 2"),
        ("3 x 4", "3 * 4"),
        ("3x4", "3 * 4"),
        ("3 \u00d7 4 \u00f7 6", "3 * 4 / 6"),
        ("1,000,000 minus 1", "1000000 - 1"),
        ("What is 5 squared plus 3 cubed?", "5 ** 2 + 3 ** 3"),
        ("2^10", "2**10"),
        ("15% of 200", "0.15 * 200"),
        ("20 percent of 50", "0.2 * 50"),
        ("What is 10 % 3?", "10 % 3"),
        ("Multiply 6 by 7", "(6 * 7)"),
        ("Subtract 3 from 10.", "(10 - 3)"),
        ("Add 2 and 5", "(2 + 5)"),
        ("The sum of 2 and 5", "(2 + 5)"),
        ("(2+3)*4.", "(2+3)*4"),
        ("Please calculate 2 + 2, thanks", "2 + 2"),
    ],
)
def test_arithmetic_is_found_in_plain_language(text: str, expression: str) -> None:
    assert [found.expression for found in find_expressions(text)] == [expression]


@pytest.mark.parametrize(
    "text",
    ["Write a friendly note to the customer", "Order 66 is due on Friday.", "", "1,2,3", "x + y"],
)
def test_text_without_arithmetic_yields_no_expression(text: str) -> None:
    assert find_expressions(text) == []


def test_the_example_task_is_answered_with_steps_and_data() -> None:
    solution = solve("What is 17.5% of 2,480 plus 36?")
    assert solution.text == "17.5% of 2480 = 434; 434 + 36 = 470. Answer: 470"
    assert solution.data == {
        "expression": "0.175 * 2480 + 36",
        "value": "470",
        "exact": "470",
        "approximate": False,
    }


def test_compute_with_parentheses() -> None:
    solution = solve("Compute 12*(3+4)")
    assert solution.text == "3 + 4 = 7; 12 \u00d7 7 = 84. Answer: 84"
    assert solution.data["value"] == "84"


def test_a_repeating_decimal_shows_the_exact_fraction_and_a_rounded_value() -> None:
    solution = solve("What is 1 divided by 3?")
    assert solution.data["exact"] == "1/3"
    assert solution.data["value"] == "0.333333333333"
    assert solution.data["approximate"] is True
    assert "1/3 \u2248 0.333333333333" in solution.text


def test_a_lone_percentage_is_explained_as_a_decimal() -> None:
    solution = solve("what is 12.5% plus 3")
    assert solution.text.startswith("12.5% = 0.125; ")
    assert solution.data["value"] == "3.125"


def test_several_calculations_in_one_text_are_all_answered() -> None:
    solution = solve("What is 3+4 and 5*6?")
    assert [c["value"] for c in solution.data["calculations"]] == ["7", "30"]
    assert solution.data["value"] == "7"
    assert "Answer: 30" in solution.text


def test_text_without_arithmetic_is_not_answered() -> None:
    with pytest.raises(NotArithmetic, match="no arithmetic found"):
        solve("Write a note to the customer")


def test_a_hostile_expression_is_refused_with_the_reason() -> None:
    with pytest.raises(CalculationError, match="too large"):
        solve("What is 9**9**9**9?")


def test_an_uncomputable_expression_does_not_hide_a_computable_one() -> None:
    assert solve("1/0 or else 2+2").data["value"] == "4"


def test_very_long_text_is_read_only_up_to_a_bound_and_answers_quickly() -> None:
    text = "blah " * 50_000 + "2 + 2"
    with pytest.raises(NotArithmetic):
        solve(text)
    assert solve("2 + 2 " + "blah " * 50_000).data["value"] == "4"


@pytest.mark.parametrize(
    ("text", "expression"),
    [
        ("2 to the 10th power", "2 ** 10"),
        ("3 raised to the fifth power", "3 ** 5"),
        ("3 to the power 4", "3 ** 4"),
        ("the 4th power of 3", "(3 ** 4)"),
        ("the square root of 144", "(144 ** (1/2))"),
        ("cube root of 27 plus 1", "(27 ** (1/3)) + 1"),
        ("sqrt(81)", "((81) ** (1/2))"),
        ("What is 18% of $45?", "0.18 * 45"),
        ("what is 120 plus 8%", "120 + 0.08 * 120"),
    ],
)
def test_powers_roots_currency_and_percent_on_a_number_are_found(
    text: str, expression: str
) -> None:
    assert [found.expression for found in find_expressions(text)] == [expression]


@pytest.mark.parametrize("text", ["Meet on 2024-3-1", "Call at 10:45", "the 10:45 from 2024-03-01"])
def test_dates_and_clock_times_yield_no_expression(text: str) -> None:
    assert find_expressions(text) == []


def test_a_root_is_explained_as_a_root() -> None:
    assert solve("the square root of 144").text == "√144 = 12. Answer: 12"


def test_every_solution_names_its_answer_as_shown() -> None:
    assert solve("What is 1 divided by 3?").answer == "0.3333"
    assert solve("What is 17.5% of 2,480 plus 36?").answer == "470"
    assert solve("3 km in miles").answer == "1.864 mi"
