"""Find the arithmetic in the words of a task.

"What is 17.5% of 2,480 plus 36?" becomes the expression ``0.175*2480 + 36``
(with the note ``17.5% = 0.175``); "Compute 12*(3+4)" becomes ``12*(3+4)``;
"120 plus 8%" becomes ``120 + 0.08*120`` and "the square root of 144" ``(144 ** (1/2))``.
The rewriting is plain text substitution: it never evaluates anything. The
result is then computed by :func:`arithmetic.evaluate`, which accepts only
safe arithmetic.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

MAX_TEXT_CHARS = 20_000
MAX_EXPRESSIONS = 5

NUM = r"\d+(?:\.\d+)?|\.\d+"
_NUM = rf"(?:{NUM})"
_OPERAND = rf"(?:{_NUM}|\([^()]*\))"

_ORDINALS = {
    "second": "2",
    "third": "3",
    "fourth": "4",
    "fifth": "5",
    "sixth": "6",
    "seventh": "7",
    "eighth": "8",
    "ninth": "9",
    "tenth": "10",
}
_ROOTS = {"square": "2", "cube": "3"}
_ORDINAL = rf"(?:\d+(?:st|nd|rd|th)|{'|'.join(_ORDINALS)})"


def _nth(word: str) -> str:
    """``"5th"`` and ``"fifth"`` → ``"5"``."""
    return _ORDINALS.get(word) or re.sub(r"\D", "", word)


# Powers and roots in words, rewritten before the operator words: "raised to the 5th
# power" must not become "** the 5th power".
_POWERS: list[tuple[str, Callable[[re.Match[str]], str]]] = [
    # "to the power of 1/2" is a power of one half, not a power of 1 halved.
    (
        r"\b(?:raised\s+to(?:\s+the\s+power(?:\s+of)?)?|to\s+the\s+power(?:\s+of)?)\s+"
        r"(?P<a>\d+)\s*/\s*(?P<b>\d+)",
        lambda m: f" ** ({m['a']}/{m['b']}) ",
    ),
    (
        rf"\b(?:raised\s+)?to\s+the\s+(?P<n>{_ORDINAL})(?:\s+power)?",
        lambda m: f" ** {_nth(m['n'])} ",
    ),
    (
        rf"\bthe\s+(?P<n>{_ORDINAL})\s+power\s+of\s+(?P<x>{_OPERAND})",
        lambda m: f"({m['x']} ** {_nth(m['n'])})",
    ),
    (r"\b(?:raised\s+)?to\s+the\s+power(?:\s+of)?\b", lambda m: " ** "),
    (
        rf"\b(?:the\s+)?(?:(?P<n>{_ORDINAL})|(?P<w>square|cube))\s+root\s+of\s+(?P<x>{_OPERAND})",
        lambda m: f"({m['x']} ** (1/{_nth(m['n']) if m['n'] else _ROOTS[m['w']]}))",
    ),
    (rf"(?:\bsqrt|\u221a)\s*(?P<x>{_OPERAND})", lambda m: f"({m['x']} ** (1/2))"),
    (rf"\u221b\s*(?P<x>{_OPERAND})", lambda m: f"({m['x']} ** (1/3))"),
    (
        rf"\b(?:the\s+)?(?P<w>square|cube)\s+of\s+(?P<x>{_OPERAND})",
        lambda m: f"({m['x']} ** {_ROOTS[m['w']]})",
    ),
]
# Dates and clock times are not arithmetic: "2024-3-1" is no subtraction, "10:45" no 45.
_NOT_ARITHMETIC = re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}:\d{2}(?::\d{2})?\b")
# "120 plus 8%" is 120 and 8% of it, as on a pocket calculator (and as people mean it):
# a percent added to or taken from a plain number, not 120.08.
_ON_BASE = re.compile(
    rf"(?<![\d.])({_NUM})(\s*(?:\+|-|\bplus\b|\bminus\b)\s*)({_NUM})\s*(?:%|percent\b)"
    r"(?!\s*(?:of\b|[\d.(]))"
)
_AFTER_OPERATOR = re.compile(
    r"(?:[-+*/%^(]|\b(?:times|by|over|plus|minus|mod|modulo|of|power|squared|cubed|to))\s*$"
)

# Word forms, longest first so "multiplied by" wins over "by".
_WORDS: list[tuple[str, str]] = [
    (r"\bto the power of\b", "**"),
    (r"\braised to(?: the power of)?\b", "**"),
    (r"\bmultiplied by\b", "*"),
    (r"\btimes\b", "*"),
    (r"\bdivided by\b", "/"),
    (r"\bover\b", "/"),
    (r"\bplus\b", "+"),
    (r"\bminus\b", "-"),
    (r"\bmodulo\b|\bmod\b", "%"),
    (r"\bsquared\b", "** 2"),
    (r"\bcubed\b", "** 3"),
]
# Verb forms: "multiply 6 by 7", "subtract 3 from 10", "add 2 and 5", "sum of 2 and 5".
_VERBS: list[tuple[str, str]] = [
    (rf"\bmultiply\s+({_OPERAND})\s+(?:by|and|with)\s+({_OPERAND})", r"(\1 * \2)"),
    (rf"\bdivide\s+({_OPERAND})\s+by\s+({_OPERAND})", r"(\1 / \2)"),
    (rf"\bsubtract\s+({_OPERAND})\s+from\s+({_OPERAND})", r"(\2 - \1)"),
    (rf"\badd\s+({_OPERAND})\s+(?:and|to)\s+({_OPERAND})", r"(\1 + \2)"),
    (rf"\bsum of\s+({_OPERAND})\s+and\s+({_OPERAND})", r"(\1 + \2)"),
    (rf"\bproduct of\s+({_OPERAND})\s+and\s+({_OPERAND})", r"(\1 * \2)"),
    (rf"\bdifference between\s+({_OPERAND})\s+and\s+({_OPERAND})", r"(\1 - \2)"),
]
# Multiplication sign, middle dot, division sign, minus sign, en dash, caret, no-break space.
_SYMBOLS = {
    "\u00d7": "*",
    "\u00b7": "*",
    "\u00f7": "/",
    "\u2212": "-",
    "\u2013": "-",
    "^": "**",
    "\u00a0": " ",
}

# A run of characters that can only be arithmetic.
_RUN = re.compile(r"[\d.+\-*/%()\s]+")
_OPERATOR = re.compile(r"[\d)]\s*(?:\*\*|[+\-*/%])\s*[\d(.]")


@dataclass(slots=True)
class Found:
    """One arithmetic expression found in a text, and what was rewritten to get it."""

    expression: str
    notes: list[str] = field(default_factory=list)


def find_expressions(text: str) -> list[Found]:
    """The arithmetic expressions in ``text``, in order of appearance (at most a few)."""
    text, notes = normalize(text[:MAX_TEXT_CHARS])
    found: list[Found] = []
    for match in _RUN.finditer(text):
        expression = " ".join(_trim(match.group()).split())
        if expression and _OPERATOR.search(expression):
            used = [n for n in notes if n.split(" = ")[1] in expression]
            found.append(Found(expression, used))
            if len(found) >= MAX_EXPRESSIONS:
                break
    return found


def normalize(text: str) -> tuple[str, list[str]]:
    """Rewrite number words and symbols into Python arithmetic; return notes on percents."""
    text = _NOT_ARITHMETIC.sub(" ", text.lower())
    text = re.sub(r"\bper\s+cent\b", "percent", text)
    for symbol, replacement in _SYMBOLS.items():
        text = text.replace(symbol, replacement)
    # Currency signs: "$45" is 45 ("18% of $45"); the sign would split the expression.
    text = re.sub(r"[$\u20ac\u00a3]\s?(?=[\d.])", "", text)
    # Thousands separators: "2,480" and "1,000,000" but not "3,4" or "1,2345".
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)
    text = re.sub(SCALE_WORDS, scaled, text)
    # "3/4 of 200" is three quarters of 200, not 3/4 with a number beside it.
    text = re.sub(r"(?<![\d.])(\d+)\s*/\s*(\d+)\s+of\s+(?=[\d.(])", r"(\1/\2) * ", text)
    text = _ON_BASE.sub(_on_base, text)
    for pattern, rewrite in _POWERS:
        text = re.sub(pattern, rewrite, text)
    # "6 x 7" and "6x7" are multiplication; "x" elsewhere is a letter.
    text = re.sub(r"(?<=\d)\s*x\s*(?=\d|\.\d|\()", " * ", text)
    notes: list[str] = []

    def percent(match: re.Match[str]) -> str:
        value = format(Decimal(match.group(1)).scaleb(-2).normalize(), "f")
        notes.append(f"{match.group(1)}% = {value}")
        return f" {value} * " if match.group(0).rstrip().endswith("of") else f" {value} "

    # "17.5% of 2480" → 0.175 * 2480; a lone "15%" → 0.15; "10 % 3" stays modulo.
    text = re.sub(rf"({_NUM})\s*(?:%|percent\b)\s*of\b", percent, text)
    text = re.sub(rf"({_NUM})\s*(?:%|percent\b)(?!\s*[\d.(])", percent, text)
    for pattern, replacement in _WORDS:
        text = re.sub(pattern, f" {replacement} ", text)
    for pattern, replacement in _VERBS:
        text = re.sub(pattern, replacement, text)
    return text, notes


SCALE_WORDS = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?)\s+(thousand|million|billion|trillion)\b", re.IGNORECASE
)
"""A number and its scale in words: "1.5 million" is 1500000, never 1.5 and a word."""
_SCALES = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12}


def scaled(match: re.Match[str]) -> str:
    """ "1.5 million" → ``1500000``."""
    number = Decimal(match.group(1)).scaleb(_SCALES[match.group(2).lower()])
    return format(number.normalize(), "f")


# Words that ask for something other than the value of the arithmetic next to them: in
# "the sum of the digits of 2^50" the power is computed, but the answer is its digits.
_BEYOND: list[tuple[str, str]] = [
    (
        "the digits of a number",
        r"\bdigits? (?:of|in)\b|\bdigit(?:al)? (?:sum|root|product)\b|\bhow many digits\b"
        r"|\b(?:last|first|leading|trailing|units|ones|tens|final) digits?\b"
        r"|\bsum of (?:its|the) digits\b|\btrailing zero(?:e)?s\b|\bzero(?:e)?s at the end\b",
    ),
    (
        "divisors, factors or multiples",
        r"\b(?:divisors?|factors|factori[sz]\w*|multiples|gcd|lcm|hcf|gcf|totient|coprime)\b"
        r"|\b(?:prime|common) factor\b|\bfactors? of\b|\b(?:greatest|highest|least|lowest) "
        r"common\b|\b(?:divisible|multiple) (?:by|of)\b|\bremainder\b|\bquotient\b",
    ),
    (
        "rounding or another way of writing a number",
        r"\bround(?:ed|ing)?\b|\bnearest\b|\bsignificant (?:figures|digits)\b|\bdecimal places?\b"
        r"|\bbinary\b|\bhexadecimal\b|\bhex\b|\boctal\b|\bbase \d+\b|\broman\b|\bin words\b"
        r"|\bscientific notation\b|\breversed?\b|\bbackwards?\b|\binteger part\b"
        r"|\bfractional part\b|\bfloor\b|\bceiling\b",
    ),
    (
        "primes or other kinds of numbers",
        r"\bprimes?\b|\bcomposite\b|\bperfect (?:number|square|cube)s?\b|\bsquare numbers?\b"
        r"|\bsquares\b|\bcubes\b|\btriangular\b|\bfibonacci\b|\b(?:even|odd)\b|\bpalindrom\w*"
        r"|\bintegers?\b|\bwhole numbers?\b|\bnatural numbers?\b",
    ),
    (
        "factorials, choices or arrangements",
        r"\bfactorials?\b|\d\s*!(?!=)|\bchoose\b|\bcombinations?\b|\bpermutations?\b"
        r"|\b(?:re)?arrange(?:ments?|d)?\b|\banagrams?\b|\bcommittees?\b|\bsubsets?\b"
        r"|\bhow many (?:different |distinct |possible )?ways\b|\bin how many\b",
    ),
    (
        "a sequence or series",
        r"\bsequences?\b|\bseries\b|\bprogressions?\b|\b(?:\d+(?:st|nd|rd|th)|next|nth|first|"
        r"last) (?:term|element)s?\b|\bterms? of\b|\bcomes next\b|\.\s*\.\s*\.|\u2026",
    ),
    (
        "counting letters, words, characters or times",
        r"\bletters?\b|\bvowels?\b|\bconsonants?\b|\bcharacters?\b|\bsyllables?\b"
        r"|\bhow many (?:words|sentences)\b|\bhow many\s+(?:times\b|\*(?!\*))"  # "times" read as *
        r"|\boccurrences?\b|\b(?:appear|occur)s?\b",
    ),
    (
        "a function I do not compute",
        r"\blog(?:arithm)?s?\b|\bln\b|\b(?:sine|cosine|tangent|sin|cos|tan|arcsin|arccos|arctan)"
        r"\b|\bexponential\b|\babsolute value\b|\breciprocal\b|\binverse\b|\bderivative\b"
        r"|\bintegral\b",
    ),
    (
        "a comparison (or 'more than', 'less than')",
        r"\b(?:greater|less|more|fewer|larger|smaller|bigger|higher|lower) than\b"
        r"|\b(?:equal|equivalent) to\b|\bthe same as\b|\bexceeds?\b|\bat (?:least|most)\b"
        r"|\b(?:larger|largest|smaller|smallest|bigger|biggest|maximum|minimum)\b",
    ),
    (
        "a multiple said in words",
        r"\b(?:half|halve|twice|double|triple|thrice|quadruple|third|quarter|fifth|tenth)s?\b",
    ),
]
_BEYOND_ANY = [(what, re.compile(pattern)) for what, pattern in _BEYOND]
_YES_NO = re.compile(
    r"(?:^|[.?!;]\s+)(?!(?:do|does|did) you\b)(?:is|are|was|were|does|do|did|has|have)\b[^.?!;]*\d"
)
_KNOWN_HEADS = frozenset(
    "value result answer sum total product difference outcome output evaluation cost price "
    "amount bill charge fee".split()
)
"""Words before "of <expression>" that ask for its value ("the value of 2^10")."""
_HEAD_OF = re.compile(r"\b([a-z]+)\s+of\s*$")


def beyond_arithmetic(text: str) -> tuple[str, str] | None:
    """What the words of ``text`` ask beyond the value of its arithmetic, and the words
    that ask it ("the digits of a number", "digits of"); None when they ask no more.

    The calculator computes the expressions it finds and nothing else, so a question
    whose words change what is asked (the digits, divisors or letters of something, a
    yes or no, a rounding) must not be answered with the value it happens to contain.
    """
    lowered = " ".join(text[:MAX_TEXT_CHARS].lower().split())
    rewritten, _ = normalize(text[:MAX_TEXT_CHARS])
    for what, pattern in _BEYOND_ANY:
        # In the words as rewritten: what the calculator read ("to the third power",
        # "the square root of") is gone, what it did not read is left.
        match = pattern.search(rewritten)
        if match is not None:
            return what, " ".join(match.group(0).split())
    if (match := _YES_NO.search(lowered)) is not None:
        return "a yes or no", match.group(0).strip(" .?!;")[:60]
    for run in _RUN.finditer(rewritten):
        expression = run.group().strip()
        if not _OPERATOR.search(expression):
            continue
        head = _HEAD_OF.search(
            rewritten[: run.start() + len(run.group()) - len(run.group().lstrip())]
        )
        if head is not None and head[1] not in _KNOWN_HEADS:
            return f"the {head[1]} of a value", head.group(0).strip()
    return None


def ambiguous_percent(text: str) -> str | None:
    """A percent added to the end of a longer expression ("15% of 80 plus 8%"): of what
    is it, the last number or the whole? The words that say it, or ``None``."""
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text.lower())
    for match in _ON_BASE.finditer(text):
        if _AFTER_OPERATOR.search(text[: match.start()]):
            return match.group(0)
    return None


def _on_base(match: re.Match[str]) -> str:
    """``120 + 8%`` → ``120 + 8% of 120``, unless 120 is the end of a longer expression."""
    if _AFTER_OPERATOR.search(match.string[: match.start()]):
        return match.group(0)
    base, sign, percent = match.groups()
    return f"{base}{sign}{percent}% of {base}"


def _trim(run: str) -> str:
    """Cut a run down to a plausible expression: no dangling operators or parentheses."""
    expression = run.strip()
    while True:
        before = expression
        # A sentence's full stop or a dangling operator at either end.
        expression = expression.strip(" \t\n").rstrip("+-*/%(.").lstrip("*/%).").strip()
        if expression.count("(") > expression.count(")") and expression.startswith("("):
            expression = expression[1:]
        if expression.count(")") > expression.count("(") and expression.endswith(")"):
            expression = expression[:-1]
        if expression == before:
            return expression
