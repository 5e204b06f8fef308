"""Exact routines for computations asked in words: primes, divisors, sequences, sums, counts.

Each routine is a few whole-question patterns and a function computing the answer
with sympy. A question is answered only when one pattern matches all of it, the
numbers are within the routine's bounds and the wording has one reading (primes
"between" two primes, the prime factors of a number with repeated factors counted or
not): otherwise it is not recognized and the agent lets a program answer it.
"""

import math
import re
from functools import partial

import sympy
from sympy import ntheory

from services.agents.python import counting, kinds, sequences, text_counts
from services.agents.python.integers import MAX_DIGITS
from services.agents.python.methods import without_method
from services.agents.python.phrases import (
    EXPR,
    NUM,
    ORD,
    PLAIN,
    WORDS,
    Answer,
    Recognizers,
    alternatives,
    by_python,
    by_sympy,
    normalize,
    number,
    ordinal,
    ordinal_text,
    value,
)
from services.agents.python.ranges import (
    ABOVE,
    ABOVE_INCLUSIVE,
    BELOW,
    BELOW_INCLUSIVE,
    INTEGERS,
    RANGE,
    one,
    range_words,
    readings,
)

_KNOWN = Recognizers()
recognizes = _KNOWN.recognizes

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
    question = without_method(question)
    found = text_counts.answer(question) or sequences.answer(question)
    if found is not None:
        return found
    text = normalize(question).removeprefix("the ")
    meant = [_any_routine(t) for t in _digit_ranges(text)]
    first = meant[0]
    if first is None or any(r is None or r.value != first.value for r in meant):
        return None  # "one-digit numbers": is 0 one? Answered only when it makes no difference
    return first


def _any_routine(text: str) -> Answer | None:
    return _KNOWN.answer(text) or counting.answer(text) or kinds.answer(text)


_DIGIT_RANGE = re.compile(
    r"\b(?P<pos>(?:positive |natural )?)(?P<d>one|two|three|four|five|six|[1-9])[- ]digit "
    r"(?P<adj>(?:even |odd |positive |whole |natural )*)(?P<noun>numbers|integers)\b"
)


def _digit_ranges(text: str) -> list[str]:
    """The text with "three-digit numbers" as the range the words mean ("numbers from 100
    to 999"); "one-digit numbers" gives two texts, from 0 and from 1 (unless positive)."""
    ones = [m for m in _DIGIT_RANGE.finditer(text) if _digits(m) == 1]
    unsure = any(not re.search("positive|natural", m["pos"] + m["adj"]) for m in ones)
    zeros = [False, True] if unsure else [False]
    return [_DIGIT_RANGE.sub(partial(_digit_range, zero=zero), text) for zero in zeros]


def _digits(m: re.Match[str]) -> int:
    return WORDS.get(m["d"]) or int(m["d"])


def _digit_range(m: re.Match[str], zero: bool) -> str:
    d = _digits(m)
    low = 10 ** (d - 1) if d > 1 else (0 if zero else 1)
    return f"{m['pos']}{m['adj']}{m['noun']} from {low} to {10**d - 1}"


def _yes(yes: bool) -> str:
    return "yes" if yes else "no"


def _listed(items: list[int]) -> str:
    return ", ".join(str(i) for i in items)


def _factorization(n: int) -> str:
    return " * ".join(
        f"{p}^{e}" if e > 1 else str(p) for p, e in sorted(ntheory.factorint(n).items())
    )


# --- phrases shared by several routines -------------------------------------------------
PRIMES = r"(?:prime numbers|primes)"


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
    return by_sympy(
        total, f"The sum of the first {n} primes is {total}.", "sum of the first n primes"
    )


@recognizes(rf"product of (?:the )?first (?P<n>{NUM}) {PRIMES}")
def product_of_first_primes(m: re.Match[str]) -> Answer | None:
    n = number(m["n"])
    if n is None or not 1 <= n <= 1000:
        return None
    product = sympy.primorial(n)
    return by_sympy(product, f"The product of the first {n} primes is {product}.", "primorial")


@recognizes(rf"first (?P<n>{NUM}) {PRIMES}")
def first_primes(m: re.Match[str]) -> Answer | None:
    n = number(m["n"])
    if n is None or not 1 <= n <= MAX_LISTED:
        return None
    primes = list(sympy.primerange(2, sympy.prime(n) + 1))
    return by_sympy(
        _listed(primes), f"The first {n} primes are {_listed(primes)}.", "first n primes"
    )


@recognizes(rf"(?P<o>{ORD}) prime(?: number)?")  # not "prime number 7": the 7th, or 7?
def nth_prime(m: re.Match[str]) -> Answer | None:
    n = ordinal(m["o"])
    if n is None or not 1 <= n <= MAX_NTH_PRIME:
        return None
    p = sympy.prime(n)
    return by_sympy(p, f"The {ordinal_text(n)} prime is {p}.", "nth prime")


@recognizes(
    rf"how many {PRIMES} (?:are there |are |lie |exist )?(?P<range>{RANGE})(?: are there| exist)?",
    rf"(?:number|count) of {PRIMES} (?P<range>{RANGE})",
    rf"count (?:the |all )?(?:the )?{PRIMES} (?P<range>{RANGE})",
    rf"how many {INTEGERS} (?P<range>{RANGE}) are (?:prime|primes|prime numbers)",
)
def count_primes(m: re.Match[str]) -> Answer | None:
    ranges = readings(m)
    if ranges is None or any(hi > MAX_PRIME_COUNT for _, hi in ranges):
        return None
    count = one([int(sympy.primepi(hi) - sympy.primepi(max(lo - 1, 0))) for lo, hi in ranges])
    if count is None:
        return None
    said = range_words(m)
    return by_sympy(count, f"There are {count} primes {said}.", "prime counting (primepi)")


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
    primes, said = found[0], range_words(m)
    if m.group(0).startswith("sum"):
        total = sum(primes)
        return by_sympy(total, f"The sum of the primes {said} is {total}.", "sum of primes")
    if not primes or len(primes) > MAX_LISTED:
        return None
    return by_sympy(
        _listed(primes), f"The primes {said} are {_listed(primes)}.", "primes in a range"
    )


@recognizes(
    rf"is (?:the number )?(?P<x>{NUM}|{EXPR}) (?:a )?(?P<kind>prime|composite)(?: number)?"
    r"(?: or not)?",
    rf"(?:check )?(?:whether|if) (?P<x>{NUM}|{EXPR}) is (?:a )?(?P<kind>prime|composite)"
    r"(?: number)?",
)
def is_prime(m: re.Match[str]) -> Answer | None:
    x = value(m["x"])
    if x is None or x > MAX_PRIME_TEST:
        return None
    prime = bool(sympy.isprime(x))
    if m["kind"] == "composite":
        if x < 2:
            return None  # 0 and 1 are neither: "no" would read as "prime"
        composite = not prime
        word = "composite" if composite else "not composite (it is prime)"
        return by_sympy(
            _yes(composite), f"{_yes(composite).capitalize()}: {x} is {word}.", "is prime"
        )
    why = "" if prime or x < 4 or x > MAX_FACTOR else f" ({x} = {_factorization(x)})"
    said = "is prime" if prime else "is not prime"
    return by_sympy(_yes(prime), f"{_yes(prime).capitalize()}: {x} {said}{why}.", "is prime")


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
        return by_sympy(p, f"The largest prime {m['rel']} {x} is {p}.", "previous prime")
    inclusive = m["above"] in ABOVE_INCLUSIVE
    p = x if inclusive and sympy.isprime(x) else sympy.nextprime(x)
    return by_sympy(p, f"The smallest prime {m['above']} {x} is {p}.", "next prime")


# --- factors and divisors ---------------------------------------------------------------
@recognizes(
    rf"(?P<distinct>distinct |different |unique )?prime factors of (?P<x>{NUM}|{EXPR})",
    rf"(?:prime factori[sz]ation|prime decomposition) (?:of )?(?P<x>{NUM}|{EXPR})",
    rf"(?:factori[sz]e|factor) (?P<x>{NUM}|{EXPR})(?: into primes)?",
)
def prime_factors(m: re.Match[str]) -> Answer | None:
    x = value(m["x"])
    if x is None or not 2 <= x <= MAX_FACTOR:
        return None
    factorization = _factorization(x)
    if "factors" in m.group(0):
        primes = _listed(sympy.primefactors(x))
        shown = "" if "^" not in factorization else f" ({x} = {factorization})"
        return by_sympy(primes, f"The prime factors of {x} are {primes}{shown}.", "prime factors")
    return by_sympy(factorization, f"{x} = {factorization}.", "prime factorization")


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
    return by_sympy(
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
    return by_sympy(p, f"The {word} prime factor of {x} is {p}.", "prime factors")


DIVISORS = (
    r"(?:positive |natural |whole[- ]number |integer )?(?P<kind>proper divisors|divisors|factors"
    r"|proper factors)"
)
LEAVING_OUT = alternatives(
    "not counting", "excluding", "except", "except for", "other than", "apart from", "without",
    "but not", "besides", "leaving out", "not including", "omitting", "aside from",
)  # fmt: skip
SMALLER = alternatives("less than", "smaller than", "below", "under", "lower than")
WITHOUT_ITSELF = (
    rf"(?P<out>,? \(?(?:(?:{LEAVING_OUT}) (?P<one>1 and |one and )?(?:the number )?"
    rf"(?:(?P<self>{NUM})(?: itself)?|itself|the number itself)"
    rf"|(?:that are |which are )?(?:{SMALLER}) (?:(?P<self2>{NUM})(?: itself)?|itself))\)?)?"
)
"""What leaves the number itself (and 1) out of its divisors: ", not counting 220 itself"."""


@recognizes(
    rf"(?:number|count) of (?:the )?{DIVISORS} of (?P<x>{NUM}){WITHOUT_ITSELF}",
    rf"how many {DIVISORS} does (?P<x>{NUM}) have{WITHOUT_ITSELF}",
    rf"how many {DIVISORS} (?:are there )?(?:of|for) (?P<x>{NUM}){WITHOUT_ITSELF}",
    rf"(?:sum|total) of (?P<sum>)(?:all )?(?:the |its )?{DIVISORS} of (?P<x>{NUM}){WITHOUT_ITSELF}",
    rf"(?:add up|sum) (?P<sum>)(?:all )?(?:the )?{DIVISORS} of (?P<x>{NUM}){WITHOUT_ITSELF}",
    rf"(?P<sum>)(?P<kind>aliquot) sum of (?P<x>{NUM})",
    rf"(?P<list>)(?:all )?(?:the )?{DIVISORS} of (?P<x>{NUM}){WITHOUT_ITSELF}",
)
def divisors(m: re.Match[str]) -> Answer | None:
    x = number(m["x"])
    if x is None or not 1 <= x <= MAX_FACTOR:
        return None
    groups = m.groupdict()
    left_out = groups.get("self") or groups.get("self2")
    if left_out is not None and number(left_out) != x:
        return None  # "not counting 5": some other divisor left out; not ours to guess
    proper = bool(groups.get("out")) or m["kind"] in ("proper divisors", "proper factors")
    proper = proper or m["kind"] == "aliquot"
    without_one = bool(groups.get("one"))
    kind = "proper divisors" if proper else "divisors"
    if without_one:
        kind = "divisors other than 1 and itself"
    found = [int(d) for d in sympy.divisors(x) if not (proper and d == x)]
    found = found[1:] if without_one and found[:1] == [1] else found
    if groups.get("sum") is not None:
        total = sum(found)
        return by_sympy(total, f"The sum of the {kind} of {x} is {total}.", "sum of divisors")
    if groups.get("list") is not None:
        if not found or len(found) > MAX_LISTED:
            return None
        return by_sympy(_listed(found), f"The {kind} of {x} are {_listed(found)}.", "divisors")
    count = len(found)
    return by_sympy(count, f"{x} has {count} {kind}.", "number of divisors")


@recognizes(
    rf"(?:euler'?s )?(?:totient|phi)(?: function)? (?:of )?(?P<x>{NUM})",
    rf"(?:phi|φ|totient)\((?P<x>{PLAIN})\)",
)
def totient(m: re.Match[str]) -> Answer | None:
    x = number(m["x"])
    if x is None or not 1 <= x <= MAX_FACTOR:
        return None
    phi = sympy.totient(x)
    return by_sympy(phi, f"Euler's totient of {x} is {phi}.", "totient")


GCD = alternatives(
    "gcd", "hcf", "gcf", "greatest common divisor", "greatest common factor",
    "highest common factor", "highest common divisor",
)  # fmt: skip
LCM = alternatives("lcm", "least common multiple", "lowest common multiple")
LIST = rf"{PLAIN}(?:(?:,? and |, ){PLAIN})+"


def _numbers(listed: str) -> list[int]:
    """The numbers of a :data:`LIST` ("84, 126 and 210")."""
    return [int(n) for n in re.split(r",? and |, ?", listed)]


def _and_listed(nums: list[int]) -> str:
    return ", ".join(str(n) for n in nums[:-1]) + f" and {nums[-1]}"


@recognizes(
    rf"(?P<f>{GCD}|{LCM}) (?:of )?(?P<nums>{LIST})",
    rf"(?P<f>gcd|hcf|lcm)\((?P<args>{PLAIN}(?:, ?{PLAIN})+)\)",
    rf"(?P<f>)(?:smallest|least|lowest) (?:positive )?(?:number|integer) (?:that is |which is )?"
    rf"(?:evenly )?divisible by (?:each of |all of |every one of )?(?P<nums>{LIST})",
)
def gcd_lcm(m: re.Match[str]) -> Answer | None:
    nums = _numbers(m["nums"] if m.groupdict().get("nums") else m["args"])
    if any(len(str(n)) > 100 for n in nums) or any(n == 0 for n in nums):
        return None
    is_gcd = m["f"] in GCD.split("|")
    result = sympy.gcd_list(nums) if is_gcd else sympy.lcm_list(nums)
    name = "greatest common divisor" if is_gcd else "least common multiple"
    return by_sympy(result, f"The {name} of {_and_listed(nums)} is {result}.", name)


@recognizes(
    rf"(?:smallest|least|lowest) (?:positive )?(?:number|integer) (?:that is |which is )?"
    rf"(?:evenly )?divisible by (?:all|each|every one|every)(?: of)?(?: the)? "
    rf"(?:numbers?|integers?|whole numbers?|positive integers?) from 1 to (?P<n>{NUM})",
    rf"(?:{LCM}) of (?:all )?(?:the )?(?:(?:numbers|integers) )?(?:from )?1 (?:to|through) "
    rf"(?P<n>{NUM})",
)
def lcm_of_range(m: re.Match[str]) -> Answer | None:
    n = number(m["n"])
    if n is None or not 1 <= n <= 1000:
        return None
    result = sympy.lcm_list(list(range(1, n + 1)))
    return by_sympy(
        result, f"The least common multiple of the numbers from 1 to {n} is {result}.", "lcm"
    )


@recognizes(
    rf"is (?:the number )?(?P<x>{NUM}) (?:evenly )?divisible by (?P<k>{NUM})",
    rf"is (?:the number )?(?P<x>{NUM}) (?:a )?multiple of (?P<k>{NUM})",
    rf"(?:check )?(?:whether|if) (?P<x>{NUM}) is (?:(?:evenly )?divisible by|a multiple of) "
    rf"(?P<k>{NUM})",
)
def is_divisible(m: re.Match[str]) -> Answer | None:
    x, k = number(m["x"]), number(m["k"])
    if x is None or not k:
        return None
    yes = x % k == 0
    said = "is" if yes else "is not"
    return by_python(
        _yes(yes), f"{_yes(yes).capitalize()}: {x} {said} divisible by {k}.", "divisibility"
    )


@recognizes(rf"(?P<op>sum|product) of (?:the )?(?:numbers |integers )?(?P<nums>{LIST})")
def listed_sum_or_product(m: re.Match[str]) -> Answer | None:
    nums = _numbers(m["nums"])
    if any(len(str(n)) > 100 for n in nums):
        return None
    result = sum(nums) if m["op"] == "sum" else math.prod(nums)
    return by_python(result, f"The {m['op']} of {_and_listed(nums)} is {result}.", m["op"])


@recognizes(rf"(?P<kind>square|cube) root of (?P<x>{NUM})")
def exact_root(m: re.Match[str]) -> Answer | None:
    x = number(m["x"])
    if x is None:
        return None
    root, exact = sympy.integer_nthroot(x, 2 if m["kind"] == "square" else 3)
    if not exact:
        return None  # not a whole number: its digits are another question
    return by_sympy(root, f"The {m['kind']} root of {x} is {root}.", f"{m['kind']} root")


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
    return by_sympy(_yes(exact), f"{_yes(exact).capitalize()}: {x} {said}.", "perfect power")


@recognizes(
    rf"is (?:the number )?(?P<x>{NUM}) (?:a |an )?(?P<kind>perfect|abundant|deficient) number",
    rf"(?:check )?(?:whether|if) (?P<x>{NUM}) is (?:a |an )?(?P<kind>perfect|abundant|deficient)"
    r" number",
)
def is_perfect_number(m: re.Match[str]) -> Answer | None:
    x = number(m["x"])
    if x is None or not 1 <= x <= MAX_FACTOR:
        return None
    test = {"perfect": ntheory.is_perfect, "abundant": ntheory.is_abundant}.get(
        m["kind"], ntheory.is_deficient
    )
    yes = bool(test(x))
    aliquot = int(sympy.divisor_sigma(x)) - x
    said = f"{x} is {'' if yes else 'not '}{m['kind']} (its proper divisors add up to {aliquot})"
    return by_sympy(_yes(yes), f"{_yes(yes).capitalize()}: {said}.", f"{m['kind']} number")


@recognizes(
    rf"are (?P<x>{NUM}) and (?P<y>{NUM}) (?:an )?amicable(?: numbers| pair| pair of numbers)?",
)
def amicable(m: re.Match[str]) -> Answer | None:
    x, y = number(m["x"]), number(m["y"])
    if x is None or y is None or not 1 <= max(x, y) <= MAX_FACTOR:
        return None
    yes = bool(ntheory.is_amicable(x, y))
    said = "are" if yes else "are not"
    return by_sympy(
        _yes(yes), f"{_yes(yes).capitalize()}: {x} and {y} {said} amicable.", "amicable"
    )


# --- values, digits and sequences -------------------------------------------------------
@recognizes(
    r"(?P<v>.*(?:\^|\*\*|!|factorial|to the|raised to|power of|squared|cubed|square of|cube of).*)"
)
def power_or_factorial(m: re.Match[str]) -> Answer | None:
    v = value(m["v"])
    if v is None:
        return None
    return by_sympy(v, f"{m['v']} is {v}.", "power or factorial")


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
        return by_python(len(shown), f"{m['v']} has {len(shown)} digits.", "number of digits")
    total = sum(int(d) for d in shown)
    return by_python(total, f"The sum of the digits of {m['v']} is {total}.", "digit sum")


LAST = r"(?:last|final|rightmost|units|unit|ones)"


@recognizes(
    r"(?:product of (?:all )?(?:the |its )?digits (?:of|in) )(?P<v>.+)",
    r"(?P<root>)digital root of (?P<v>.+)",
    rf"(?P<last>){LAST} (?:(?P<k>{NUM}) )?digits? of (?P<v>.+)",
    r"(?P<zeros>)(?:number of |how many )?(?:trailing zeros|trailing zeroes|zeros at the end"
    r"|zeroes at the end)(?: are there| are)? (?:of|in|does) (?P<v>.+?)"
    r"(?: have| end with| end in)?",
    r"(?P<zeros>)how many zeros? (?:does|do) (?P<v>.+?) end (?:with|in)",
    r"(?P<zeros>)how many (?:zeros|zeroes|0s) (?:are there |are )?at the end of (?P<v>.+)",
    r"(?P<count_d>)how many times (?:does|is) the digit (?P<d>\d) (?:appear|occur|used|found)"
    r" in (?P<v>.+)",
)
def more_digits(m: re.Match[str]) -> Answer | None:
    v = value(m["v"])
    if v is None or v < 0:
        return None
    shown = str(v)
    groups = m.groupdict()
    if groups.get("root") is not None:
        root = 0 if v == 0 else 1 + (v - 1) % 9
        return by_python(root, f"The digital root of {m['v']} is {root}.", "digital root")
    if groups.get("last") is not None:
        k = number(m["k"]) if m["k"] else 1
        if k is None or not 1 <= k <= len(shown):
            return None
        last = shown[-k:]
        said = "digit" if k == 1 else f"{k} digits"
        return by_python(last, f"The last {said} of {m['v']} is {last}.", "last digits")
    if groups.get("zeros") is not None:
        zeros = len(shown) - len(shown.rstrip("0")) if v else 0
        return by_python(zeros, f"{m['v']} ends in {zeros} zeros.", "trailing zeros")
    if groups.get("count_d") is not None:
        n = shown.count(m["d"])
        return by_python(n, f"The digit {m['d']} occurs {n} times in {m['v']}.", "digit count")
    product = math.prod(int(d) for d in shown)
    return by_python(
        product, f"The product of the digits of {m['v']} is {product}.", "digit product"
    )


@recognizes(
    rf"how many times (?:does|is) the digit (?P<d>\d) (?:appear|occur|used|written|needed)"
    rf"(?: in all| in| when (?:you )?(?:write|writing|list|listing)(?: out)?(?: all)?)"
    rf" (?:the )?{INTEGERS} (?P<range>{RANGE})",
    rf"(?P<sum>)(?:sum|total) of (?:all )?(?:the )?digits (?:of|in) (?:all )?(?:the )?{INTEGERS} "
    rf"(?P<range>{RANGE})",
)
def digit_in_range(m: re.Match[str]) -> Answer | None:
    ranges = readings(m)
    if ranges is None or any(hi > 10**6 for _, hi in ranges):
        return None
    summing = m.groupdict().get("sum") is not None

    def of(i: int) -> int:
        return sum(map(int, str(i))) if summing else str(i).count(m["d"])

    n = one([sum(of(i) for i in range(max(lo, 0), hi + 1)) for lo, hi in ranges])
    if n is None:
        return None
    if summing:
        said = f"The sum of the digits of the numbers {range_words(m)} is {n}."
        return by_python(n, said, "digit sum")
    said = f"The digit {m['d']} occurs {n} times in the numbers {range_words(m)}."
    return by_python(n, said, "digit count")


@recognizes(rf"is (?:the number )?(?P<x>{NUM}) a palindrom(?:e|ic number)(?: number)?")
def is_palindrome(m: re.Match[str]) -> Answer | None:
    x = number(m["x"])
    if x is None:
        return None
    yes = str(x) == str(x)[::-1]
    said = "reads the same backwards" if yes else "does not read the same backwards"
    return by_python(_yes(yes), f"{_yes(yes).capitalize()}: {x} {said}.", "palindrome")


@recognizes(
    rf"(?P<o>{ORD}) (?:fibonacci|fib) number",
    rf"(?P<o>{ORD}) (?:term|number|element) (?:of|in) the fibonacci (?:sequence|series|numbers)",
    rf"fibonacci number (?P<n>{NUM})",
    rf"(?:fibonacci|fib)\((?P<n>{PLAIN})\)",
)
def fibonacci(m: re.Match[str]) -> Answer | None:
    n = ordinal(m["o"]) if m.groupdict().get("o") else number(m["n"])
    if n is None or not 0 <= n <= 19_000:
        return None
    f = sympy.fibonacci(n)
    name = f"The {ordinal_text(n)} Fibonacci number" if m.groupdict().get("o") else f"F({n})"
    return by_sympy(f, f"{name} is {f} (counting F(1) = F(2) = 1).", "Fibonacci number")


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
    return by_sympy(v, f"The {ordinal_text(n)} {kind} number is {v}.", f"{kind} number")


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
    rf"sum of (?:all )?(?:the )?(?P<what>squares|cubes) of (?P<range>{RANGE})",
    rf"(?:add up|sum up|add together|total) (?:all )?(?:of )?(?:the )?{INTEGERS} "
    rf"(?P<range>{RANGE})",
)
def sum_over_range(m: re.Match[str]) -> Answer | None:
    ranges = readings(m)
    if ranges is None or any(abs(x) > 10**30 for r in ranges for x in r):
        return None
    what = m.groupdict().get("what")
    power = POWERS[what] if what else 1
    total = one([_sum_of_powers(lo, hi, power) for lo, hi in ranges])
    if total is None:
        return None
    of = f"the {what} of the integers" if what else "the integers"
    return by_sympy(total, f"The sum of {of} {range_words(m)} is {total}.", "sum of a series")


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
    return by_sympy(total, f"The sum of the first {n} {what} is {total}.", "sum of a series")


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
        return by_python(
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
    result = one(totals)
    if result is None:
        return None
    said = f"The sum of the {m['parity']} numbers {range_words(m)} is {result}."
    return by_python(result, said, "sum of a series")


@recognizes(
    rf"product of (?:all )?(?:the )?(?:(?P<parity>odd|even) )?{INTEGERS} (?P<range>{RANGE})"
)
def product_over_range(m: re.Match[str]) -> Answer | None:
    ranges = readings(m)
    if ranges is None or any(hi - lo > 2800 or lo < 0 for lo, hi in ranges):
        return None
    parity = m["parity"]
    wanted = {"odd": 1, "even": 0}.get(parity or "")
    products = [
        math.prod(i for i in range(lo, hi + 1) if wanted is None or i % 2 == wanted)
        for lo, hi in ranges
    ]
    product = one(products)
    if product is None or len(str(product)) > MAX_DIGITS:
        return None
    kind = f"{parity} integers" if parity else "integers"
    said = f"The product of the {kind} {range_words(m)} is {product}."
    return by_python(product, said, "product of a range")


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


DIVISIBLE = r"(?:(?:evenly |exactly )?divisible by|multiples of)"


def _divisibility_words(m: re.Match[str]) -> str:
    k, k2 = number(m["k"]), number(m["k2"]) if m["k2"] else None
    if k2 is None:
        return f"{k}"
    return f"both {k} and {k2}" if m["both"] else f"{k} or {k2}"


@recognizes(
    rf"(?:count|how many) (?:of )?(?:the |all )?(?:the )?{INTEGERS} (?P<range>{RANGE}),? "
    rf"(?:that are |which are |are )?(?P<not>not )?{DIVISIBLE} {DIVS}(?: are there)?",
    rf"(?:number|count) of {INTEGERS} (?P<range>{RANGE}),? (?:that are |which are )?(?P<not>not )?"
    rf"{DIVISIBLE} {DIVS}",
    rf"(?:count|how many) (?:the )?{INTEGERS} (?:that are |which are )?(?P<not>not )?"
    rf"{DIVISIBLE} {DIVS} (?:are there |there are |lie |are )?(?P<range>{RANGE})",
    rf"(?:how many|count (?:all )?(?:the )?) ?(?:positive )?multiples of {DIVS} "
    rf"(?:are there |lie |are )?(?P<range>{RANGE})(?: are there)?",
    rf"(?P<sum>)sum of (?:all )?(?:the )?(?:positive )?multiples of {DIVS} (?P<range>{RANGE})",
    rf"(?P<sum>)sum of (?:all )?(?:the )?{INTEGERS} (?P<range>{RANGE}),? (?:that are |which are )?"
    rf"(?P<not>not )?(?:multiples of|divisible by) {DIVS}",
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
            total = _sum_of_powers(lo, hi, 1) - total
        results.append(total if summing else count)
    result = one(results)
    if result is None:
        return None
    by = ("not " if negated else "") + f"divisible by {_divisibility_words(m)}"
    said = range_words(m)
    if summing:
        sentence = f"The sum of the numbers {said} {by} is {result}."
        return by_python(result, sentence, "sum of multiples")
    return by_python(result, f"{result} numbers {said} are {by}.", "counting multiples")


@recognizes(
    r"(?:the )?remainder (?:when|if|of) (?P<v>.+?) (?:is )?divided by (?P<m>.+?)",
    r"(?:the )?remainder (?:of|on) (?:dividing )?(?P<v>.+?) (?:by|divided by) (?P<m>.+?)",
    r"(?:the )?remainder (?:when|if) (?:you )?divid(?:e|ing) (?P<v>.+?) by (?P<m>.+?)",
    # One term before "mod": "5 + 3 mod 4" is 5 + (3 mod 4) to some, (5 + 3) mod 4 to others.
    rf"(?P<v>{NUM}|\d+ ?(?:\^|\*\*) ?\d+|\d+ ?!|\([^()]+\)) (?:mod|modulo) (?P<m>\d+)",
)
def remainder(m: re.Match[str]) -> Answer | None:
    modulus = value(m["m"])
    if not modulus or modulus < 0:
        return None
    v = value(m["v"])
    if v is None:
        power = re.fullmatch(r"(\d+) ?(?:\^|\*\*) ?(\d+)", m["v"].strip())
        if power is None:
            return None
        left = pow(int(power[1]), int(power[2]), modulus)  # too large to write out
    elif v < 0:
        return None  # -7 mod 3: 2, or -1 as C has it?
    else:
        left = v % modulus
    said = f"The remainder when {m['v']} is divided by {modulus} is {left}."
    return by_python(left, said, "remainder")


# --- counting in a range ----------------------------------------------------------------
@recognizes(
    rf"(?:count|how many) (?:of )?(?:the |all )?(?:the )?(?P<parity>odd|even) {INTEGERS} "
    rf"(?:are there |lie |are |exist )?(?P<range>{RANGE})(?: are there| exist)?",
    rf"(?:number|count) of (?P<parity>odd|even) {INTEGERS} (?P<range>{RANGE})",
    rf"(?:count|how many) (?:of )?(?:the |all )?(?:the )?(?P<power>perfect squares|perfect cubes"
    rf"|square numbers|cube numbers|squares|cubes) (?:are there |lie |are |exist )?"
    rf"(?P<range>{RANGE})(?: are there| exist)?",
    rf"how many {INTEGERS} (?P<range>{RANGE}) are (?P<parity>odd|even)(?: numbers)?",
    rf"how many {INTEGERS} (?P<range>{RANGE}) are (?P<power>perfect squares|perfect cubes"
    rf"|square numbers|cube numbers|squares|cubes)",
    rf"how many (?P<all>){INTEGERS} (?:are there )?(?P<range>{RANGE})(?: are there)?",
)
def count_kind_in_range(m: re.Match[str]) -> Answer | None:
    ranges = readings(m)
    if ranges is None or any(abs(x) > 10**30 for r in ranges for x in r):
        return None
    groups = m.groupdict()
    if groups.get("all") is not None and m["rel"]:
        return None  # "how many numbers are below 100": from 1, from 0, or negative too?
    if groups.get("power") and any(lo <= 0 for lo, _ in ranges):
        return None  # is 0 a perfect square? To some
    counts = []
    for lo, hi in ranges:
        if hi < lo:
            counts.append(0)
        elif groups.get("all") is not None:
            counts.append(hi - lo + 1)
        elif groups.get("parity"):
            odd = m["parity"] == "odd"
            counts.append((hi + (1 if odd else 0)) // 2 - (lo - 1 + (1 if odd else 0)) // 2)
        else:
            power = 2 if "squ" in m["power"] else 3
            counts.append(
                sympy.integer_nthroot(hi, power)[0] - sympy.integer_nthroot(lo - 1, power)[0]
            )
    count = one([int(c) for c in counts])
    if count is None:
        return None
    what = groups.get("parity") or groups.get("power") or ""
    noun = f"{what} numbers".strip() if not groups.get("power") else what
    return by_python(count, f"There are {count} {noun} {range_words(m)}.", "counting in a range")
