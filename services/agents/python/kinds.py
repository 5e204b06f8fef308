"""Numbers of a named kind in a range or by count: palindromes, perfect numbers and sums of
Fibonacci numbers.

Like the other routines, a pattern must read the whole (normalized) question, and a
wording whose answer depends on a choice it leaves open is not answered: whether 0 is a
one-digit palindrome, or whether the Fibonacci numbers below 10 count 1 once or twice.
"""

import re

import sympy
from sympy.ntheory import mersenne_prime_exponent

from services.agents.python.phrases import (
    NUM,
    WORDS,
    Answer,
    Recognizers,
    by_python,
    by_sympy,
    number,
)
from services.agents.python.ranges import RANGE, one, range_words, readings

_KNOWN = Recognizers()
recognizes = _KNOWN.recognizes

MAX_SCANNED = 10**6
"""Largest range looked through number by number (palindromes: about half a second)."""
MAX_PERFECT = 10**300
"""Largest bound for perfect numbers: no odd one exists below 10^1500 (Ochem and Rao,
2012), so below this bound the even ones, from the Mersenne primes, are all of them."""
MAX_FIBONACCI = 10**1000


def answer(text: str) -> Answer | None:
    """The answer a normalized question asks for, or None when no pattern reads all of it."""
    return _KNOWN.answer(text)


PALINDROMES = r"(?:palindromes|palindromic numbers|palindrome numbers)"
THERE = r"(?: are there| exist)?"


@recognizes(
    rf"how many (?P<d>two|three|four|five|six|seven|eight|nine|[2-9])[- ]digit {PALINDROMES}"
    rf"{THERE}",
    rf"how many {PALINDROMES} (?:are there |lie |are |exist )?(?P<range>{RANGE}){THERE}",
)
def count_palindromes(m: re.Match[str]) -> Answer | None:
    if m.groupdict().get("d"):  # not one digit: is 0 one?
        d = WORDS.get(m["d"]) or int(m["d"])
        count = 9 * 10 ** ((d + 1) // 2 - 1)
        said = f"There are {count} {d}-digit palindromes."
        return by_python(count, said, "counting palindromes")
    ranges = readings(m)
    if ranges is None or any(hi > MAX_SCANNED for _, hi in ranges):
        return None
    found = one([sum(str(i) == str(i)[::-1] for i in range(lo, hi + 1)) for lo, hi in ranges])
    if found is None:
        return None
    said = f"There are {found} palindromic numbers {range_words(m)}."
    return by_python(found, said, "counting palindromes")


def _perfect(limit: int) -> list[int]:
    """The perfect numbers up to ``limit`` (at most MAX_PERFECT): 2^(p-1) * (2^p - 1)."""
    found, i = [], 1
    while (n := _nth_perfect(i)) <= limit:
        found.append(n)
        i += 1
    return found


def _nth_perfect(i: int) -> int:
    p = mersenne_prime_exponent(i)
    return int(2 ** (p - 1) * (2**p - 1))


@recognizes(
    rf"(?P<list>)(?:all )?(?:the )?perfect numbers (?P<range>{RANGE})",
    rf"how many perfect numbers (?:are there |lie |are |exist )?(?P<range>{RANGE}){THERE}",
    rf"(?P<sum>)sum of (?:all )?(?:the )?perfect numbers (?P<range>{RANGE})",
)
def perfect_in_range(m: re.Match[str]) -> Answer | None:
    ranges = readings(m)
    if ranges is None or any(hi > MAX_PERFECT for _, hi in ranges):
        return None
    found = [[n for n in _perfect(hi) if n >= lo] for lo, hi in ranges]
    if any(f != found[0] for f in found):
        return None
    perfect, said = found[0], range_words(m)
    if m.groupdict().get("list") is not None:
        if not perfect:
            return None
        shown = ", ".join(map(str, perfect))
        return by_sympy(shown, f"The perfect numbers {said} are {shown}.", "perfect numbers")
    if m.groupdict().get("sum") is not None:
        total = sum(perfect)
        return by_sympy(total, f"The sum of the perfect numbers {said} is {total}.", "perfect")
    count = len(perfect)
    return by_sympy(count, f"There are {count} perfect numbers {said}.", "perfect numbers")


FIBONACCI = (
    r"(?:fibonacci numbers|terms of the fibonacci sequence|fibonacci terms"
    r"|numbers in the fibonacci sequence|terms in the fibonacci sequence)"
)


@recognizes(
    rf"sum of (?:the )?first (?P<n>{NUM}) {FIBONACCI}",
    rf"sum of (?:all )?(?:the )?even(?:-valued)? {FIBONACCI} (?P<range>{RANGE})",
    rf"sum of (?:all )?(?:the )?{FIBONACCI} (?P<range>{RANGE}) that are even",
)
def fibonacci_sum(m: re.Match[str]) -> Answer | None:
    if m.groupdict().get("n"):
        n = number(m["n"])
        if n is None or not 1 <= n <= 19_000:
            return None
        total = sympy.fibonacci(n + 2) - 1
        said = f"The sum of the first {n} Fibonacci numbers (1, 1, 2, 3, …) is {total}."
        return by_sympy(total, said, "sum of Fibonacci numbers")
    ranges = readings(m)
    if ranges is None or any(hi > MAX_FIBONACCI for _, hi in ranges):
        return None
    total = one([_even_fibonacci_sum(lo, hi) for lo, hi in ranges])
    if total is None:
        return None
    said = f"The sum of the even Fibonacci numbers {range_words(m)} is {total}."
    return by_python(total, said, "sum of Fibonacci numbers")


def _even_fibonacci_sum(lo: int, hi: int) -> int:
    total, a, b = 0, 1, 2
    while b <= hi:
        if b % 2 == 0 and b >= lo:
            total += b
        a, b = b, a + b
    return total
