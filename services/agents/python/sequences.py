"""Sequences given by their first terms ("1, 1, 2, 3, 5, 8", "3, 7, 11, ...") and series
written out ("1 + 2 + ... + 100"): the Nth term, the next one, the sum of the first N.

The rule is found, never assumed: each rule that may continue the terms (adding a fixed
step, multiplying by a fixed ratio, adding the two or three terms before, constant
second or third differences) is checked against every given term. Without a name
("arithmetic", "Fibonacci") at least four terms are needed and every rule the terms
bear out must give the same answer; a name allows fewer terms but only its rule. Any
word of the question this module does not read makes it unrecognized.
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import sympy

from services.agents.python.integers import MAX_DIGITS
from services.agents.python.phrases import (
    ORD,
    WORDS,
    Answer,
    normalize,
    number,
    ordinal,
    ordinal_text,
)

MAX_POSITION = 10**6
"""Highest position asked for (a term of a recurrence is computed step by step)."""
MAX_STEPS = 20_000
"""Most steps a recurrence is run (its terms grow past MAX_DIGITS digits well before)."""

TERM = r"[-\u2212]?\d+(?:\.\d+)?(?:/\d+)?"
MORE = r"(?:\s*,?\s*(?:\.\.\.|\u2026|etc\.?|and so on|and so forth))"
_LIST = re.compile(rf"(?<![\w.,/-])(?P<terms>{TERM}(?:\s*,\s*{TERM})+)(?P<more>{MORE})?(?![\w/])")
_SERIES = re.compile(
    rf"(?<![\w.,/^-])(?P<terms>{TERM}(?:\s*\^\s*\d+)?(?:\s*\+\s*{TERM}(?:\s*\^\s*\d+)?)+)"
    rf"\s*\+\s*(?:\.\.\.|\u2026|\u22ef)\s*\+\s*(?P<last>{TERM}(?:\s*\^\s*\d+)?)(?![\w/^])"
)
HOLE = "<<terms>>"

NAMES = {
    "fibonacci": "sum of two",
    "lucas": "sum of two",
    "fibonacci-like": "sum of two",
    "tribonacci": "sum of three",
    "arithmetic": "step",
    "arithmetical": "step",
    "geometric": "ratio",
    "geometrical": "ratio",
}
_NAME = re.compile(
    r"\b(fibonacci-like|fibonacci|lucas|tribonacci|arithmetic(?:al)?|geometric(?:al)?)\b"
)
_ASKS = [
    ("nth", re.compile(rf"\b(?P<o>{ORD}) (?:term|number|element|value|member|entry|item|one)\b")),
    ("nth", re.compile(r"\bterm (?:number |no\.? |#)?(?P<n>\d+)\b")),
    ("next", re.compile(r"\b(?:the )?next (?:term|number|element|value|member|entry|item|one)\b")),
    (
        "next",
        re.compile(r"\b(?:what|which number|which term) (?:comes|would come|will come) next\b"),
    ),
    ("next", re.compile(r"\bcomes next\b")),
    (
        "sum",
        re.compile(
            r"\b(?:the )?(?:sum|total) of (?:the )?first (?P<n>\d+|[a-z]+(?:-[a-z]+)?) "
            r"(?:terms|numbers|elements|members)\b"
        ),
    ),
]
ALLOWED = frozenset(
    """
    what is the a an of in this that its it sequence series progression list pattern numbers
    number starts start started begins begin began with goes go runs run reads read as follows
    like continues continue continuing find compute calculate determine give tell me work out
    would be will consider given following here has have terms term are value please if we you
    keep going same way rule first few initial whose below above there shown written get
    those these then and so on an
    """.split()
)
"""Words around the terms and the question that do not change what is asked."""
_PUNCTUATION = set(",.?:;!()")


@dataclass(slots=True, frozen=True)
class Rule:
    """A way to continue the terms: its name for people and its terms from position 1."""

    name: str
    kind: str
    term: Callable[[int], Fraction | None]
    total: Callable[[int], Fraction | None]
    library: str = "Python"


def answer(question: str) -> Answer | None:
    """The term or sum a question about a sequence asks for, or None."""
    text = normalize(question)
    series = list(_SERIES.finditer(text))
    if series:
        return _series(text, series) if len(series) == 1 else None
    first, common = _FIRST.search(text), _COMMON.search(text)
    if first and common:
        return _described(text, first, common)
    found = [m for m in _LIST.finditer(text) if "," in m["terms"]]
    if len(found) != 1 or re.search(r"\d,\d{3}(?!\d)", found[0]["terms"]):
        return None  # none, several lists, or a thousands comma ("1,000"): not ours
    listed = found[0]
    terms = _terms(listed["terms"].split(","))
    if terms is None:
        return None
    frame = text[: listed.start()] + f" {HOLE} " + text[listed.end() :]
    asked = _ask(frame)
    if asked is None:
        return None
    kind, position, frame = asked
    name, frame = _named(frame)
    if not _only_allowed(frame, len(terms)):
        return None
    if kind == "next":
        position = len(terms) + 1
    if position is None or not 1 <= position <= MAX_POSITION:
        return None
    if kind == "nth" and position <= len(terms) and name is None:
        given = _shown(terms[position - 1])
        sentence = f"The {ordinal_text(position)} of the given terms is {given}."
        return Answer(given, sentence, "given term", "Python")
    rules = _standing(terms, name)
    if not rules:
        return None
    results = {rule.total(position) if kind == "sum" else rule.term(position) for rule in rules}
    if len(results) != 1 or None in results:
        return None  # the rules the terms bear out disagree (or one cannot say)
    value = results.pop()
    assert value is not None
    shown_terms = ", ".join(_shown(t) for t in terms)
    rule = rules[0]
    sentence = f"{_asked(kind, position)} of {shown_terms}, … is {_shown(value)} ({rule.name})."
    return Answer(
        value=_shown(value),
        sentence=sentence,
        routine=f"sequence ({rule.kind})",
        library=rule.library,
    )


_FIRST = re.compile(
    rf"\b(?:its |the )?first term (?:of (?:an?|the|this|its) (?:[a-z-]+ )?(?:sequence|progression"
    rf"|series) )?(?:is |of |= ?|equal to )?(?P<a>{TERM})\b"
)
_COMMON = re.compile(
    rf"\b(?:its |the |a )?common (?P<what>difference|ratio) (?:is |of |= ?|equal to )?"
    rf"(?P<x>{TERM})\b"
)


def _described(text: str, first: re.Match[str], common: re.Match[str]) -> Answer | None:
    """A sequence described by its first term and common difference or ratio."""
    if len(_FIRST.findall(text)) + len(_COMMON.findall(text)) > 2:
        return None
    a_terms, x_terms = _terms([first["a"], "0"]), _terms([common["x"], "0"])
    if a_terms is None or x_terms is None:
        return None
    a, x = a_terms[0], x_terms[0]
    kind = "step" if common["what"] == "difference" else "ratio"
    spans = sorted([first.span(), common.span()])
    frame = text[: spans[0][0]] + " " + text[spans[0][1] : spans[1][0]] + " " + text[spans[1][1] :]
    asked = _ask(frame)
    if asked is None:
        return None
    ask, position, frame = asked
    if any(NAMES[name] != kind for name in _NAME.findall(text)):
        return None  # "a geometric sequence with common difference 3": which?
    frame = _NAME.sub(" ", frame)
    if ask == "next" or position is None or not 1 <= position <= MAX_POSITION:
        return None
    if not _only_allowed(frame, 0):
        return None
    rule = next(
        r for r, _ in _candidates([a, a + x if kind == "step" else a * x]) if r.kind == kind
    )
    result = rule.total(position) if ask == "sum" else rule.term(position)
    if result is None:
        return None
    sentence = (
        f"{_asked(ask, position)} of the sequence starting at {_shown(a)}, {rule.name}, "
        f"is {_shown(result)}."
    )
    return Answer(_shown(result), sentence, f"sequence ({kind})", "Python")


def _series(text: str, series: list[re.Match[str]]) -> Answer | None:
    """The sum of a series written with an ellipsis: "1 + 2 + 3 + ... + 100"."""
    m = series[0]
    frame = text[: m.start()] + f" {HOLE} " + text[m.end() :]
    frame = re.sub(r"\b(?:the )?(?:sum|value|total)(?: of)?(?: the)?\b", " ", frame, count=1)
    name, frame = _named(frame)
    if not _only_allowed(frame, 0) or name in ("fibonacci", "lucas", "tribonacci"):
        return None
    pieces = [*re.split(r"\s*\+\s*", m["terms"]), m["last"]]
    powers = {re.sub(r"^[^^]*", "", p).replace(" ", "") for p in pieces}
    if len(powers) != 1:
        return None  # "1 + 2^2 + ...": mixed
    power = int(powers.pop()[1:] or 1) if powers != {""} else 1
    bases = _terms([re.sub(r"\s*\^.*", "", p) for p in pieces])
    if bases is None or power > 10:
        return None
    *given, last = bases
    rules = [r for r in _standing(given, name, series=True) if r.kind in ("step", "ratio")]
    if power != 1:
        rules = [r for r in rules if r.kind == "step"]  # 1^2 + 2^2 + …: the bases step
    sums = set()
    for rule in rules:
        count = _position_of(rule, last)
        if count is not None and count >= len(given):  # a rule that never reaches it is out
            sums.add(_power_sum(rule, count, power))
    if len(sums) != 1 or None in sums:
        return None
    total = sums.pop()
    assert total is not None
    written = " + ".join(p.strip() for p in pieces[:-1]) + f" + … + {pieces[-1].strip()}"
    sentence = f"{written} = {_shown(total)} ({rules[0].name})."
    return Answer(
        value=_shown(total), sentence=sentence, routine="sum of a series", library="sympy"
    )


def _named(frame: str) -> tuple[str | None, str]:
    """The sequence's name ("fibonacci"), if the frame gives one, and the frame without it
    (a second name stays, and :func:`_only_allowed` refuses it)."""
    m = _NAME.search(frame)
    if m is None:
        return None, frame
    return m[1], frame[: m.start()] + frame[m.end() :]


def _asked(kind: str, position: int) -> str:
    if kind == "sum":
        return f"The sum of the first {position} terms"
    return f"The {ordinal_text(position)} term"


def _power_sum(rule: Rule, count: int, power: int) -> Fraction | None:
    if power == 1:
        return rule.total(count)
    a, d = rule.term(1), rule.term(2)
    if a is None or d is None:
        return None
    k = sympy.Symbol("k", integer=True)
    step = sympy.Rational(d - a)
    first = sympy.Rational(a)
    value = sympy.summation((first + (k - 1) * step) ** power, (k, 1, count))
    return Fraction(int(sympy.numer(value)), int(sympy.denom(value)))


def _position_of(rule: Rule, last: Fraction) -> int | None:
    """Which term ``last`` is under ``rule`` (None when it is none of the first ones)."""
    a, b = rule.term(1), rule.term(2)
    if a is None or b is None:
        return None
    if rule.kind == "step":
        if a == b:
            return None
        count = (last - a) / (b - a) + 1
        return int(count) if count.denominator == 1 and 1 <= count <= MAX_POSITION else None
    for i in range(1, 5000):
        t = rule.term(i)
        if t is None:
            return None
        if t == last:
            return i
        if abs(t) > abs(last) * 2 + 2:
            return None
    return None


def _terms(pieces: list[str]) -> list[Fraction] | None:
    try:
        terms = [Fraction(p.strip().replace("\u2212", "-")) for p in pieces]
    except (ValueError, ZeroDivisionError):
        return None
    return terms if 2 <= len(terms) <= 50 else None


def _ask(frame: str) -> tuple[str, int | None, str] | None:
    """What is asked (a term, the next one, a sum), the position, the frame without it."""
    asks = [(kind, m) for kind, pattern in _ASKS for m in pattern.finditer(frame)]
    spans = {(m.start(), m.end()) for _, m in asks}
    if not asks:
        return None
    kinds = {kind for kind, _ in asks}
    if len(kinds) != 1 or (len(spans) > 1 and not _nested(spans)):
        return None  # two questions in one: not ours
    kind, m = max(asks, key=lambda a: a[1].end() - a[1].start())
    position = None
    if kind == "nth":
        position = ordinal(m["o"]) if m.groupdict().get("o") else int(m["n"])
    elif kind == "sum":
        position = number(m["n"])
    return kind, position, frame[: m.start()] + " " + frame[m.end() :]


def _nested(spans: set[tuple[int, int]]) -> bool:
    widest = max(spans, key=lambda s: s[1] - s[0])
    return all(widest[0] <= a and b <= widest[1] for a, b in spans)


def _only_allowed(frame: str, count: int) -> bool:
    """Whether every word left is one that does not change the question."""
    for token in re.findall(rf"{re.escape(HOLE)}|[a-z]+(?:-[a-z]+)?|\d+|\S", frame):
        if token == HOLE or token in ALLOWED or token in _PUNCTUATION:
            continue
        if token in WORDS and WORDS[token] == count:
            continue  # "the first four terms are …"
        return False
    return frame.count(HOLE) == 1 or count == 0


def _standing(terms: list[Fraction], name: str | None, *, series: bool = False) -> list[Rule]:
    """The rules every given term bears out: all of them unnamed (then with at least
    four terms, each rule checked once at least), or the named one."""
    kind = NAMES.get(name or "")
    if kind is None and not series and len(terms) < 4:
        return []
    standing = []
    for rule, freedom in _candidates(terms):
        if kind is not None and rule.kind != kind:
            continue
        enough = len(terms) >= freedom if kind or series else len(terms) > freedom
        if enough and all(rule.term(i + 1) == t for i, t in enumerate(terms)):
            standing.append(rule)
    return standing


def _candidates(terms: list[Fraction]) -> list[tuple[Rule, int]]:
    """Each rule fitted to the first terms, with how many terms it takes to fix it."""
    a, b = terms[0], terms[1]
    d = b - a
    candidates: list[tuple[Rule, int]] = [
        (
            Rule(
                f"adding {_shown(d)} each time"
                if d >= 0
                else f"subtracting {_shown(-d)} each time",
                "step",
                lambda n: a + (n - 1) * d,
                lambda n: n * (2 * a + (n - 1) * d) / 2,
            ),
            2,
        )
    ]
    if a != 0 and b != 0:
        r = b / a
        candidates.append(
            (
                Rule(
                    f"multiplying by {_shown(r)} each time",
                    "ratio",
                    _power(a, r),
                    _geometric_sum(a, r),
                ),
                2,
            )
        )
    candidates.append(
        (_recurrence(terms[:2], "each term is the sum of the two before it", "sum of two"), 2)
    )
    if len(terms) >= 3:
        candidates.append(
            (
                _recurrence(
                    terms[:3], "each term is the sum of the three before it", "sum of three"
                ),
                3,
            )
        )
    for degree in (2, 3):
        if len(terms) > degree:
            candidates.append((_polynomial(terms[: degree + 1], degree), degree + 1))
    return candidates


def _power(a: Fraction, r: Fraction) -> Callable[[int], Fraction | None]:
    def term(n: int) -> Fraction | None:
        size = abs(r.numerator) if r.numerator else 1
        if (n - 1) * math.log10(max(size, r.denominator, 2)) > MAX_DIGITS:
            return None
        return a * r ** (n - 1)

    return term


def _geometric_sum(a: Fraction, r: Fraction) -> Callable[[int], Fraction | None]:
    def total(n: int) -> Fraction | None:
        if r == 1:
            return a * n
        last = _power(a, r)(n + 1)
        return None if last is None else (a - last) / (1 - r)

    return total


def _recurrence(start: list[Fraction], name: str, kind: str) -> Rule:
    def run(n: int) -> list[Fraction] | None:
        if n > MAX_STEPS:
            return None
        terms = list(start)
        while len(terms) < n:
            terms.append(sum(terms[-len(start) :], Fraction(0)))
            if abs(terms[-1]) > 10**MAX_DIGITS:
                return None
        return terms[:n]

    def term(n: int) -> Fraction | None:
        terms = run(n)
        return None if terms is None else terms[n - 1]

    def total(n: int) -> Fraction | None:
        terms = run(n)
        return None if terms is None else sum(terms, Fraction(0))

    return Rule(name, kind, term, total)


def _polynomial(first: list[Fraction], degree: int) -> Rule:
    n = sympy.Symbol("n")
    points = [(i + 1, sympy.Rational(t.numerator, t.denominator)) for i, t in enumerate(first)]
    formula = sympy.expand(sympy.interpolate(points, n))
    k = sympy.Symbol("k", integer=True)

    def term(i: int) -> Fraction | None:
        v = formula.subs(n, i)
        return Fraction(int(sympy.numer(v)), int(sympy.denom(v)))

    def total(count: int) -> Fraction | None:
        v = sympy.summation(formula.subs(n, k), (k, 1, count))
        return Fraction(int(sympy.numer(v)), int(sympy.denom(v)))

    which = "second" if degree == 2 else "third"
    name = f"its {which} differences are constant: the nth term is {sympy.sstr(formula)}"
    return Rule(name, f"polynomial of degree {degree}", term, total, library="sympy")


def _shown(v: Fraction) -> str:
    if v.denominator == 1:
        return str(v.numerator)
    d = v.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:
        return format(Decimal(v.numerator) / Decimal(v.denominator), "f")
    return f"{v.numerator}/{v.denominator}"
