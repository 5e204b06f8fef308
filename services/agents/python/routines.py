"""Exact routines for computations asked in words: primes, divisors, sequences, sums, counts.

Each routine is a few whole-question patterns and a function computing the answer
with sympy. A question is answered only when one pattern matches all of it, the
numbers are within the routine's bounds and the wording has one reading (primes
"between" two primes, the prime factors of a number with repeated factors counted or
not): otherwise it is not recognized and the agent lets a program answer it.
"""

import math
import re
from collections.abc import Callable

import sympy
from sympy import ntheory

from services.agents.python import text_counts
from services.agents.python.phrases import (
    MAX_DIGITS,
    NUM,
    ORD,
    PLAIN,
    Answer,
    normalize,
    number,
    ordinal,
    value,
)

Routine = Callable[[re.Match[str]], Answer | None]
_ROUTINES: list[tuple[re.Pattern[str], Routine]] = []

MAX_FACTOR = 10**20
"""Largest number factored (Pollard's rho stays well under a second below it)."""
MAX_PRIME_TEST = 10**300
MAX_PRIME_COUNT = 10**10
"""Largest bound for counting primes (``primepi(10**10)`` takes about 0.6 s)."""
MAX_PRIME_SIEVE = 2 * 10**6
"""Largest bound for summing or listing primes one by one (about 1.5 s)."""
MAX_NTH_PRIME = 10**7
MAX_LISTED = 100


def answer(question: str) -> Answer | None:
    """The exact answer to ``question``, or None when no routine is sure what it asks."""
    if len(question) > 2000:
        return None
    found = text_counts.answer(question)
    if found is not None:
        return found
    text = normalize(question).removeprefix("the ")
    for pattern, routine in _ROUTINES:
        match = pattern.fullmatch(text)
        found = routine(match) if match else None
        if found is not None:
            return found
    return None


def recognizes(*patterns: str) -> Callable[[Routine], Routine]:
    """Register ``routine`` for questions matching any of ``patterns`` as a whole."""

    def register(routine: Routine) -> Routine:
        _ROUTINES.extend((re.compile(p), routine) for p in patterns)
        return routine

    return register


def _sympy(value: object, sentence: str, routine: str) -> Answer:
    return Answer(value=str(value), sentence=sentence, routine=routine, library="sympy")


def _python(value: object, sentence: str, routine: str) -> Answer:
    return Answer(value=str(value), sentence=sentence, routine=routine, library="Python")


def _yes(yes: bool) -> str:
    return "yes" if yes else "no"


def _listed(items: list[int]) -> str:
    return ", ".join(str(i) for i in items)


def _factorization(n: int) -> str:
    return " * ".join(
        f"{p}^{e}" if e > 1 else str(p) for p, e in sorted(ntheory.factorint(n).items())
    )


def _ordinal_text(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --- phrases shared by several routines -------------------------------------------------
def _alternatives(*words: str) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


PRIMES = r"(?:prime numbers|primes)"
BELOW_EXCLUSIVE = ("below", "under", "less than", "smaller than", "lower than")
BELOW_INCLUSIVE = (
    "up to",
    "not exceeding",
    "less than or equal to",
    "at most",
    "no greater than",
    "no more than",
    "not greater than",
    "not more than",
    "up to and including",
)
BELOW = _alternatives(*BELOW_EXCLUSIVE, *BELOW_INCLUSIVE)
ABOVE_EXCLUSIVE = (
    "above", "after", "greater than", "larger than", "bigger than", "over",
    "exceeding", "more than", "following", "higher than",
)  # fmt: skip
ABOVE_INCLUSIVE = ("greater than or equal to", "at least", "not less than", "no less than")
ABOVE = _alternatives(*ABOVE_EXCLUSIVE, *ABOVE_INCLUSIVE)
RANGE = (
    rf"(?:from (?P<a>{NUM}) (?:to|through|up to) (?P<b>{NUM})"
    rf"|between (?P<a2>{NUM}) and (?P<b2>{NUM})"
    rf"|(?P<rel>{BELOW}) (?P<x>{NUM}))(?P<ends>,? (?:inclusive|exclusive))?"
)
"""A range of whole numbers; :func:`readings` turns it into its possible meanings."""
NOUNS = _alternatives(
    "items", "things", "objects", "people", "elements", "books", "cards", "balls",
    "students", "letters", "numbers", "players", "members", "digits", "colors", "colours",
)  # fmt: skip
INTEGERS = r"(?:(?:positive |whole |natural |counting )?(?:integers|numbers))"


def readings(m: re.Match[str]) -> list[tuple[int, int]] | None:
    """The inclusive ranges a :data:`RANGE` may mean: one, or two for "between a and b"
    (ends in or out), which the routine answers only when both give the same answer."""
    ends = (m["ends"] or "").strip(", ")
    if m["rel"]:
        x = number(m["x"])
        if x is None or ends:
            return None
        return [(1, x - 1 if m["rel"] in BELOW_EXCLUSIVE else x)]
    if m["a"]:
        a, b = number(m["a"]), number(m["b"])
        if a is None or b is None or ends == "exclusive":
            return None
        return [(a, b)]
    a, b = number(m["a2"]), number(m["b2"])
    if a is None or b is None:
        return None
    return {"inclusive": [(a, b)], "exclusive": [(a + 1, b - 1)]}.get(
        ends, [(a, b), (a + 1, b - 1)]
    )


def _one(results: list[int]) -> int | None:
    return results[0] if results and all(r == results[0] for r in results) else None


def _range_words(m: re.Match[str]) -> str:
    """The range as the question said it, for the answer's sentence."""
    return m["range"].strip(", ")


# --- primes -----------------------------------------------------------------------------
@recognizes(
    rf"sum of (?:the )?first (?P<n>{NUM}) {PRIMES}",
    rf"(?:add up|sum) the first (?P<n>{NUM}) {PRIMES}",
)
def sum_of_first_primes(m: re.Match[str]) -> Answer | None:
    n = number(m["n"])
    if n is None or not 1 <= n <= MAX_PRIME_SIEVE // 20:
        return None
    total = sum(sympy.primerange(2, sympy.prime(n) + 1))
    return _sympy(
        total, f"The sum of the first {n} primes is {total}.", "sum of the first n primes"
    )


@recognizes(rf"product of (?:the )?first (?P<n>{NUM}) {PRIMES}")
def product_of_first_primes(m: re.Match[str]) -> Answer | None:
    n = number(m["n"])
    if n is None or not 1 <= n <= 1000:
        return None
    product = sympy.primorial(n)
    return _sympy(product, f"The product of the first {n} primes is {product}.", "primorial")


@recognizes(rf"first (?P<n>{NUM}) {PRIMES}")
def first_primes(m: re.Match[str]) -> Answer | None:
    n = number(m["n"])
    if n is None or not 1 <= n <= MAX_LISTED:
        return None
    primes = list(sympy.primerange(2, sympy.prime(n) + 1))
    return _sympy(_listed(primes), f"The first {n} primes are {_listed(primes)}.", "first n primes")


@recognizes(rf"(?P<o>{ORD}) prime(?: number)?")  # not "prime number 7": the 7th, or 7?
def nth_prime(m: re.Match[str]) -> Answer | None:
    n = ordinal(m["o"])
    if n is None or not 1 <= n <= MAX_NTH_PRIME:
        return None
    p = sympy.prime(n)
    return _sympy(p, f"The {_ordinal_text(n)} prime is {p}.", "nth prime")


@recognizes(
    rf"how many {PRIMES} (?:are there |are |lie |exist )?(?P<range>{RANGE})(?: are there| exist)?",
    rf"(?:number|count) of {PRIMES} (?P<range>{RANGE})",
    rf"count (?:the |all )?(?:the )?{PRIMES} (?P<range>{RANGE})",
)
def count_primes(m: re.Match[str]) -> Answer | None:
    ranges = readings(m)
    if ranges is None or any(hi > MAX_PRIME_COUNT for _, hi in ranges):
        return None
    count = _one([int(sympy.primepi(hi) - sympy.primepi(max(lo - 1, 0))) for lo, hi in ranges])
    if count is None:
        return None
    said = _range_words(m)
    return _sympy(count, f"There are {count} primes {said}.", "prime counting (primepi)")


@recognizes(
    rf"sum of (?:all )?(?:the )?{PRIMES} (?P<range>{RANGE})",
    rf"(?:all )?(?:the )?{PRIMES} (?P<range>{RANGE})",
)
def primes_in_range(m: re.Match[str]) -> Answer | None:
    ranges = readings(m)
    if ranges is None or any(hi > MAX_PRIME_SIEVE for _, hi in ranges):
        return None
    found = [list(sympy.primerange(max(lo, 2), hi + 1)) for lo, hi in ranges]
    if any(f != found[0] for f in found):
        return None
    primes, said = found[0], _range_words(m)
    if m.group(0).startswith("sum"):
        total = sum(primes)
        return _sympy(total, f"The sum of the primes {said} is {total}.", "sum of primes")
    if not primes or len(primes) > MAX_LISTED:
        return None
    return _sympy(_listed(primes), f"The primes {said} are {_listed(primes)}.", "primes in a range")


@recognizes(
    rf"is (?:the number )?(?P<x>{NUM}) (?:a )?(?P<kind>prime|composite)(?: number)?(?: or not)?",
    rf"(?:check )?(?:whether|if) (?P<x>{NUM}) is (?:a )?(?P<kind>prime|composite)(?: number)?",
)
def is_prime(m: re.Match[str]) -> Answer | None:
    x = number(m["x"])
    if x is None or x > MAX_PRIME_TEST:
        return None
    prime = bool(sympy.isprime(x))
    if m["kind"] == "composite":
        if x < 2:
            return None  # 0 and 1 are neither: "no" would read as "prime"
        composite = not prime
        word = "composite" if composite else "not composite (it is prime)"
        return _sympy(
            _yes(composite), f"{_yes(composite).capitalize()}: {x} is {word}.", "is prime"
        )
    why = "" if prime or x < 4 or x > MAX_FACTOR else f" ({x} = {_factorization(x)})"
    said = "is prime" if prime else "is not prime"
    return _sympy(_yes(prime), f"{_yes(prime).capitalize()}: {x} {said}{why}.", "is prime")


@recognizes(
    rf"(?:largest|biggest|greatest|highest) prime(?: number)? (?P<rel>{BELOW}) (?P<x>{NUM})",
    rf"(?:smallest|least|lowest|first|next) prime(?: number)? (?P<above>{ABOVE}) (?P<x>{NUM})",
)
def nearest_prime(m: re.Match[str]) -> Answer | None:
    x = number(m["x"])
    if x is None or x > MAX_PRIME_TEST // 10:
        return None
    if m.groupdict().get("rel"):
        inclusive = m["rel"] in BELOW_INCLUSIVE
        if inclusive and sympy.isprime(x):
            p = x
        elif x < 3:
            return None  # no prime below it
        else:
            p = sympy.prevprime(x)
        return _sympy(p, f"The largest prime {m['rel']} {x} is {p}.", "previous prime")
    inclusive = m["above"] in ABOVE_INCLUSIVE
    p = x if inclusive and sympy.isprime(x) else sympy.nextprime(x)
    return _sympy(p, f"The smallest prime {m['above']} {x} is {p}.", "next prime")


# --- factors and divisors ---------------------------------------------------------------
@recognizes(
    rf"(?P<distinct>distinct |different |unique )?prime factors of (?P<x>{NUM})",
    rf"(?:prime factori[sz]ation|prime decomposition) of (?P<x>{NUM})",
    rf"(?:factori[sz]e|factor) (?P<x>{NUM})(?: into primes)?",
)
def prime_factors(m: re.Match[str]) -> Answer | None:
    x = number(m["x"])
    if x is None or not 2 <= x <= MAX_FACTOR:
        return None
    factorization = _factorization(x)
    if "factors" in m.group(0):
        primes = _listed(sympy.primefactors(x))
        shown = "" if "^" not in factorization else f" ({x} = {factorization})"
        return _sympy(primes, f"The prime factors of {x} are {primes}{shown}.", "prime factors")
    return _sympy(factorization, f"{x} = {factorization}.", "prime factorization")


@recognizes(
    rf"(?:number|count) of (?P<distinct>distinct |different |unique )?prime factors of "
    rf"(?P<x>{NUM})(?P<mult> counted with multiplicity| with multiplicity)?",
    rf"how many (?P<distinct>distinct |different |unique )?prime factors does (?P<x>{NUM}) have"
    rf"(?P<mult> counted with multiplicity| with multiplicity)?",
)
def number_of_prime_factors(m: re.Match[str]) -> Answer | None:
    x = number(m["x"])
    if x is None or not 2 <= x <= MAX_FACTOR or (m["distinct"] and m["mult"]):
        return None
    exponents = ntheory.factorint(x)
    distinct, counted = len(exponents), sum(exponents.values())
    if distinct != counted and not (m["distinct"] or m["mult"]):
        return None  # repeated factors: counted once or each time? Unsure.
    count = counted if m["mult"] else distinct
    how = " counted with multiplicity" if m["mult"] else ""
    return _sympy(
        count, f"{x} has {count} prime factors{how} ({x} = {_factorization(x)}).", "prime factors"
    )


@recognizes(
    rf"(?P<which>largest|biggest|greatest|highest|smallest|lowest|least) prime factor "
    rf"of (?P<x>{NUM})"
)
def extreme_prime_factor(m: re.Match[str]) -> Answer | None:
    x = number(m["x"])
    if x is None or not 2 <= x <= MAX_FACTOR:
        return None
    primes = sympy.primefactors(x)
    largest = m["which"] in ("largest", "biggest", "greatest", "highest")
    p = primes[-1] if largest else primes[0]
    word = "largest" if largest else "smallest"
    return _sympy(p, f"The {word} prime factor of {x} is {p}.", "prime factors")


DIVISORS = r"(?P<kind>proper divisors|divisors|factors)"


@recognizes(
    rf"(?:number|count) of (?:positive )?{DIVISORS} of (?P<x>{NUM})",
    rf"how many (?:positive )?{DIVISORS} does (?P<x>{NUM}) have",
    rf"how many (?:positive )?{DIVISORS} (?:are there )?(?:of|for) (?P<x>{NUM})",
    rf"sum of (?P<sum>)(?:all )?(?:the |its )?(?:positive )?{DIVISORS} of (?P<x>{NUM})",
    rf"(?P<list>)(?:all )?(?:the )?(?:positive )?{DIVISORS} of (?P<x>{NUM})",
)
def divisors(m: re.Match[str]) -> Answer | None:
    x = number(m["x"])
    if x is None or not 1 <= x <= MAX_FACTOR:
        return None
    proper = m["kind"] == "proper divisors"
    kind = "proper divisors" if proper else "divisors"
    if m.groupdict().get("sum") is not None:
        total = int(sympy.divisor_sigma(x)) - (x if proper else 0)
        return _sympy(total, f"The sum of the {kind} of {x} is {total}.", "sum of divisors")
    if m.groupdict().get("list") is not None:
        found = [int(d) for d in sympy.divisors(x) if not (proper and d == x)]
        if len(found) > MAX_LISTED:
            return None
        return _sympy(_listed(found), f"The {kind} of {x} are {_listed(found)}.", "divisors")
    count = int(sympy.divisor_count(x)) - (1 if proper else 0)
    return _sympy(count, f"{x} has {count} {kind}.", "number of divisors")


@recognizes(
    rf"(?:euler'?s )?(?:totient|phi)(?: function)? (?:of )?(?P<x>{NUM})",
    rf"(?:phi|φ|totient)\((?P<x>{PLAIN})\)",
)
def totient(m: re.Match[str]) -> Answer | None:
    x = number(m["x"])
    if x is None or not 1 <= x <= MAX_FACTOR:
        return None
    phi = sympy.totient(x)
    return _sympy(phi, f"Euler's totient of {x} is {phi}.", "totient")


GCD = _alternatives(
    "gcd", "hcf", "gcf", "greatest common divisor", "greatest common factor",
    "highest common factor", "highest common divisor",
)  # fmt: skip
LCM = _alternatives("lcm", "least common multiple", "lowest common multiple")
LIST = rf"{PLAIN}(?:(?:,? and |, ){PLAIN})+"


@recognizes(
    rf"(?P<f>{GCD}|{LCM}) (?:of )?(?P<nums>{LIST})",
    rf"(?P<f>gcd|hcf|lcm)\((?P<args>{PLAIN}(?:, ?{PLAIN})+)\)",
)
def gcd_lcm(m: re.Match[str]) -> Answer | None:
    listed = m["nums"] if m.groupdict().get("nums") else m["args"]
    nums = [int(n) for n in re.split(r",? and |, ?", listed)]
    if any(len(str(n)) > 100 for n in nums) or any(n == 0 for n in nums):
        return None
    is_gcd = m["f"] in GCD.split("|")
    result = sympy.gcd_list(nums) if is_gcd else sympy.lcm_list(nums)
    name = "greatest common divisor" if is_gcd else "least common multiple"
    of = ", ".join(str(n) for n in nums[:-1]) + f" and {nums[-1]}"
    return _sympy(result, f"The {name} of {of} is {result}.", name)


@recognizes(
    rf"(?:smallest|least|lowest) (?:positive )?(?:number|integer) (?:that is |which is )?"
    rf"(?:evenly )?divisible by (?:all|each|every one) of the (?:numbers|integers) "
    rf"from 1 to (?P<n>{NUM})",
    rf"(?:{LCM}) of (?:all )?(?:the )?(?:numbers|integers) from 1 to (?P<n>{NUM})",
)
def lcm_of_range(m: re.Match[str]) -> Answer | None:
    n = number(m["n"])
    if n is None or not 1 <= n <= 1000:
        return None
    result = sympy.lcm_list(list(range(1, n + 1)))
    return _sympy(
        result, f"The least common multiple of the numbers from 1 to {n} is {result}.", "lcm"
    )


@recognizes(
    rf"is (?:the number )?(?P<x>{NUM}) (?:evenly )?divisible by (?P<k>{NUM})",
    rf"is (?:the number )?(?P<x>{NUM}) (?:a )?multiple of (?P<k>{NUM})",
)
def is_divisible(m: re.Match[str]) -> Answer | None:
    x, k = number(m["x"]), number(m["k"])
    if x is None or not k:
        return None
    yes = x % k == 0
    said = "is" if yes else "is not"
    return _python(
        _yes(yes), f"{_yes(yes).capitalize()}: {x} {said} divisible by {k}.", "divisibility"
    )


@recognizes(rf"is (?:the number )?(?P<x>{NUM}) a perfect (?P<kind>square|cube)")
def is_perfect_power(m: re.Match[str]) -> Answer | None:
    x = number(m["x"])
    if x is None:
        return None
    power = 2 if m["kind"] == "square" else 3
    root, exact = sympy.integer_nthroot(x, power)
    said = (
        f"is a perfect {m['kind']} ({root}^{power})" if exact else f"is not a perfect {m['kind']}"
    )
    return _sympy(_yes(exact), f"{_yes(exact).capitalize()}: {x} {said}.", "perfect power")


# --- values, digits and sequences -------------------------------------------------------
@recognizes(r"(?P<v>.*(?:\^|\*\*|!|factorial|to the|raised to).*)")
def power_or_factorial(m: re.Match[str]) -> Answer | None:
    v = value(m["v"])
    if v is None:
        return None
    return _sympy(v, f"{m['v']} is {v}.", "power or factorial")


@recognizes(
    r"sum of (?:all )?(?:the )?digits (?:of|in) (?P<v>.+)",
    r"digit sum of (?P<v>.+)",
    r"(?P<count>)(?:number|count) of digits (?:of|in) (?P<v>.+)",
    r"(?P<count>)how many digits (?:are there in|are in|in|does|has) (?P<v>.+?)"
    r"(?: have| contain| has)?",
)
def digits(m: re.Match[str]) -> Answer | None:
    v = value(m["v"])
    if v is None or v < 0:
        return None
    shown = str(v)
    if m.groupdict().get("count") is not None:
        return _python(len(shown), f"{m['v']} has {len(shown)} digits.", "number of digits")
    total = sum(int(d) for d in shown)
    return _python(total, f"The sum of the digits of {m['v']} is {total}.", "digit sum")


@recognizes(
    rf"(?P<o>{ORD}) fibonacci number",
    rf"(?P<o>{ORD}) (?:term|number|element) (?:of|in) the fibonacci (?:sequence|series|numbers)",
    rf"fibonacci number (?P<n>{NUM})",
    rf"(?:fibonacci|fib)\((?P<n>{PLAIN})\)",
)
def fibonacci(m: re.Match[str]) -> Answer | None:
    n = ordinal(m["o"]) if m.groupdict().get("o") else number(m["n"])
    if n is None or not 0 <= n <= 19_000:
        return None
    f = sympy.fibonacci(n)
    name = f"The {_ordinal_text(n)} Fibonacci number" if m.groupdict().get("o") else f"F({n})"
    return _sympy(f, f"{name} is {f} (counting F(1) = F(2) = 1).", "Fibonacci number")


@recognizes(
    rf"(?P<o>{ORD}) (?P<kind>triangular|triangle|square|cube|pentagonal) number",
)
def figurate_number(m: re.Match[str]) -> Answer | None:
    n = ordinal(m["o"])
    if n is None or not 1 <= n <= 10**100:
        return None
    kind = "triangular" if m["kind"] == "triangle" else m["kind"]
    i = sympy.Integer(n)
    v = {
        "triangular": i * (i + 1) / 2,
        "square": i**2,
        "cube": i**3,
        "pentagonal": i * (3 * i - 1) / 2,
    }[kind]
    return _sympy(v, f"The {_ordinal_text(n)} {kind} number is {v}.", f"{kind} number")


# --- sums -------------------------------------------------------------------------------
POWERS = {"squares": 2, "square numbers": 2, "perfect squares": 2, "cubes": 3, "cube numbers": 3}
FIRST_KINDS = r"(?:natural numbers|positive integers|counting numbers)"


def _sum_of_powers(lo: int, hi: int, power: int) -> int:
    k = sympy.Symbol("k", integer=True)
    return int(sympy.summation(k**power, (k, lo, hi))) if hi >= lo else 0


@recognizes(
    rf"sum of (?:all )?(?:the )?(?:{INTEGERS} )?(?P<range>{RANGE})",
    rf"sum of (?:all )?(?:the )?(?P<what>squares|cubes)(?: of (?:all )?(?:the )?{INTEGERS})? "
    rf"(?P<range>{RANGE})",
)
def sum_over_range(m: re.Match[str]) -> Answer | None:
    ranges = readings(m)
    if ranges is None or any(abs(x) > 10**30 for r in ranges for x in r):
        return None
    what = m.groupdict().get("what")
    power = POWERS[what] if what else 1
    total = _one([_sum_of_powers(lo, hi, power) for lo, hi in ranges])
    if total is None:
        return None
    of = f"the {what} of the integers" if what else "the integers"
    return _sympy(total, f"The sum of {of} {_range_words(m)} is {total}.", "sum of a series")


@recognizes(
    rf"sum of (?:the )?first (?P<n>{NUM}) (?P<what>{FIRST_KINDS}|(?:perfect )?squares"
    rf"|square numbers|cubes|cube numbers)",
    rf"sum of (?:the )?(?P<what>squares|cubes) of the first (?P<n>{NUM}) {FIRST_KINDS}",
)
def sum_of_first(m: re.Match[str]) -> Answer | None:
    n = number(m["n"])
    if n is None or n > 10**30:
        return None
    power = POWERS.get(m["what"], 1)
    total = _sum_of_powers(1, n, power)
    what = m["what"] if power > 1 else "positive integers"
    return _sympy(total, f"The sum of the first {n} {what} is {total}.", "sum of a series")


@recognizes(
    rf"sum of (?:all )?(?:the )?(?P<parity>odd|even) {INTEGERS} (?P<range>{RANGE})",
    rf"sum of (?:the )?first (?P<n>{NUM}) (?P<parity>odd|even) (?:positive |natural )?"
    rf"(?:integers|numbers)",
)
def sum_of_odd_or_even(m: re.Match[str]) -> Answer | None:
    start = 1 if m["parity"] == "odd" else 2
    if m.groupdict().get("n"):
        n = number(m["n"])
        if n is None or n > 10**30:
            return None
        total = n * (2 * start + 2 * (n - 1)) // 2
        return _python(
            total, f"The sum of the first {n} {m['parity']} numbers is {total}.", "sum of a series"
        )
    ranges = readings(m)
    if ranges is None:
        return None
    totals = []
    for lo, hi in ranges:
        first = lo if lo % 2 == start % 2 else lo + 1
        last = hi if hi % 2 == start % 2 else hi - 1
        count = (last - first) // 2 + 1 if last >= first else 0
        totals.append(count * (first + last) // 2)
    result = _one(totals)
    if result is None:
        return None
    said = f"The sum of the {m['parity']} numbers {_range_words(m)} is {result}."
    return _python(result, said, "sum of a series")


# --- counting by divisibility -----------------------------------------------------------
DIVS = rf"(?P<both>both )?(?P<k>{NUM})(?:(?P<op> or | and )(?:by )?(?P<k2>{NUM}))?"
"""One divisor, "k or k2" (either), "both k and k2"; a bare "k and k2" is ambiguous."""


def _terms(m: re.Match[str]) -> list[tuple[int, int]] | None:
    """The divisibility as (sign, modulus) terms of an inclusion-exclusion count."""
    k = number(m["k"])
    k2 = number(m["k2"]) if m["k2"] else None
    if not k or (m["k2"] and not k2):
        return None
    if k2 is None:
        return None if m["both"] else [(1, k)]
    if m["op"] == " or " and not m["both"]:
        return [(1, k), (1, k2), (-1, math.lcm(k, k2))]
    if m["op"] == " and " and m["both"]:
        return [(1, math.lcm(k, k2))]
    return None


def _multiples(lo: int, hi: int, modulus: int) -> tuple[int, int]:
    """How many multiples of ``modulus`` lie in [lo, hi], and their sum."""
    first, last = -(-lo // modulus), hi // modulus
    count = max(0, last - first + 1)
    return count, modulus * (first + last) * count // 2


def _divisibility_words(m: re.Match[str]) -> str:
    k, k2 = number(m["k"]), number(m["k2"]) if m["k2"] else None
    if k2 is None:
        return f"{k}"
    return f"both {k} and {k2}" if m["both"] else f"{k} or {k2}"


@recognizes(
    rf"(?:count|how many) (?:of )?(?:the |all )?(?:the )?{INTEGERS} (?P<range>{RANGE}),? "
    rf"(?:that are |which are |are )?(?P<not>not )?(?:evenly )?divisible by {DIVS}(?: are there)?",
    rf"(?:number|count) of {INTEGERS} (?P<range>{RANGE}),? (?:that are |which are )?(?P<not>not )?"
    rf"(?:evenly )?divisible by {DIVS}",
    rf"(?:count|how many) (?:the )?{INTEGERS} (?:that are |which are )?(?P<not>not )?"
    rf"(?:evenly )?divisible by {DIVS} (?:are there |there are |lie |are )?(?P<range>{RANGE})",
    rf"how many (?:positive )?multiples of {DIVS} (?:are there |lie |are )?(?P<range>{RANGE})"
    rf"(?: are there)?",
    rf"(?P<sum>)sum of (?:all )?(?:the )?(?:positive )?multiples of {DIVS} (?P<range>{RANGE})",
    rf"(?P<sum>)sum of (?:all )?(?:the )?{INTEGERS} (?P<range>{RANGE}),? (?:that are |which are )?"
    rf"(?:multiples of|divisible by) {DIVS}",
)
def count_divisible(m: re.Match[str]) -> Answer | None:
    terms, ranges = _terms(m), readings(m)
    if terms is None or ranges is None:
        return None
    summing = m.groupdict().get("sum") is not None
    negated = bool(m.groupdict().get("not"))
    if negated and len(terms) > 1:
        return None  # "not divisible by 3 or 5": by neither, or not by one of them?
    results = []
    for lo, hi in ranges:
        count = sum(sign * _multiples(lo, hi, k)[0] for sign, k in terms)
        total = sum(sign * _multiples(lo, hi, k)[1] for sign, k in terms)
        if negated:
            count = max(0, hi - lo + 1) - count
        results.append(total if summing else count)
    result = _one(results)
    if result is None:
        return None
    by = ("not " if negated else "") + f"divisible by {_divisibility_words(m)}"
    said = _range_words(m)
    if summing:
        sentence = f"The sum of the numbers {said} {by} is {result}."
        return _python(result, sentence, "sum of multiples")
    return _python(result, f"{result} numbers {said} are {by}.", "counting multiples")


# --- combinations -----------------------------------------------------------------------
@recognizes(
    rf"(?P<n>{NUM}) choose (?P<k>{NUM})",
    rf"(?:c|ncr|binomial)\((?P<n>{PLAIN}), ?(?P<k>{PLAIN})\)",
    rf"(?P<n>{PLAIN})c(?P<k>{PLAIN})",
    rf"(?:how many|the number of|number of) (?:ways|combinations) (?:are there )?"
    rf"(?:to |can you |can i |can one |can we |of |you can |one can )?(?:choose|pick|select) "
    rf"(?P<k>{NUM}) (?:(?:{NOUNS}) )?(?:of|from|out of) (?P<n>{NUM})(?: (?:{NOUNS}))?",
    rf"(?:number of )?combinations of (?P<n>{NUM}) (?:(?:{NOUNS}) )?taken (?P<k>{NUM}) at a time",
)
def combinations(m: re.Match[str]) -> Answer | None:
    n, k = number(m["n"]), number(m["k"])
    if n is None or k is None or k > n or n > 10**5:
        return None
    ways = sympy.binomial(n, k)
    if len(str(ways)) > MAX_DIGITS:
        return None
    return _sympy(ways, f"There are {ways} ways to choose {k} of {n} ({n} choose {k}).", "binomial")


@recognizes(
    rf"(?:number of )?permutations of (?P<n>{NUM}) (?:(?:{NOUNS}) )?taken (?P<k>{NUM}) at a time",
    rf"(?:in )?how many ways (?:are there )?(?:to |can you |can one |can we |can i )?arrange "
    rf"(?P<n>{NUM}) (?:distinct |different )?(?:{NOUNS})",
    rf"(?:number of )?(?:ways to arrange|arrangements of|permutations of) (?P<n>{NUM}) "
    rf"(?:distinct |different )?(?:{NOUNS})",
)
def permutations(m: re.Match[str]) -> Answer | None:
    n = number(m["n"])
    k = number(m["k"]) if m.groupdict().get("k") else n
    if n is None or k is None or k > n or n > 1400:
        return None
    ways = sympy.ff(n, k)
    return _sympy(ways, f"There are {ways} ordered arrangements of {k} of {n}.", "permutations")
