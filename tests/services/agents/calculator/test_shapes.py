"""Areas, perimeters and volumes of plain shapes, with the unit carried through; a shape
whose lengths the words do not place, or a question of another kind, is declined."""

import pytest

from services.agents.calculator.arithmetic import CalculationError
from services.agents.calculator.solver import solve

ANSWERED = [
    ("The sides of a rectangle are 4 cm and 9 cm. What is the area?", "36 cm²", "36"),
    (
        "A rectangle is 3 m long and 2 m wide. What is its area in square feet?",
        "64.58 ft²",
        None,
    ),
    ("A rectangular TV screen is 40 in by 22.5 in. What is its area?", "900 in²", "900"),
    ("What is the volume of a cube whose sides are 4 m?", "64 m³", "64"),
    (
        "What is the volume of water in a tank 2 m by 1 m filled to a depth of 0.5 m?",
        "1 m³",
        "1",
    ),
    (
        "What is the area of a circle with radius 3 cm in square metres?",
        "0.002827 m²",
        "0.002827433388",
    ),
    ("A rectangle is 12 m long and 7.5 m wide. What is its area?", "90 m²", "90"),
    ("What is the perimeter of a rectangle 12 m by 7.5 m?", "39 m", "39"),
    ("What is the area of a rectangle 3 m by 50 cm?", "1.5 m²", "1.5"),
    ("A room is 4 m by 5 m. How many square metres is it?", "20 m²", "20"),
    ("A garden is 20 m by 15 m. What is its area in square feet?", "3229.17 ft²", None),
    ("A field is 100 m by 60 m. How many hectares is it?", "0.6 ha", "0.6"),
    ("How many square feet is a room 12 ft by 10 ft?", "120 ft²", "120"),
    ("A rectangle is 12 by 7.5. What is its area?", "90", "90"),
    ("What's the perimeter of a square with sides of 6 cm?", "24 cm", "24"),
    ("A square garden has sides of 8 m. What is its area?", "64 m²", "64"),
    ("What is the area of a circle with a radius of 3 cm?", "28.27 cm²", "28.274333882308"),
    ("A pizza has a diameter of 30 cm. What is its area?", "706.86 cm²", "706.858347057703"),
    ("The diameter of a circle is 10 cm. What is its area?", "78.54 cm²", "78.539816339745"),
    ("What is the circumference of a circle with diameter 10 cm?", "31.42 cm", "31.415926535898"),
    ("What is the area of a triangle with a base of 10 cm and a height of 6 cm?", "30 cm²", "30"),
    ("A right triangle has legs of 3 cm and 4 cm. How long is the hypotenuse?", "5 cm", "5"),
    ("Legs 5 and 7 in a right triangle: what is the hypotenuse?", "8.602", "8.602325267043"),
    ("A triangle has sides 3 cm, 4 cm and 5 cm. What is its perimeter?", "12 cm", "12"),
    ("How many litres does a tank 50 cm \u00d7 40 cm \u00d7 30 cm hold?", "60 l", "60"),
    ("What is the volume of a box 50 x 40 x 30 cm?", "60000 cm³", "60000"),
    ("A room is 5 m long, 4 m wide and 3 m high. What is its volume?", "60 m³", "60"),
    ("How many litres of water fit in a pool 10 m long, 5 m wide and 2 m deep?", "100000 l", None),
    ("A box is 2 ft by 3 ft by 4 ft. How many cubic feet is that?", "24 ft³", "24"),
    ("Volume of a cube with side 3 cm", "27 cm³", "27"),
    ("What is the volume of a sphere with radius 2 m?", "33.51 m³", "33.510321638291"),
    ("A ball has a diameter of 22 cm. What is its volume?", "5575.28 cm³", "5575.279762570686"),
    ("What is the volume of a cylinder with radius 2 m and height 5 m?", "62.83 m³", None),
    (
        "A cylinder is 10 cm tall with a diameter of 8 cm. What is its volume in litres?",
        "0.5027 l",
        "0.502654824574",
    ),
    (
        "A cylindrical tank has a radius of 1 m and a height of 2 m. How many litres does it hold?",
        "6283.19 l",
        "6283.185307179586",
    ),
]

DECLINED = [
    # Half full, 80% full: a part of the volume, not read here.
    "A tank 2 m by 1 m by 1 m is half full. How many litres of water are in it?",
    "A box 30 cm by 20 cm by 10 cm is 80% full of sand. What volume of sand?",
    "What is the area of a rectangle with a length of 12 m and a perimeter of 40 m?",
    "A square has a perimeter of 24 cm. What is its area?",
    "A cube has a volume of 27 cm³. What is its side?",
    # Several shapes.
    "2 rectangles are 3 m by 4 m. What is their total area?",
    "A rectangle is 2 m by 3 m and another is 4 m by 5 m. What is the total area?",
    # A length given by an area, a perimeter or a circumference: another question.
    "A square has an area of 36 cm². What is its perimeter?",
    "A circle has a circumference of 31.4 cm. What is its area?",
    "The perimeter of a square is 20 cm. What is the length of its side?",
    "A rectangle has a perimeter of 30 m and a width of 5 m. What's its area?",
    # A room's area: its floor, or its walls?
    "A room is 5 m long, 4 m wide and 3 m high. What is its area?",
    # Numbers that are no length of the shape, or a length missing.
    "What is the area of 2 circles of radius 3 cm?",
    "A circle of radius 3 cm is cut into 4 pieces. What is the area of each?",
    "A rectangle is 12 m long. What is its area?",
    "A circle of 10 cm. What is its area?",
    "What is the area of a 12-inch pizza?",
    "A box weighs 5 kg and is 30 cm wide. What is its volume?",
    "A triangle has a base of 10 and a height of 5 m. What is its area?",
    "What is the area of a square with sides of 5 m and 6 m?",
    # Not measured here: a triangle from its sides, a surface, a diagonal, a leg.
    "What is the area of a triangle with sides 3, 4 and 5?",
    "What is the surface area of a cube with side 3 cm?",
    "A square has sides of 5 cm. What is its diagonal?",
    "A right triangle has a hypotenuse of 13 cm and a leg of 5 cm. How long is the other leg?",
    # No triangle has these sides.
    "A triangle has sides 1 cm, 2 cm and 5 cm. What is its perimeter?",
    # Two shapes, two questions, a path around a shape, a cost.
    "A square is inside a circle of radius 5 cm. What is the area of the square?",
    "What is the area of a circle of radius 2 m and a square of side 2 m?",
    "A rectangle is 12 m long and 7.5 m wide. What is its area and perimeter?",
    "A rectangle 8 m by 5 m has a 2 m path around it. What is the area of the path?",
    "A 10 m by 8 m lawn costs $5 per square metre to turf. What is the cost?",
]


@pytest.mark.parametrize(("text", "answer", "value"), ANSWERED)
def test_a_shape_is_measured_in_the_unit_of_its_lengths(
    text: str, answer: str, value: str | None
) -> None:
    solution = solve(text)
    assert solution.answer == answer, solution.text
    if value is not None:
        assert solution.data["value"] == value, solution.text
    assert solution.text.endswith(answer), solution.text


def test_an_answer_with_pi_says_pi_was_used_and_names_the_exact_value() -> None:
    solution = solve("What is the area of a circle with a radius of 3 cm?")
    assert "π ≈ 3.14159265359" in solution.text
    assert solution.data["exact"] == "9π"
    assert solution.data["approximate"] is True
    assert (solution.data["problem"], solution.data["unit"]) == ("area", "cm²")


def test_a_words_square_unit_or_square_of_a_number_is_no_shape() -> None:
    assert solve("What is the square of 12?").answer == "144"
    assert solve("Convert 200 square feet to square metres").answer == "18.580608 m²"
    assert solve("How many square feet are in 2 square yards?").answer == "18 ft²"


@pytest.mark.parametrize("text", DECLINED)
def test_a_shape_question_it_cannot_place_is_declined(text: str) -> None:
    with pytest.raises(CalculationError):
        solve(text)
