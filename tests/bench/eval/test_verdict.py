"""The judging rules of ``bench.eval.verdict``: pure functions, no network."""

import pytest

from bench.eval.goals import Expect
from bench.eval.verdict import judge

GOAL = "A dinner bill is $126.40 and we add a 15% tip. What is the total?"
TOTAL = Expect(number="145.36", tolerance=0.005, unit="$")


def outcome(answer: str | None, expect: Expect = TOTAL, goal: str = GOAL) -> str:
    return judge(goal, expect, answer).outcome


@pytest.mark.parametrize(
    "answer",
    [
        "The total is $145.36.",
        "145.36",
        "The total comes to 145.36 dollars.",
        "15% of 126.40 = 18.96; 126.40 + 18.96 = 145.36. The answer is $145.36.",
        "15% of $126.40 is $18.96. Then add the bill to get $145.36.",
        "Answer: 145.36\n\nFound by calculator: 126.4 \u00d7 1.15 = 145.36. Answer: 145.36",
        "The total is $145.36 [1].\nSources:\n[1] bills.md § Tips (lines 3-5)",
        "Your total is $145.36. Please pay within 30 days.",  # another dimension: not a rival
        "The total is $145.361.",  # within the tolerance
    ],
)
def test_the_expected_figure_as_the_answer_is_correct(answer: str) -> None:
    assert outcome(answer) == "correct", judge(GOAL, TOTAL, answer)


def test_the_last_figure_is_taken_for_the_answer() -> None:
    verdict = judge(GOAL, TOTAL, "The calculator found $145.36. I think you pay $140.")
    assert verdict.outcome == "wrong" and verdict.candidates == ["$140"]


def test_a_figure_declared_the_answer_counts_whatever_its_unit() -> None:
    verdict = judge(GOAL, TOTAL, "Answer: 1.538 months. The bill was paid.")
    assert verdict.outcome == "wrong" and verdict.candidates == ["1.538 month"]


def test_a_changed_figure_is_wrong() -> None:
    verdict = judge(GOAL, TOTAL, "The total is $145.63.")
    assert verdict.outcome == "wrong"
    assert "145.63" in verdict.why


@pytest.mark.parametrize(
    "answer",
    [
        "The total is $145.36 or $146.",
        "Answer: $145.36. Dear customer, your total is $148.",
        "The total is $150, not $145.36.",
    ],
)
def test_the_expected_figure_beside_another_candidate_is_wrong(answer: str) -> None:
    verdict = judge(GOAL, TOTAL, answer)
    assert verdict.outcome == "wrong", verdict
    assert "beside" in verdict.why


def test_a_missing_figure_with_an_honest_refusal_is_unanswered() -> None:
    assert outcome("I could not work out the total, sorry.") == "unanswered"
    assert outcome("NOT IN THE DOCUMENTS") == "unanswered"
    assert outcome(None) == "unanswered"
    assert outcome("   ") == "unanswered"


def test_a_missing_figure_without_a_refusal_is_wrong() -> None:
    assert outcome("The total is the bill plus the tip.") == "wrong"
    # a negation is not a refusal to answer
    assert outcome("We were unable to finish dinner; it is not possible to tip less.") == "wrong"


def test_the_goals_own_numbers_restated_are_not_an_answer() -> None:
    assert outcome("The bill is $126.40 and the tip is 15%.") == "wrong"
    assert outcome("The bill is $126.40 and the tip is 15%; I cannot add them.") == "unanswered"


def test_thousands_separators_are_normalised() -> None:
    expect = Expect(number="1234.5")
    assert outcome("The result is 1,234.50.", expect, "What is 1000 + 234.5?") == "correct"
    assert outcome("The result is 1234.5.", Expect(number="1,234.50"), "Add them.") == "correct"


@pytest.mark.parametrize(
    "answer", ["It is 12 km.", "It is 12 kilometres.", "It is 12 kilometers.", "12km", "12,000 m"]
)
def test_units_are_normalised_and_converted(answer: str) -> None:
    expect = Expect(number="12", unit="km")
    assert outcome(answer, expect, "How far is it?") == "correct"


def test_fuel_use_is_one_figure_in_either_unit() -> None:
    """ "8 l/100 km" was read as 8 litres and 100 km, and the step "0.08 l per km" that
    leads to it as a rival answer."""
    expect = Expect(number="8", unit="l/100 km", tolerance=0.005)
    steps = "Answer: 8 l/100 km\n\n33.6 l ÷ 420 km = 0.08 l per km; 0.08 l per km = 8 l/100 km."
    assert outcome(steps, expect, "It drove 420 km on 33.6 litres.") == "correct"
    assert outcome("It uses 0.08 litres per km.", expect, "Fuel use?") == "correct"
    assert outcome("It uses 8.5 litres per 100 km.", expect, "Fuel use?") == "wrong"


def test_the_same_number_in_another_unit_is_wrong() -> None:
    assert outcome("It is 12 miles.", Expect(number="12", unit="km"), "How far?") == "wrong"


def test_a_duration_in_hours_and_minutes_is_one_figure() -> None:
    expect = Expect(number="150", unit="min")
    assert outcome("It takes 2 hours and 30 minutes.", expect, "How long?") == "correct"
    assert outcome("It takes 150 minutes (2.5 hours).", expect, "How long?") == "correct"
    assert outcome("It takes 2 hours and 20 minutes.", expect, "How long?") == "wrong"


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [("37.8", "correct"), ("37.78", "correct"), ("37.7778", "correct"), ("37.82", "wrong")],
)
def test_a_figure_within_the_tolerance_must_also_round_like_the_expected_one(
    answer: str, verdict: str
) -> None:
    expect = Expect(number="37.78", unit="°C", tolerance=0.05)
    assert outcome(f"It is {answer} °C.", expect, "What is 100 °F in Celsius?") == verdict


def test_a_temperature_converts_with_its_offset() -> None:
    expect = Expect(number="37.78", unit="°C", tolerance=0.05)
    assert outcome("That is 37.8 °C.", expect, "What is 100 °F in Celsius?") == "correct"
    assert outcome("That is 37.8 degrees Celsius.", expect, "100 °F in Celsius?") == "correct"
    assert outcome("That is 38 °C.", expect, "What is 100 °F in Celsius?") == "wrong"


def test_dates_times_list_numbers_and_code_are_not_figures() -> None:
    expect = Expect(number="75", unit="day")
    answer = (
        "1. Count the days from 2025-03-03.\n2. `print((b - a).days)` gives 75.\n"
        "On 17 May 2025 at 10:30 it is 75 days."
    )
    assert outcome(answer, expect, "How many days from 3 March to 17 May 2025?") == "correct"


def test_words_match_whole_words_case_insensitively() -> None:
    expect = Expect(any_of=("24 months", "two years"))
    assert outcome("The warranty lasts Two Years.", expect, "How long?") == "correct"
    assert outcome("The warranty lasts 124 months.", expect, "How long?") == "wrong"
    assert outcome("It is not in the documents.", expect, "How long?") == "unanswered"


def test_a_rival_word_makes_it_wrong_unless_the_goal_says_it() -> None:
    expect = Expect(any_of=("Sunday",), none_of=("Saturday", "Friday"))
    assert outcome("It was a Sunday.", expect, "What day was 4 July 1976?") == "correct"
    assert outcome("A Saturday or a Sunday.", expect, "What day was 4 July 1976?") == "wrong"
    goal = "If 2 July 1976 was a Friday, what day was 4 July?"
    assert outcome("2 July was a Friday, so 4 July was a Sunday.", expect, goal) == "correct"


def test_money_words_do_not_match_longer_amounts() -> None:
    expect = Expect(any_of=("$50",))
    assert outcome("Free above $500.", expect, "When is it free?") == "wrong"
    assert outcome("Free above $50.", expect, "When is it free?") == "correct"
    assert outcome("Free above $50.50.", expect, "When is it free?") == "wrong"


MULTI_GOAL = f"{GOAL} Then write a short note to the customer telling them the total."
NOTED = Expect(number="145.36", tolerance=0.005, unit="$", written=True)
NOTE = "Dear guest, your dinner with the tip comes to $145.36. Thank you, and see you soon!"


def test_a_multistep_answer_needs_the_figure_and_a_written_part_that_tells_it() -> None:
    assert outcome(f"Answer: $145.36\n\n{NOTE}", NOTED, MULTI_GOAL) == "correct"
    in_a_list = f"Answer: 145.36\n\nFrom the team:\n- calculator: 145.36\n- writer: {NOTE}"
    assert outcome(in_a_list, NOTED, MULTI_GOAL) == "correct"
    bare = judge(MULTI_GOAL, NOTED, "Answer: $145.36")
    assert bare.outcome == "wrong" and "written" in bare.why
    assert outcome(NOTE.replace("145.36", "146.36"), NOTED, MULTI_GOAL) == "wrong"


def test_prose_that_does_not_tell_the_figure_is_not_the_written_part() -> None:
    report = (
        "Answer: 145.36\n\nFound by calculator: 126.4 + 18.96 = 145.36. Answer: 145.36\n\n"
        "Left out: what writer wrote, because it carries prompt markup; it states figures."
    )
    assert outcome(report, NOTED, MULTI_GOAL) == "wrong"
    elsewhere = "Answer: $145.36\n\nDear guest, thank you for dining with us tonight; see you soon."
    assert outcome(elsewhere, NOTED, MULTI_GOAL) == "wrong"


def test_the_goal_restated_or_markup_is_not_a_written_part() -> None:
    restated = "A dinner bill is $126.40 and we add a 15% tip: the total is $145.36."
    assert outcome(restated, NOTED, MULTI_GOAL) == "wrong"
    markup = "<text here>145.36</text><remarks there>The total is $145.36.</remarks>"
    assert outcome(markup, NOTED, MULTI_GOAL) == "wrong"


def test_a_note_written_in_quotes_is_a_written_part() -> None:
    assert outcome(f'The total is $145.36.\n\n"{NOTE}"', NOTED, MULTI_GOAL) == "correct"
