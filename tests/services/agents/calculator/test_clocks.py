"""Times of day: the time from one clock time to another, and a time moved by a duration
the way the words say (a start plus how long it lasts, an arrival less the journey)."""

import pytest

from services.agents.calculator.arithmetic import CalculationError
from services.agents.calculator.solver import solve

BETWEEN = [
    (
        "A train leaves at 09:15 and arrives at 13:50. How many minutes does the journey take?",
        "275 min",
        "275",
    ),
    (
        "A conference room is booked from 09:30 to 15:15. Work out how many minutes that is",
        "345 min",
        "345",
    ),
    (
        "The flight departs at 14:20 and lands at 17:05. How long is the flight?",
        "2 h 45 min",
        "165",
    ),
    ("A shift runs from 07:00 to 15:30. How many hours is the shift?", "8.5 h", "8.5"),
    (
        "A meeting starts at 2:15 pm and ends at 4:00 pm. How many minutes long is it?",
        "105 min",
        "105",
    ),
    ("The night shift runs from 10 pm to 6 am. How long is it?", "8 h", "480"),
    ("The bus arrives at 13:50 after leaving at 09:15. How long is the trip?", "4 h 35 min", "275"),
    (
        "I started work at 8:30 am and finished at 5:15 pm. How many hours did I work?",
        "8.75 h",
        "8.75",
    ),
    (
        "A bus departs at 10:55 and arrives at 12:20. How long is the ride in minutes?",
        "85 min",
        "85",
    ),
]
MOVED = [
    (
        "A film starts at 7:40 pm and lasts 2 hours 35 minutes. At what time does it end?",
        "10:15 pm",
    ),
    (
        "A movie begins at 8:15 pm and runs for 1 hour 50 minutes. What time does it finish?",
        "10:05 pm",
    ),
    ("The bus leaves at 6:45 am and the trip takes 35 minutes. When does it arrive?", "7:20 am"),
    (
        "A flight leaves at 11:45 pm and takes 7 hours 30 minutes. What time does it land?",
        "7:15 am the next day",
    ),
    ("I must arrive by 9:00 and the drive takes 45 minutes. When should I leave?", "08:15"),
    ("A film lasts 2 hours and ends at 10:15 pm. When did it start?", "8:15 pm"),
    ("It is 9:40 now. What time will it be in 45 minutes?", "10:25"),
]


@pytest.mark.parametrize(("text", "answer", "value"), BETWEEN)
def test_the_time_between_two_clock_times_is_in_the_unit_asked(
    text: str, answer: str, value: str
) -> None:
    solution = solve(text)
    assert (solution.answer, solution.data["value"]) == (answer, value), solution.text


@pytest.mark.parametrize(("text", "answer"), MOVED)
def test_a_start_plus_how_long_it_lasts_gives_the_end_and_back(text: str, answer: str) -> None:
    assert solve(text).answer == answer


@pytest.mark.parametrize(
    "text",
    [
        # 9:30 to 3:15 is 5 h 45 min only if the 3:15 is in the afternoon: not said.
        "The meeting runs from 9:30 to 3:15. How long is it?",
        # No question.
        "The meeting starts at 10:45 and lasts 90 minutes.",
        # One time of day and no duration: nothing to count.
        "Lunch is at 12:30. How many minutes?",
    ],
)
def test_a_clock_question_it_cannot_place_is_declined(text: str) -> None:
    with pytest.raises(CalculationError):
        solve(text)
