"""The calculator answers everyday word problems exactly, and refuses the ones it cannot place.

Each table row is a phrasing people use, with the answer as shown (``data["answer"]``)
and the number (``data["value"]``, ``None`` when the answer is no number).
"""

import pytest

from services.agents.calculator.arithmetic import CalculationError
from services.agents.calculator.solver import NotArithmetic, solve


def check(text: str, answer: str, value: str | None) -> None:
    solution = solve(text)
    assert solution.data["answer"] == answer, solution.text
    assert solution.data.get("value") == value, solution.text
    assert solution.answer == answer
    assert solution.text.endswith(answer), solution.text


def check_expression(text: str, answer: str, value: str) -> None:
    # An expression's data keeps its first shape; the agent sends ``answer`` with it.
    solution = solve(text)
    assert (solution.answer, solution.data["value"]) == (answer, value), solution.text
    assert solution.text.endswith(answer), solution.text


DISCOUNTS = [
    ("A $80 jacket is 25% off, what do I pay?", "60", "60"),
    ("What's the price after a 15% discount on 240?", "204", "204"),
    ("Take 30% off a $45 pair of shoes.", "31.50", "31.5"),
    ("The TV costs $499.99 and is 10% off. What do I pay?", "449.99", "449.991"),
    ("A $80 jacket is 25% off. How much do I save?", "20", "20"),
    ("Reduce 80 by 15%", "68", "68"),
    ("What is the sale price of a $240 TV with a 15% discount?", "204", "204"),
]
INCREASES = [
    ("Increase 50 by 10%", "55", "55"),
    ("My salary of $52,000 goes up by 3%. What is my new salary?", "53560", "53560"),
    ("What is 10% more than 250?", "275", "275"),
    ("The rent of $1,200 rises by 2.5%; by how much does it go up?", "30", "30"),
]
TAXES = [
    ("120 plus 8% sales tax", "129.60", "129.6"),
    ("Add 20% VAT to 50", "60", "60"),
    ("What is the total for $45 with 7.25% tax?", "48.26", "48.2625"),
    ("How much is 8% sales tax on $120?", "9.60", "9.6"),
    ("A laptop costs 1,200 including 20% VAT. What is the price without VAT?", "1000", "1000"),
]
TIPS = [
    ("18% tip on a $64 bill", "11.52", "11.52"),
    ("$64 bill, 18% tip", "11.52", "11.52"),
    ("What's a 20% tip on $45.50?", "9.10", "9.1"),
    ("A $64 bill with an 18% tip, what's the total?", "75.52", "75.52"),
    ("How much should I tip on a $55 bill at 20%?", "11", "11"),
]
SPLITS = [
    ("Split $150 among 4 people", "37.50", "37.5"),
    ("A $90 bill with a 20% tip split between 3", "36", "36"),
    ("Four friends share a $150 bill. How much does each pay?", "37.50", "37.5"),
    ("Split the $120 bill 5 ways", "24", "24"),
    ("split $200 between 3 people", "66.67", "66.666666666667"),
    ("Split $150 among 4 people and add a 10% tip", "41.25", "41.25"),
]
INTEREST = [
    ("$1,000 at 5% compounded annually for 3 years", "1157.63", "1157.625"),
    ("Simple interest on $800 at 6% for 2 years", "96", "96"),
    ("$800 at 6% simple interest for 18 months, what is the total?", "872", "872"),
    (
        "How much interest does $2,000 earn at 3% compounded annually over 2 years?",
        "121.80",
        "121.8",
    ),
    (
        "What will $2,500 grow to at 4% interest compounded quarterly over 1 year?",
        "2601.51",
        "2601.510025",
    ),
    # "compute the interest" asks the interest, not the total (it answered 8800).
    ("A loan of $8,000 at 5% simple interest for 2 years: compute the interest", "800", "800"),
    (
        "Calculate the compound interest on $1,000 at 5% compounded annually for 3 years.",
        "157.63",
        "157.625",
    ),
]
AVERAGES = [
    ("the average of 12, 15, 20, 9 and 14", "14", "14"),
    ("What is the mean of 3.5, 4 and 6?", "4.5", "4.5"),
    ("My test scores were 80, 90 and 75. What is my average?", "81.67", "81.666666666667"),
    ("Find the median of 7, 1, 3, 9", "5", "5"),
    ("average 4 8 15 16 23 42", "18", "18"),
]
PERCENT_CHANGES = [
    ("From 80 to 100 is what percent increase?", "25%", "25"),
    ("What is the percentage change from 50 to 40?", "-20%", "-20"),
    ("A price went from $80 to $60. What percent decrease is that?", "25%", "25"),
    ("50 is what percent less than 80?", "37.5%", "37.5"),
    ("By what percent did the population rise from 1,200 to 1,500?", "25%", "25"),
]
PERCENTS_OF = [
    ("What percent is 45 of 180?", "25%", "25"),
    ("45 is what percentage of 180?", "25%", "25"),
    ("What percentage of 200 is 50?", "25%", "25"),
    ("I scored 45 out of 60. What percent is that?", "75%", "75"),
    ("what percent of 3 is 1", "33.33%", "33.333333333333"),
]
SPEEDS = [
    ("60 km in 45 minutes, what speed in km/h?", "80 km/h", "80"),
    ("I drove 150 miles in 2.5 hours. What was my average speed?", "60 mph", "60"),
    ("A cyclist covers 30 km in 1 hour 30 minutes. How fast is that?", "20 km/h", "20"),
    ("She ran 400 m in 50 seconds. What was her speed in m/s?", "8 m/s", "8"),
]
RATES = [
    ("A car uses 6 litres per 100 km. How much fuel for 350 km?", "21 l", "21"),
    ("She earns $18 an hour. How much for 37.5 hours?", "675", "675"),
    ("earns $18 an hour, 37.5 hours", "675", "675"),
    ("How long does it take to drive 150 km at 60 km/h?", "2.5 h", "2.5"),
    ("How many minutes does it take to drive 30 km at 60 km/h?", "30 min", "30"),
    ("Apples cost $3.20 per kg. How much for 2.5 kg?", "8.00", "8"),
    ("A train travels at 80 km/h for 2.5 hours. How far does it go?", "200 km", "200"),
    ("At $18 an hour, how many hours to earn $900?", "50 h", "50"),
    ("How long to download 2 GB at 10 MB per second?", "200 s", "200"),
]
DAYS_BETWEEN = [
    ("How many days between 2024-03-01 and 2024-12-25?", "299 days", "299"),
    ("How many days are there from March 1, 2023 to March 1, 2024?", "366 days", "366"),
    ("number of days from 1 January 2025 to 1 March 2025", "59 days", "59"),
    ("How many weeks between 2024-01-01 and 2024-03-01?", "8 weeks and 4 days", "8.571428571429"),
    ("How many days from 2024-12-24 to 2024-12-26 inclusive?", "3 days", "3"),
]
WEEKDAYS = [
    ("What day of the week is 2025-07-04?", "Friday", None),
    ("Which day of the week was 14 July 1789?", "Tuesday", None),
    ("What weekday is December 25, 2024?", "Wednesday", None),
    ("what day is 25/12/2025", "Thursday", None),
]
TIMES_OF_DAY = [
    ("90 minutes after 10:45", "12:15", None),
    ("What time is it 2 hours 30 minutes after 9:15?", "11:45", None),
    ("45 minutes before 8:10", "07:25", None),
    ("10:45 pm plus 2 hours", "12:45 am the next day", None),
    ("What time is 3 hours after 11 pm?", "2:00 am the next day", None),
    ("add 90 minutes to 10:45", "12:15", None),
]
CALENDARS = [
    ("Is 2024 a leap year?", "yes, 2024 is a leap year", None),
    ("Was 1900 a leap year?", "no, 1900 is not a leap year", None),
    ("is 2000 a leap year", "yes, 2000 is a leap year", None),
    ("How many days in February 2024?", "29 days", "29"),
    ("How many days are in 2023?", "365 days", "365"),
    ("How many days in April?", "30 days", "30"),
]
DURATIONS = [
    ("2 hours 15 minutes in seconds", "8100 s", "8100"),
    ("How many minutes in 3.5 hours?", "210 min", "210"),
    ("How many weeks in 84 days?", "12 weeks", "12"),
    ("How many seconds are in a day?", "86400 s", "86400"),
]
POWERS_AND_ROOTS = [
    ("2 to the 10th power", "1024", "1024"),
    ("3 raised to the fifth power", "243", "243"),
    ("What is the 4th power of 3?", "81", "81"),
    ("the square root of 144", "12", "12"),
    ("cube root of 27 plus 1", "4", "4"),
    ("5 squared plus 3 cubed", "52", "52"),
    ("What is the square root of 2?", "1.414", "1.414213562373"),
]


@pytest.mark.parametrize(("text", "answer", "value"), DISCOUNTS)
def test_a_discount_gives_the_price_paid_or_the_saving_asked_for(
    text: str, answer: str, value: str
) -> None:
    check(text, answer, value)


@pytest.mark.parametrize(("text", "answer", "value"), INCREASES)
def test_a_percentage_increase_gives_the_new_amount_or_the_rise_asked_for(
    text: str, answer: str, value: str
) -> None:
    check(text, answer, value)


@pytest.mark.parametrize(("text", "answer", "value"), TAXES)
def test_sales_tax_and_vat_give_the_total_the_tax_or_the_net_price(
    text: str, answer: str, value: str
) -> None:
    check(text, answer, value)


@pytest.mark.parametrize(("text", "answer", "value"), TIPS)
def test_a_tip_gives_the_tip_or_the_bill_with_it(text: str, answer: str, value: str) -> None:
    check(text, answer, value)


@pytest.mark.parametrize(("text", "answer", "value"), SPLITS)
def test_a_split_bill_gives_one_share_with_the_tip_added_first(
    text: str, answer: str, value: str
) -> None:
    check(text, answer, value)


@pytest.mark.parametrize(("text", "answer", "value"), INTEREST)
def test_simple_and_compound_interest_give_the_amount_or_the_interest(
    text: str, answer: str, value: str
) -> None:
    check(text, answer, value)


@pytest.mark.parametrize(("text", "answer", "value"), AVERAGES)
def test_the_average_or_median_of_listed_numbers_is_computed(
    text: str, answer: str, value: str
) -> None:
    check(text, answer, value)


@pytest.mark.parametrize(("text", "answer", "value"), PERCENT_CHANGES)
def test_a_percentage_change_is_a_share_of_the_first_amount(
    text: str, answer: str, value: str
) -> None:
    check(text, answer, value)


@pytest.mark.parametrize(("text", "answer", "value"), PERCENTS_OF)
def test_what_percent_one_number_is_of_another_takes_the_whole_after_of(
    text: str, answer: str, value: str
) -> None:
    check(text, answer, value)


@pytest.mark.parametrize(("text", "answer", "value"), SPEEDS)
def test_a_speed_comes_from_a_distance_and_a_time_in_the_unit_asked(
    text: str, answer: str, value: str
) -> None:
    check(text, answer, value)


@pytest.mark.parametrize(("text", "answer", "value"), RATES)
def test_a_rate_is_applied_to_an_amount_or_inverted_for_the_other_side(
    text: str, answer: str, value: str
) -> None:
    check(text, answer, value)


@pytest.mark.parametrize(("text", "answer", "value"), DAYS_BETWEEN)
def test_the_days_between_two_dates_are_counted_on_the_calendar(
    text: str, answer: str, value: str
) -> None:
    check(text, answer, value)


@pytest.mark.parametrize(("text", "answer", "value"), WEEKDAYS)
def test_the_day_of_the_week_of_a_date_is_named(text: str, answer: str, value: None) -> None:
    check(text, answer, value)


@pytest.mark.parametrize(("text", "answer", "value"), TIMES_OF_DAY)
def test_a_time_of_day_moves_by_a_duration_across_midnight_too(
    text: str, answer: str, value: None
) -> None:
    check(text, answer, value)


@pytest.mark.parametrize(("text", "answer", "value"), CALENDARS)
def test_leap_years_and_the_days_of_a_month_or_year_follow_the_gregorian_rule(
    text: str, answer: str, value: str | None
) -> None:
    check(text, answer, value)


@pytest.mark.parametrize(("text", "answer", "value"), DURATIONS)
def test_durations_convert_both_ways_round(text: str, answer: str, value: str) -> None:
    check(text, answer, value)


@pytest.mark.parametrize(("text", "answer", "value"), POWERS_AND_ROOTS)
def test_powers_and_roots_in_words_are_computed(text: str, answer: str, value: str) -> None:
    check_expression(text, answer, value)


def test_a_discount_is_explained_in_the_steps_people_use() -> None:
    solution = solve("A $80 jacket is 25% off, what do I pay?")
    assert solution.text == "25% of 80 = 20; 80 - 20 = 60. Answer: 60"
    assert solution.data["problem"] == "discount"
    assert solution.data["currency"] == "$"


def test_a_money_answer_in_cents_names_the_exact_value_it_rounds() -> None:
    solution = solve("$1,000 at 5% compounded annually for 3 years")
    assert solution.text.endswith("Answer: 1157.625 ≈ 1157.63")
    assert solution.data["exact"] == "1157.625"
    assert solution.data["approximate"] is False


def test_an_irrational_root_gives_its_exact_form_and_a_rounding() -> None:
    solution = solve("the square root of 2")
    assert solution.data["exact"] == "√2" and solution.data["approximate"] is True
    assert solution.text.endswith("Answer: √2 ≈ 1.414")


def test_a_weekday_has_an_answer_but_no_number() -> None:
    solution = solve("What day of the week is 2025-07-04?")
    assert "value" not in solution.data
    assert solution.text == "2025-07-04 is 4 July 2025, a Friday. Answer: Friday"


@pytest.mark.parametrize(
    ("goal", "answer"),
    [
        ("What is an 18% tip on a $64 bill? Then write a short thank-you note.", "11.52"),
        ("How many days between 2024-03-01 and 2024-12-25? Then draft a reminder.", "299 days"),
        ("What is 17.5% of 2,480 plus 36? Then write a short friendly note.", "470"),
    ],
)
def test_the_writing_part_of_a_goal_is_left_to_others(goal: str, answer: str) -> None:
    assert solve(goal).answer == answer


UNSURE = [
    # The price after the discount is given; the one before is asked.
    "After a 25% discount a jacket costs $60. What was the original price?",
    # A discount, but the question is about tax.
    "A $80 jacket is 25% off. How much tax do I pay?",
    # Two prices, one discount: which applies to what?
    "A $80 jacket and a $40 shirt are 25% off. What do I pay?",
    # Does "me and 3 friends" make 3 or 4?
    "Split $100 between me and 3 friends",
    # A working week is not 168 hours.
    "I earn $18 an hour. How much in 2 weeks?",
    # Simple or compound?
    "What is the interest on $1,000 at 5% for 3 years?",
    # Is the VAT in the 120 or on top of it?
    "The price is 120 including 20% VAT. How much is the VAT?",
    # A speed is no answer to a question about calories.
    "I ran 5 km in 30 minutes. How many calories did I burn?",
    # Both the tip and the total asked: one answer would leave the other out.
    "A $64 bill with an 18% tip: how much is the tip and what is the total?",
    "How many days in February?",
    "How many months between 2024-01-01 and 2024-12-25?",
    "What is the percentage difference between 80 and 100?",
    "The meeting starts at 10:45 and lasts 90 minutes.",
    "Each of the 4 people pays $25. What is the total?",
    "$45 with 7.25% tax and a 15% tip",
    # Working days need weekends and holidays.
    "How many working days between 2024-03-01 and 2024-12-25?",
    "$80 plus tax, 25% off. What do I pay?",
    "What is the weighted average of 80, 90 and 70?",
]


@pytest.mark.parametrize("text", UNSURE)
def test_a_word_problem_it_cannot_place_is_refused_rather_than_guessed(text: str) -> None:
    with pytest.raises(NotArithmetic):
        solve(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("What is 15% of 80 plus 8% tax?", "could be of the last number"),
        ("What day of the week is 4/7/2025?", "day/month or month/day"),
        ("How many days between 2024-02-30 and 2024-03-05?", "2024-02-30 is not a date"),
        ("What is the square root of 2 plus 3?", "not a rational number"),
        ("$100 at 5% compounded annually for 500 years", "500 years is longer"),
    ],
)
def test_an_ambiguous_or_impossible_problem_is_refused_with_its_reason(
    text: str, reason: str
) -> None:
    with pytest.raises(CalculationError, match=reason):
        solve(text)


def test_a_plain_expression_beside_problem_words_is_not_answered_in_part() -> None:
    with pytest.raises(NotArithmetic, match="could not tell how"):
        solve("the average of 10, 20 and 30 plus 5")


def test_a_percentage_on_a_plain_number_is_a_percentage_of_that_number() -> None:
    assert solve("what is 120 plus 8%").data["value"] == "129.6"
    assert solve("240 minus 15%").data["value"] == "204"
    assert solve("what is 12.5% plus 3").data["value"] == "3.125"


def test_dates_and_clock_times_are_never_read_as_subtractions() -> None:
    with pytest.raises(NotArithmetic):
        solve("Remind me on 2024-3-1 at 10:45")
