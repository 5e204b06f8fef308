"""The python agent's exact routines on questions typed the way people type them: each
expected answer was checked by hand with sympy, and a question with no one reading (or
words no routine reads) is declined rather than answered as another question."""

import pytest

from services.agents.python.routines import answer


@pytest.mark.parametrize(
    "question",
    [
        # a range written high to low: counting down, or an empty range?
        "What is the sum of the integers from 10 to 1?",
        "How many numbers from 100 to 1 are divisible by 7?",
        "What is the product of the integers from 10 to 1?",
        "How many odd numbers are there from 99 to 1?",
        "How many primes are there from 100 to 50?",
        "How many primes between 100 and 50?",
        "What is the sum of the squares from 10 to 1?",
        "How many times does the digit 7 appear in the numbers from 100 to 1?",
        "What is the sum of the primes from 100 to 2?",
        "How many perfect squares are there from 100 to 1?",
        "What is the sum of the odd numbers from 99 to 1?",
        "What is the sum of the multiples of 3 from 100 to 1?",
    ],
)
def test_a_question_with_no_one_reading_is_declined(question: str) -> None:
    assert answer(question) is None
