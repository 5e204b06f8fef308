"""The safe evaluator computes exactly and refuses anything that is not plain arithmetic."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.agents.calculator.arithmetic import (
    CalculationError,
    Limits,
    decimal_form,
    evaluate,
    format_number,
    money_form,
    short_form,
)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0.175*2480+36", Fraction(470)),
        ("12*(3+4)", Fraction(84)),
        ("0.1 + 0.2", Fraction(3, 10)),
        ("1/3 * 3", Fraction(1)),
        ("7/2", Fraction(7, 2)),
        ("10 // 3", Fraction(3)),
        ("-7 // 2", Fraction(-4)),
        ("10 % 3", Fraction(1)),
        ("2**10", Fraction(1024)),
        ("2**-2", Fraction(1, 4)),
        ("(1/2)**3", Fraction(1, 8)),
        ("-(3 - 5)", Fraction(2)),
        ("+4", Fraction(4)),
        ("--4", Fraction(4)),
        ("1e3 + 1", Fraction(1001)),
        ("2.5e-1", Fraction(1, 4)),
        ("1_000 * 2", Fraction(2000)),
        ("((((1))))", Fraction(1)),
        ("2 ** 3 ** 2", Fraction(512)),
        ("(-1) ** (10 ** 100)", Fraction(1)),
    ],
)
def test_arithmetic_is_computed_exactly(expression: str, expected: Fraction) -> None:
    assert evaluate(expression).value == expected


def test_each_operation_is_recorded_as_a_step_in_order() -> None:
    assert evaluate("12*(3+4)").steps == ["3 + 4 = 7", "12 \u00d7 7 = 84"]


def test_decimal_literals_keep_their_written_value_not_the_float() -> None:
    # As floats, 0.1 + 0.2 == 0.30000000000000004.
    assert evaluate("0.1 + 0.2").value == Fraction("0.3")


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('echo hacked')",
        "x + 1",
        "abs(-3)",
        "(1).real",
        "(2).__class__",
        "[1, 2]",
        "{1: 2}",
        "1 if 1 else 2",
        "lambda: 1",
        "1 < 2",
        "1 and 2",
        "'a' * 3",
        "True + 1",
        "None",
        "1j * 2",
        "~1",
        "1 << 100",
        "1 & 3",
        "[1][0]",
        "f'{1}'",
        "(x := 3)",
        "1; 2",
        "import os",
        "0x1F + 1",
    ],
)
def test_anything_but_numbers_and_arithmetic_operators_is_refused(expression: str) -> None:
    with pytest.raises(CalculationError):
        evaluate(expression)


@pytest.mark.timeout(5)
@pytest.mark.parametrize(
    "expression",
    [
        "9**9**9**9",
        "9**9**9",
        "10**100000",
        "2**4096",
        "(10**1000)**(10**1000)",
        "1e999999999",
        "1e-999999999",
        "12345678901234567890" * 4,
        "(2**4000) * (2**4000)",
        "1/(2**4000) / (2**4000)",
    ],
)
def test_inputs_that_would_burn_cpu_or_memory_are_refused_quickly(expression: str) -> None:
    with pytest.raises(CalculationError):
        evaluate(expression)


def test_the_largest_allowed_power_is_still_computed() -> None:
    assert evaluate("2**4095").value == 2**4095


def test_a_very_long_expression_is_refused_by_length() -> None:
    with pytest.raises(CalculationError, match="limit is 500"):
        evaluate("+".join(["1"] * 1000))


def test_deep_nesting_is_refused_not_crashing() -> None:
    with pytest.raises(CalculationError):
        evaluate("(" * 240 + "1" + ")" * 240)


def test_limits_can_be_tightened() -> None:
    with pytest.raises(CalculationError, match="limit is 5"):
        evaluate("1+2+3+4", Limits(max_chars=5))
    with pytest.raises(CalculationError, match="too large"):
        evaluate("2**100", Limits(max_bits=64))


def test_division_by_zero_is_a_calculation_error() -> None:
    for expression in ("1/0", "1//0", "1 % 0", "0 ** -1"):
        with pytest.raises(CalculationError, match="division by zero"):
            evaluate(expression)


def test_fractional_powers_are_refused_because_they_are_not_exact() -> None:
    with pytest.raises(CalculationError, match="whole-number powers"):
        evaluate("2 ** 0.5")


def test_empty_and_malformed_expressions_are_refused() -> None:
    for expression in ("", "   ", "1 +", "(1", "1 2", "*3"):
        with pytest.raises(CalculationError):
            evaluate(expression)


@pytest.mark.parametrize(
    ("value", "short", "decimal", "rounded"),
    [
        (Fraction(470), "470", "470", False),
        (Fraction(7, 2), "3.5", "3.5", False),
        (Fraction(-1, 8), "-0.125", "-0.125", False),
        (Fraction(1, 3), "1/3", "0.333333333333", True),
        (Fraction(2, 3), "2/3", "0.666666666667", True),
        (Fraction(1, 1024), "0.0009765625", "0.0009765625", False),
    ],
)
def test_numbers_are_shown_as_integers_decimals_or_fractions(
    value: Fraction, short: str, decimal: str, rounded: bool
) -> None:
    assert format_number(value) == short
    assert decimal_form(value) == (decimal, rounded)


def test_tiny_values_keep_significant_digits_in_the_decimal_form() -> None:
    text, rounded = decimal_form(Fraction(1, 7 * 10**15))
    assert rounded and text.startswith("1.428571428571E-16")


@given(
    st.integers(-(10**6), 10**6),
    st.integers(-(10**6), 10**6),
    st.sampled_from(["+", "-", "*", "/", "//", "%"]),
)
def test_integer_arithmetic_agrees_with_exact_python_arithmetic(a: int, b: int, op: str) -> None:
    expression = f"({a}) {op} ({b})"
    if b == 0 and op in ("/", "//", "%"):
        with pytest.raises(CalculationError):
            evaluate(expression)
        return
    expected = {
        "+": Fraction(a + b),
        "-": Fraction(a - b),
        "*": Fraction(a * b),
        "/": Fraction(a, b) if b else None,
        "//": Fraction(a // b) if b else None,
        "%": Fraction(a % b) if b else None,
    }[op]
    assert evaluate(expression).value == expected


@given(st.text(max_size=80))
def test_arbitrary_text_never_escapes_as_anything_but_a_calculation_error(text: str) -> None:
    try:
        result = evaluate(text)
    except CalculationError:
        return
    assert isinstance(result.value, Fraction)


def test_a_long_chain_of_unary_minus_signs_is_computed_without_recursion_trouble() -> None:
    assert evaluate("-" * 499 + "1").value == -1


@pytest.mark.parametrize(
    ("expression", "expected", "steps"),
    [
        ("144 ** (1/2)", Fraction(12), ["√144 = 12"]),
        ("27 ** (1/3)", Fraction(3), ["∛27 = 3"]),
        ("(8/27) ** (2/3)", Fraction(4, 9), ["8 ÷ 27 = 8/27", "8/27 ^ 2/3 = 4/9"]),
        ("(-8) ** (1/3)", Fraction(-2), ["∛-8 = -2"]),
    ],
)
def test_a_root_that_is_rational_is_computed_exactly(
    expression: str, expected: Fraction, steps: list[str]
) -> None:
    evaluation = evaluate(expression)
    assert (evaluation.value, evaluation.steps) == (expected, steps)


@pytest.mark.parametrize("expression", ["2 ** (1/2)", "(-4) ** (1/2)", "2 ** (1/65)"])
def test_a_root_that_is_irrational_or_not_real_is_refused(expression: str) -> None:
    with pytest.raises(CalculationError, match="not a rational number"):
        evaluate(expression)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Fraction(200, 9), "22.22"),
        (Fraction(1, 3), "0.3333"),
        (Fraction(15625, 8382), "1.864"),
        (Fraction(1, 7000), "0.0001429"),
        (Fraction(123456789, 7), "17636684.14"),
        (Fraction(-200, 9), "-22.22"),
        (Fraction(57, 10), "5.7"),
    ],
)
def test_an_answer_is_shown_exact_when_it_ends_and_short_when_it_does_not(
    value: Fraction, shown: str
) -> None:
    assert short_form(value) == shown


@pytest.mark.parametrize(
    ("value", "cents", "shown"),
    [
        (Fraction(60), False, "60"),
        (Fraction(60), True, "60.00"),
        (Fraction(75, 2), False, "37.50"),
        (Fraction("1157.625"), False, "1157.63"),
        (Fraction(100, 3), False, "33.33"),
        (Fraction("-2.005"), False, "-2.01"),
    ],
)
def test_money_is_shown_whole_or_in_cents_rounded_half_up(
    value: Fraction, cents: bool, shown: str
) -> None:
    assert money_form(value, cents) == shown
