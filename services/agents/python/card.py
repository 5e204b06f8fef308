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
            "Also answers computations asked in words (primes, divisors, sequences, sums, "
            "counting, text statistics) by an exact routine or a program it writes."
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
                name="Compute an exact answer asked in words, by code",
                description=(
                    "Answers a computation asked in plain words, without code: exact "
                    "routines (sympy) for primes, divisors, factors, GCD and LCM, factorials, "
                    "Fibonacci and triangular numbers, sums of series, counting multiples in "
                    "a range, combinations, digit sums and counts of words, letters or "
                    "vowels in a quoted text; anything else by a program the model writes "
                    "and the sandbox runs. The result says which path answered and gives "
                    "the one answer in data.answer."
                ),
                tags=[
                    "exact",
                    "by code",
                    "count",
                    "counting",
                    "how many",
                    "sum",
                    "sums",
                    "series",
                    "sequence",
                    "sequences",
                    "primes",
                    "prime numbers",
                    "number theory",
                    "divisors",
                    "factors",
                    "factorization",
                    "gcd",
                    "lcm",
                    "factorial",
                    "fibonacci",
                    "triangular numbers",
                    "combinations",
                    "combinatorics",
                    "digits",
                    "text statistics",
                    "word count",
                    "letters",
                    "vowels",
                ],
                examples=[
                    "The sum of the first 100 primes",
                    "The 30th Fibonacci number",
                    "How many primes are below 10,000?",
                    "Is 1,000,003 prime?",
                    "The GCD of 84 and 126",
                    "The sum of the digits of 2 to the 100th",
                    "How many vowels are in 'the quick brown fox jumps over the lazy dog'?",
                    "How many ways to choose 3 of 10?",
                    "Count the numbers from 1 to 1000 divisible by 7",
                ],
            ),
        ],
        default_input_modes=["text/plain", "text/x-python"],
        default_output_modes=["text/plain", "application/json"],
        max_concurrent_tasks=2,
    )
