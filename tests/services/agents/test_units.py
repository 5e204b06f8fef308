"""The calculator converts units exactly and explains each step."""

from fractions import Fraction

import pytest

from services.agents.calculator.arithmetic import CalculationError
from services.agents.calculator.solver import solve
from services.agents.calculator.units import find_conversion


def test_kilometres_to_miles_is_exact_and_explained() -> None:
    solution = solve("What is 3 km in miles?")

    assert solution.text == (
        "1 mi = 1.609344 km, so 3 km = 3 ÷ 1.609344 = 15625/8382 mi. "
        "Answer: 15625/8382 mi ≈ 1.864113576712 mi"
    )
    assert solution.data["exact"] == "15625/8382" and solution.data["unit"] == "mi"


def test_a_compound_duration_is_added_up_in_the_target_unit() -> None:
    solution = solve("How long is 2 h 30 min in minutes?")

    assert solution.text.endswith("120 + 30 = 150 min. Answer: 150 min")
    assert solution.data["value"] == "150"


@pytest.mark.parametrize(
    ("question", "value", "unit"),
    [
        ("100 °F in °C", Fraction(340, 9), "°C"),
        ("20 celsius to fahrenheit", Fraction(68), "°F"),
        ("convert 5 lb to kg", Fraction("2.26796185"), "kg"),
        ("60 mph in km/h", Fraction("96.56064"), "km/h"),
        ("1 GiB in MB", Fraction("1073.741824"), "MB"),
        ("1,500 m in km", Fraction(3, 2), "km"),
    ],
)
def test_conversions_are_exact(question: str, value: Fraction, unit: str) -> None:
    conversion = find_conversion(question)
    assert conversion is not None
    assert (conversion.value, conversion.target) == (value, unit)


def test_units_of_different_kinds_are_refused_with_a_reason() -> None:
    with pytest.raises(CalculationError, match=r"cannot convert m \(length\) to s \(time\)"):
        solve("3 m in seconds")


def test_plain_arithmetic_and_words_like_in_are_not_taken_for_units() -> None:
    assert find_conversion("What is 17.5% of 2,480 plus 36?") is None
    assert find_conversion("add 2 to 5 in total") is None
    assert solve("What is 17.5% of 2,480 plus 36?").data["value"] == "470"


@pytest.mark.parametrize(
    ("question", "value", "unit", "answer"),
    [
        ("3 m² in square feet", Fraction(1562500, 48387), "ft²", "32.29 ft²"),
        ("2.5 litres in millilitres", Fraction(2500), "ml", "2500 ml"),
        ("10 cubic feet in litres", Fraction("283.16846592"), "l", "283.16846592 l"),
        ("1 kWh in joules", Fraction(3600000), "J", "3600000 J"),
        ("16 m/s in km/h", Fraction("57.6"), "km/h", "57.6 km/h"),
        ("72 °F in Celsius", Fraction(200, 9), "°C", "22.22 °C"),
        ("20 degrees Celsius in Fahrenheit", Fraction(68), "°F", "68 °F"),
        ("72ºF to C", Fraction(200, 9), "°C", "22.22 °C"),
        ("1 hp in W", Fraction("745.69987158227022"), "W", "745.69987158227022 W"),
        ("1 atm in kPa", Fraction("101.325"), "kPa", "101.325 kPa"),
        ("how many square feet is 3 m²", Fraction(1562500, 48387), "ft²", "32.29 ft²"),
        ("how many minutes are in 3.5 hours", Fraction(210), "min", "210 min"),
        ("how many seconds in a day", Fraction(86400), "s", "86400 s"),
        ("how many weeks in 84 days", Fraction(12), "week", "12 weeks"),
    ],
)
def test_areas_volumes_energy_and_reversed_questions_convert_exactly(
    question: str, value: Fraction, unit: str, answer: str
) -> None:
    conversion = find_conversion(question)
    assert conversion is not None
    assert (conversion.value, conversion.target) == (value, unit)
    assert solve(question).data["answer"] == answer


def test_days_and_weeks_read_as_words_in_the_plural() -> None:
    assert solve("How many weeks in 84 days?").text == (
        "1 week = 7 days, so 84 days = 84 ÷ 7 = 12 weeks. Answer: 12 weeks"
    )


def test_a_decimal_comma_is_not_taken_for_a_smaller_number() -> None:
    assert find_conversion("1,5 km in m") is None
