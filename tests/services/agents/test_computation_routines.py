"""The python agent's exact routines: many phrasings of each question get the exact answer,
and a question they are not sure of is not recognized (never answered as another one)."""

import math

import pytest

from services.agents.python.phrases import normalize, number, ordinal, value
from services.agents.python.routines import answer


def brute_primes(limit: int) -> list[int]:
    """Primes below ``limit`` by trial division: an independent check of the library."""
    return [n for n in range(2, limit) if all(n % d for d in range(2, math.isqrt(n) + 1))]


PANGRAM = "the quick brown fox jumps over the lazy dog"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # the brief's questions
        ("the sum of the first 100 primes", "24133"),
        ("the 30th Fibonacci number", "832040"),
        ("how many primes are below 10,000", "1229"),
        ("is 1,000,003 prime", "yes"),
        ("the number of divisors of 360", "24"),
        ("the GCD of 84 and 126", "42"),
        ("25 factorial", "15511210043330985984000000"),
        ("the sum of the digits of 2 to the 100th", "115"),
        (f"how many words are in '{PANGRAM}'", "9"),
        (f"how many letters are in '{PANGRAM}'", "35"),
        (f"how many vowels are in '{PANGRAM}'", "11"),
        ("the sum of the squares from 1 to 50", "42925"),
        ("the 10th triangular number", "55"),
        ("how many ways to choose 3 of 10", "120"),
        ("the prime factors of 2,310", "2, 3, 5, 7, 11"),
        ("the largest prime below 1000", "997"),
        ("count the numbers from 1 to 1000 divisible by 7", "142"),
        # other phrasings of the same
        ("What is the sum of the first 100 primes?", "24133"),
        ("Compute the sum of the first one hundred prime numbers.", "24133"),
        ("Please calculate the sum of the first 100 primes. Reply with just the number.", "24133"),
        ("Find the 30th Fibonacci number", "832040"),
        ("Compute the 30th Fibonacci number using Python.", "832040"),
        ("what's the thirtieth fibonacci number?", "832040"),
        ("the 30th term of the Fibonacci sequence", "832040"),
        ("fib(30)", "832040"),
        ("How many prime numbers are there below 10000?", "1229"),
        ("how many primes less than ten thousand are there", "1229"),
        ("the number of primes under 10^4", "1229"),
        ("count the primes up to 100", "25"),
        ("how many primes are there between 1 and 100", "25"),
        ("Is 1000003 a prime number?", "yes"),
        ("is 1,000,001 prime", "no"),
        ("is 91 prime or not", "no"),
        ("is 1 prime", "no"),
        ("is 91 composite", "yes"),
        ("How many divisors does 360 have?", "24"),
        ("how many factors does 360 have", "24"),
        ("what is the greatest common divisor of 84 and 126", "42"),
        ("hcf of 84, 126 and 210", "42"),
        ("gcd(84, 126)", "42"),
        ("the least common multiple of 4, 6 and 10", "60"),
        ("lcm(4,6)", "12"),
        ("25!", "15511210043330985984000000"),
        ("what is the factorial of 10", "3628800"),
        ("what is 2^10", "1024"),
        ("2 to the power of 16", "65536"),
        ("sum of the digits of 2^100", "115"),
        ("the digit sum of 100!", "648"),
        ("the sum of the digits of 1000!", "10539"),
        ("how many digits does 100! have", "158"),
        ("the number of digits in 2^1000", "302"),
        (f'How many words are in "{PANGRAM}"?', "9"),
        (f"count the words in the sentence '{PANGRAM}'", "9"),
        (f"the number of vowels in the text \u201c{PANGRAM}\u201d", "11"),
        ("how many words are in 'don't stop me now'", "4"),
        ("how many consonants are in 'hello world'", "7"),
        ("how many characters are in 'hello'", "5"),
        ("how many characters (excluding spaces) are in 'hello world'", "10"),
        ("how many characters including spaces are in 'hello world'", "11"),
        ("how many times does the letter o appear in 'the quick brown fox'", "2"),
        ("how many e's are in 'excellence'", "4"),
        ("how many times does the word the appear in 'The cat and the dog'", "2"),
        ("how many uppercase letters are in 'Hello World'", "2"),
        ("sum of the squares of the integers from 1 to 50", "42925"),
        ("the sum of the squares of the first 50 natural numbers", "42925"),
        ("the sum of the integers from 1 to 100", "5050"),
        ("the sum of the first 100 natural numbers", "5050"),
        ("the sum of the cubes from 1 to 10", "3025"),
        ("the sum of the first 10 odd numbers", "100"),
        ("the sum of the even numbers from 1 to 100", "2550"),
        ("what is the tenth triangular number", "55"),
        ("the 100th square number", "10000"),
        ("10 choose 3", "120"),
        ("how many ways can you choose 3 people from 10", "120"),
        ("the number of combinations of 10 items taken 3 at a time", "120"),
        ("C(10, 3)", "120"),
        ("how many ways can you arrange 5 books", "120"),
        ("permutations of 10 items taken 3 at a time", "720"),
        ("What are the prime factors of 2310?", "2, 3, 5, 7, 11"),
        ("the distinct prime factors of 360", "2, 3, 5"),
        ("factorize 360", "2^3 * 3^2 * 5"),
        ("the prime factorization of 2,310", "2 * 3 * 5 * 7 * 11"),
        ("the number of distinct prime factors of 360", "3"),
        ("how many prime factors does 360 have counted with multiplicity", "6"),
        ("the largest prime factor of 600851475143", "6857"),
        ("the biggest prime less than 1000", "997"),
        ("the largest prime up to 997", "997"),
        ("the next prime after 100", "101"),
        ("the smallest prime greater than or equal to 97", "97"),
        ("the 1000th prime", "7919"),
        ("the first prime", "2"),
        ("the first 10 primes", "2, 3, 5, 7, 11, 13, 17, 19, 23, 29"),
        ("the primes between 10 and 30", "11, 13, 17, 19, 23, 29"),
        ("the sum of the primes below two million", "142913828922"),
        ("the product of the first 5 primes", "2310"),
        ("how many numbers from 1 to 1000 are divisible by 7", "142"),
        ("How many integers between 1 and 1000 are divisible by 7?", "142"),
        ("the number of integers from 1 to 1000 that are divisible by 7", "142"),
        ("how many multiples of 7 are there from 1 to 1000", "142"),
        ("how many multiples of 7 are below 100", "14"),
        ("how many numbers from 1 to 100 are divisible by 3 or 5", "47"),
        ("how many numbers from 1 to 100 are divisible by both 3 and 5", "6"),
        ("how many numbers below 100 are not divisible by 3", "66"),
        ("the sum of all the multiples of 3 or 5 below 1000", "233168"),
        ("the smallest number divisible by each of the numbers from 1 to 20", "232792560"),
        ("the sum of the proper divisors of 28", "28"),
        ("the divisors of 28", "1, 2, 4, 7, 14, 28"),
        ("euler's totient of 36", "12"),
        ("is 1001 divisible by 7", "yes"),
        ("is 144 a perfect square", "yes"),
    ],
)
def test_a_routine_answers_the_question_exactly(question: str, expected: str) -> None:
    found = answer(question)
    assert found is not None, f"not recognized: {question!r}"
    assert found.value == expected
    assert expected.lower() in found.sentence.lower()


@pytest.mark.parametrize(
    "question",
    [
        # not computations, or more than a routine knows
        "Write me a poem",
        "What is the capital of Australia?",
        "the sum of the first 100 primes that are odd",
        "the sum of the first 100 primes, then divide by 7",
        "how many primes below 10,000 end in 3",
        "the 30th Fibonacci number modulo 7",
        "what is the sum of 1 to 100",  # "1 to 100" of what? left to a program
        # two readings
        "how many primes are between 2 and 100",  # are 2 and 100 in?
        "the sum of the integers between 1 and 10",
        "how many numbers between 7 and 70 are divisible by 7",
        "how many numbers from 1 to 100 are divisible by 3 and 5",  # both, or either?
        "the number of prime factors of 360",  # with repeats or not?
        "prime number 7",  # the 7th prime, or 7?
        "how many numbers from 1 to 100 are not divisible by 3 or 5",  # neither, or not both?
        "how many characters are in 'hello world'",  # with the space or not?
        "how many words are in 'abc' and 'def'",  # which text?
        "gcd of 84,126",  # 84 and 126, or 84126?
        "how many words are in the quick brown fox",  # where does the text end?
        # malformed or out of bounds
        "the 3th prime",
        "is 2.5 prime",
        "ten choose eleven",
        "how many primes are below 10^40",
        "2 to the 100000th",
        "is -7 prime",
        "the primes below 2",  # an empty list is no answer to show
        "x" * 3000,
    ],
)
def test_a_question_a_routine_is_not_sure_of_is_not_recognized(question: str) -> None:
    assert answer(question) is None


def test_the_library_agrees_with_trial_division() -> None:
    primes = brute_primes(10_000)
    assert answer("how many primes are below 10,000").value == str(len(primes))  # type: ignore[union-attr]
    assert answer("the sum of the first 100 primes").value == str(sum(primes[:100]))  # type: ignore[union-attr]
    assert answer("the largest prime below 1000").value == str(max(p for p in primes if p < 1000))  # type: ignore[union-attr]
    counted = sum(1 for n in range(1, 1001) if n % 7 == 0)
    assert answer("count the numbers from 1 to 1000 divisible by 7").value == str(counted)  # type: ignore[union-attr]


def test_the_answer_says_which_routine_and_library_gave_it() -> None:
    found = answer("the sum of the first 100 primes")
    assert found is not None
    assert found.sentence == "The sum of the first 100 primes is 24133."
    assert found.library == "sympy" and found.routine == "sum of the first n primes"
    counted = answer(f"how many vowels are in '{PANGRAM}'")
    assert counted is not None and counted.library == "Python"
    assert "(a, e, i, o, u)" in counted.sentence


def test_numbers_are_read_as_people_write_them() -> None:
    assert number("1,000,003") == 1_000_003
    assert number("ten thousand") == 10_000
    assert number("two million") == 2_000_000
    assert number("twenty-one") == 21
    assert number("10^6") == 10**6
    assert number("a") is None and number("1,00") is None
    assert ordinal("30th") == 30 and ordinal("first") == 1 and ordinal("22nd") == 22
    assert ordinal("3th") is None
    assert value("2 to the 100th") == 2**100
    assert value("2^3^2") is None  # right- or left-associative? not ours to guess
    assert value("100!") == math.factorial(100)
    assert normalize("  Please, compute   the sum of it? ") == "the sum of it"
    assert normalize("What is 5!") == "5!"  # a factorial, not an exclamation


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # the evaluation's computation goals that no routine knew
        ("The Fibonacci sequence starts 1, 1, 2, 3, 5, 8. What is its 25th term?", "75025"),
        ("What is the sum of all positive divisors of 220, not counting 220 itself?", "284"),
        ("What is the sum of the digits of 2 raised to the power 50?", "76"),
        (
            'How many times does the letter e appear in "Peter pepper eats seven sweet green '
            'beans every evening"? Count upper and lower case.',
            "16",
        ),
        ("In how many ways can a committee of 3 people be chosen from 10 people?", "120"),
        ("How many different arrangements are there of the letters of the word LETTERS?", "1260"),
        ("What is the sum of all even numbers from 2 to 100, both included?", "2550"),
        ('How many vowels (a, e, i, o, u) are in the word "encyclopaedia"?', "6"),
        ("What is 2 raised to the power 40?", "1099511627776"),
        # sequences given by their first terms
        ("What is the 10th term of the sequence 2, 5, 8, 11, ...?", "29"),
        ("What is the 10th term of the arithmetic sequence 2, 5, ...?", "29"),
        ("A sequence begins 3, 6, 12, 24. What is its 10th term?", "1536"),
        ("What is the next number in the sequence 2, 4, 8, 16?", "32"),
        ("What comes next: 1, 4, 9, 16, 25?", "36"),
        ("The Lucas numbers start 2, 1, 3, 4, 7. What is the 10th term?", "76"),
        ("The tribonacci sequence starts 1, 1, 2, 4, 7, 13. What is the 10th term?", "149"),
        ("What is the 50th term of 1, 8, 27, 64, 125?", "125000"),
        ("What is the 10th term of the sequence 10, 7, 4, 1, -2?", "-17"),
        ("What is the 10th term of the sequence 64, 32, 16, 8?", "0.125"),
        ("The first four terms of a sequence are 5, 10, 15, 20. Find the 100th term.", "500"),
        ("What is the sum of the first 10 terms of the sequence 3, 7, 11, 15?", "210"),
        ("What is 1 + 2 + 3 + ... + 100?", "5050"),
        ("Compute 1^2 + 2^2 + 3^2 + ... + 20^2", "2870"),
        ("What is 1 + 2 + 4 + 8 + \u2026 + 1024?", "2047"),
        # sums and counts in a range, in other words
        ("What is the sum of the squares of the whole numbers from 1 to 20?", "2870"),
        ("the sum of the odd numbers from 1 to 99 inclusive", "2500"),
        ("the sum of the even numbers from 2 to 100 (including both ends)", "2550"),
        ("How many odd numbers are there from 1 to 99?", "50"),
        ("How many perfect squares are there below 1000?", "31"),
        ("How many integers from 1 to 100 are multiples of 3?", "33"),
        # divisors, multiples, primes and digits
        ("the sum of the divisors of 28 excluding itself", "28"),
        ("How many divisors does 360 have, excluding 1 and itself?", "22"),
        ("the aliquot sum of 220", "284"),
        ("the sum of the factors of 12 other than 12", "16"),
        ("What is the least common multiple of 12, 18 and 30?", "180"),
        ("Is 28 a perfect number?", "yes"),
        ("Are 220 and 284 amicable numbers?", "yes"),
        ("Is 2^31 - 1 prime?", "yes"),
        ("What are the prime factors of 2^32 + 1?", "641, 6700417"),
        ("What is the sum of the digits of 3^100 + 7?", "160"),
        ("What is the sum of the digits of the 50th power of 2?", "76"),
        ("What is the digital root of 2^100?", "7"),
        ("What is the last digit of 7^100?", "1"),
        ("What are the last three digits of 2^100?", "376"),
        ("How many trailing zeros does 100! have?", "24"),
        ("How many times does the digit 7 appear in the numbers from 1 to 100?", "20"),
        ("What is 10!/(3!*7!)?", "120"),
        ("What is the remainder when 2 to the power 20 is divided by 7?", "4"),
        ("What is the remainder when 2^1000000 is divided by 7?", "2"),
        ("What is 2^100 mod 7?", "2"),
        ("what is the remainder when you divide 100 by 7", "2"),
        ("Add up all the whole numbers from 1 to 500.", "125250"),
        ("How many three-digit numbers are divisible by 7?", "128"),
        ("What is the sum of all two-digit numbers?", "4905"),
        ("How many even two-digit numbers are there?", "45"),
        ("What is the sum of the squares of 1 through 12?", "650"),
        ("What is the smallest number divisible by all numbers from 1 to 10?", "2520"),
        ("How many zeros are at the end of 25!?", "6"),
        ("What is the product of all the integers from 1 to 10?", "3628800"),
        (
            "The first term of an arithmetic sequence is 7 and the common difference is 4. "
            "What is the 25th term?",
            "103",
        ),
        (
            "A geometric sequence has first term 3 and common ratio 2. What is its 10th term?",
            "1536",
        ),
        (
            "An arithmetic progression has first term 5 and common difference -2. "
            "Find the sum of the first 10 terms.",
            "-40",
        ),
        # choosing and arranging
        ("In how many ways can 4 students be selected from a class of 25?", "12650"),
        ("How many committees of 5 can be formed from 12 people?", "792"),
        ("How many 3-person teams can be formed from 8 players?", "56"),
        ("From a group of 8 people, in how many ways can you choose 3?", "56"),
        ("There are 10 people in a club. How many ways can a committee of 3 be chosen?", "120"),
        ("A class has 20 students. In how many ways can the teacher pick 4 of them?", "4845"),
        ("In how many ways can 5 cards be drawn from a deck of 52 cards?", "2598960"),
        ("How many ways can you choose 3 of 10 people if order matters?", "720"),
        ("How many ways can 6 people be seated in a row?", "720"),
        (
            "If 10 people each shake hands with each other once, how many handshakes are there?",
            "45",
        ),
        ("How many subsets does a set with 5 elements have?", "32"),
        ("In how many ways can the letters of the word BANANA be arranged?", "60"),
        ("How many distinct permutations of the word MISSISSIPPI are there?", "34650"),
        ("How many anagrams of 'listen' are there?", "720"),
        ("How many distinct anagrams does the word PEPPER have?", "60"),
        (
            "How many different words can be formed using all the letters of the word LETTERS?",
            "1260",
        ),
        # counts in a text, with the rules the question states
        ("How many vowels are in the word encyclopaedia?", "6"),
        ("How many letters does the word encyclopaedia have?", "13"),
        ('How many times does the letter "e" appear in "excellence"?', "4"),
        ("How many times does 'e' appear in 'excellence'?", "4"),
        ('How many times does the letter E appear in "Every Evening"? Case-sensitive.', "2"),
        ('How many times does the capital letter E appear in "Every Evening Eve"?', "3"),
        ('Ignoring case, how many times does the letter p appear in "Peter Piper picked"?', "4"),
        ('How many vowels are in "rhythm and blues" (including y)?', "4"),
        ('How many characters are in "hello world", not counting spaces?', "10"),
        ('How many characters, including spaces, are in "hello world"?', "11"),
        ('How many distinct letters are in the word "Mississippi"?', "4"),
        ('Count the occurrences of the letter s in "Mississippi".', "4"),
        ('What is the most common letter in "banana bread"?', "a"),
        ('What is the length of the string "hello, world"?', "12"),
    ],
)
def test_plain_words_for_counts_sequences_and_number_theory_are_answered(
    question: str, expected: str
) -> None:
    found = answer(question)
    assert found is not None, f"not recognized: {question!r}"
    assert found.value == expected


@pytest.mark.parametrize(
    "question",
    [
        # the rules the terms bear out disagree, or there are too few terms to tell
        "The sequence 1, 2, 4, 7 continues. What is the next term?",  # +1,+2,+3 or tribonacci?
        "What is the next term of 2, 3, 5, 8?",  # Fibonacci-like, or second differences 1?
        "What is the 10th term of 2, 5, 8?",  # three terms and no name
        "What is the sum 2 + 4 + ... + 64?",  # steps of 2, or doubling?
        "What is the 6th term of 3, 9, 4, 7?",
        # words that change what is asked
        "What is the 10th term of the sequence of primes 2, 3, 5, 7, 11?",
        "What is the 5th term of the sequence 1, 1, 2, 3, 5, 8 squared?",
        "What is the 10th and 11th term of 2, 4, 6, 8?",
        "Which term of the sequence 3, 7, 11, 15 is 43?",
        "How many ways can a president and a secretary be chosen from 10 people?",
        "How many ways can you choose 3 people from 10 with repetition?",
        "How many arrangements of the letters of the word LETTERS start with L?",
        "how many words can be made from the letters of apple",  # all of them, or fewer?
        "sum of the divisors of 12 except 5",
        "How many even numbers are there between 1 and 100?",  # are 1 and 100 in?
        'How many vowels are in "rhythm", and sometimes y?',
        "How many times does 'the' appear in 'the other theme'?",  # as a word, or inside words?
        "How many vowels are in encyclopaedia?",  # no quotes, no "the word": where is the text?
        "What is 2^3^2?",
        "What is the remainder when -7 is divided by 3?",  # 2, or -1 as C has it?
        "What is 5 + 3 mod 4?",  # 5 + (3 mod 4), or (5 + 3) mod 4?
        "What is the next term of 2, 4, 8, 14?",  # second differences 2, or tribonacci?
        "What is the next term of 1, 2, 6, 24?",  # no rule of ours bears it out
        "What is the 2nd smallest number in 5, 3, 8, 1?",
        "How many ways can you choose 3 books from 10 books if 2 of them must be included?",
        'How many times does the letter e appear in "excellence" and "eerie"?',
        "A geometric sequence has first term 3 and common difference 2. What is its 10th term?",
    ],
)
def test_a_sequence_or_count_the_words_leave_open_is_not_recognized(question: str) -> None:
    assert answer(question) is None
