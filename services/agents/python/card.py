"""The python agent's card: it says honestly whether runs are cut off from the network."""

from protocol.kinds import AgentCard, Provider, Skill
from services.agents.python.sandbox import Isolation, Limits

AGENT_ID = "python"
VERSION = "0.1.0"


def python_card(limits: Limits, isolation: Isolation) -> AgentCard:
    network = (
        "Runs have no network (a network namespace)."
        if isolation.network
        else f"Runs are NOT cut off from the network on this host ({isolation.detail})."
    )
    return AgentCard(
        id=AGENT_ID,
        name="Python runner",
        description=(
            "Runs Python code in a separate, limited process and returns stdout, stderr, the "
            "exit status and the files it wrote. Limits per run: "
            f"{limits.cpu_seconds} s CPU, {limits.wall_seconds:g} s wall, "
            f"{limits.memory_bytes // 2**20} MB memory, {limits.processes} processes, "
            f"{limits.output_bytes // 1024} KB output. {network} Standard library only. "
            "Also answers computations asked in words (counting, sequences and series, sums, "
            "number theory: primes, divisors, gcd and lcm, digits; combinatorics: choices and "
            "arrangements; text statistics: letters, vowels, words) by an exact routine or a "
            "program it writes."
        ),
        version=VERSION,
        provider=Provider(organization="Internet of Agents demo"),
        skills=[
            Skill(
                id="run-python",
                name="Run Python code",
                description=(
                    "Executes the Python program given in inputs.code or in a ```python block "
                    "of the task, in a throw-away directory; answers with its output, exit "
                    "status and produced files."
                ),
                tags=[
                    "python",
                    "code",
                    "run",
                    "execute",
                    "script",
                    "program",
                    "compute",
                    "simulation",
                    "data",
                    "csv",
                ],
                examples=[
                    "Run this: ```python\nprint(sum(range(10)))\n```",
                    "Run ```python\nimport csv\n...``` and return the file it writes",
                ],
            ),
            Skill(
                id="compute-in-words",
                name="Counting, sequences, number theory and text counts asked in words",
                description=(
                    "Answers a computation asked in plain words, without code, exactly. "
                    "Counting: how many numbers in a range are even, odd, squares or "
                    "divisible by 7, how many times a letter or digit appears. Sequences: "
                    "the next or the nth term of a sequence given by its first terms "
                    "(arithmetic, geometric, Fibonacci), triangular numbers. Sums and series: "
                    "the sum of the whole numbers, squares, cubes, even or odd numbers from "
                    "1 to n, 1 + 2 + ... + 100. Number theory: primes, prime factors, divisors "
                    "and their sum, the greatest common divisor and least common multiple of "
                    "several numbers, the remainder when a number is divided by another, "
                    "factorials, perfect numbers, the digits of "
                    "a large power or factorial (their sum, how many, the last digit, the "
                    "trailing zeros at the end), and lists of primes or divisors. "
                    "Combinatorics: in how many ways k things can be chosen, picked or selected "
                    "from n (a committee or team of k from n candidates), permutations and "
                    "orderings, the arrangements of the letters of a word. Text "
                    "statistics: letters, vowels, words or characters in a quoted text. "
                    "Exact routines (sympy) answer what they recognize; anything else is "
                    "answered by a program the model writes and the sandbox runs. The result "
                    "says which path answered and gives the one answer in data.answer."
                ),
                tags=[
                    "exact",
                    "by code",
                    "count",
                    "counting",
                    "how many",
                    "how many times",
                    "sum",
                    "sums",
                    "series",
                    "sequence",
                    "sequences",
                    "nth term",
                    "next term",
                    "primes",
                    "prime numbers",
                    "number theory",
                    "divisors",
                    "factors",
                    "factorization",
                    "remainder",
                    "gcd",
                    "greatest common divisor",
                    "lcm",
                    "least common multiple",
                    "factorial",
                    "fibonacci",
                    "triangular numbers",
                    "squares",
                    "cubes",
                    "even numbers",
                    "odd numbers",
                    "whole numbers",
                    "integers",
                    "combinations",
                    "permutations",
                    "arrangements",
                    "combinatorics",
                    "choose",
                    "ways",
                    "committee",
                    "digits",
                    "digit sum",
                    "trailing zeros",
                    "text statistics",
                    "word count",
                    "letters",
                    "letter count",
                    "vowels",
                    "characters",
                    "occurrences",
                ],
                examples=[
                    "The sum of the first 100 primes",
                    "The 30th Fibonacci number",
                    "The 10th term of the sequence 2, 5, 8, 11",
                    "How many primes are below 10,000?",
                    "Is 1,000,003 prime?",
                    "The GCD of 84 and 126; the least common multiple of 6, 8 and 15",
                    "The sum of the digits of 2 to the power 100",
                    "The sum of the squares of the whole numbers from 1 to n",
                    "The sum of the even numbers from 1 to n",
                    "How many vowels are in 'the quick brown fox jumps over the lazy dog'?",
                    "How many times does the letter s appear in 'Mississippi'?",
                    "In how many ways can a committee of 3 be chosen from 9 candidates?",
                    "How many arrangements of the letters of the word BANANA are there?",
                    "Count the numbers from 1 to 1000 divisible by 7",
                ],
            ),
        ],
        default_input_modes=["text/plain", "text/x-python"],
        default_output_modes=["text/plain", "application/json"],
        max_concurrent_tasks=2,
    )
