"""Reading figures out of text: ``bench.eval.figures``."""

from bench.eval.figures import figures


def shown(text: str) -> list[tuple[str, bool]]:
    return [(str(f), f.working) for f in figures(text)]


def test_operands_and_the_left_side_of_an_equation_are_working() -> None:
    assert shown("80 - 20 = 60") == [("80", True), ("20", True), ("60", False)]
    assert shown("25% of 80 is 20") == [("25 %", True), ("80", True), ("20", False)]
    assert shown("126.4 \u00d7 1.15 = 145.36") == [
        ("126.4", True),
        ("1.15", True),
        ("145.36", False),
    ]


def test_an_intermediate_used_later_as_an_operand_is_working() -> None:
    assert shown("The tip is 18.96. 126.4 + 18.96 = 145.36") == [
        ("18.96", True),
        ("126.4", True),
        ("18.96", True),
        ("145.36", False),
    ]


def test_signs_multipliers_units_and_currency_are_read() -> None:
    assert shown("-5 °C, 2.5 million, USD 12, €3, 1.7-litre, 24-month") == [
        ("-5 °C", False),
        ("2,500,000", False),
        ("$12", False),
        ("€3", False),
        ("1.7 l", False),
        ("24 month", False),
    ]


def test_a_minus_between_numbers_is_not_a_sign() -> None:
    assert shown("80-20=60") == [("80", True), ("20", True), ("60", False)]


def test_numbers_inside_words_identifiers_and_versions_are_not_figures() -> None:
    assert shown("SmolLM2 and H2O, v1.2.3, order #123, the 15th, step 2, 3D") == []


def test_quoted_and_cited_text_is_not_read() -> None:
    assert shown("It says \"12 apples\" and '7 pears' [2]") == []
