"""Questions as people write them ("1,000,003", "ten", "30th", "2 to the 100th") and the
answer a routine gives to one.

The routines match a whole question, so the politeness around it ("what is …?",
"please compute …") is taken off first and nothing else is: any word left that a
routine does not expect makes the question unrecognized, never misread.
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from services.agents.python.integers import MAX_DIGITS, integer_value


@dataclass(slots=True, frozen=True)
class Answer:
    """An exact routine's answer: ``value`` to display, ``sentence`` saying what it is."""

    value: str
    sentence: str
    routine: str
    library: str


def by_sympy(value: object, sentence: str, routine: str) -> Answer:
    return Answer(value=str(value), sentence=sentence, routine=routine, library="sympy")


def by_python(value: object, sentence: str, routine: str) -> Answer:
    return Answer(value=str(value), sentence=sentence, routine=routine, library="Python")


Routine = Callable[[re.Match[str]], Answer | None]


@dataclass(slots=True)
class Recognizers:
    """Routines, each registered for the patterns of the questions it answers whole."""

    routines: list[tuple[re.Pattern[str], Routine]] = field(default_factory=list)

    def recognizes(self, *patterns: str) -> Callable[[Routine], Routine]:
        """Register a routine for questions matching any of ``patterns`` as a whole."""

        def register(routine: Routine) -> Routine:
            self.routines.extend((re.compile(p), routine) for p in patterns)
            return routine

        return register

    def answer(self, text: str) -> Answer | None:
        """The first answer of a routine whose pattern reads all of ``text``."""
        for pattern, routine in self.routines:
            match = pattern.fullmatch(text)
            found = routine(match) if match else None
            if found is not None:
                return found
        return None


_UNITS = "zero one two three four five six seven eight nine".split()
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}

WORDS: dict[str, int] = {w: i for i, w in enumerate(_UNITS)}
WORDS.update({w: 10 + i for i, w in enumerate(_TEENS)})
for _i, _tens in enumerate(_TENS):
    WORDS[_tens] = 20 + 10 * _i
    for _j, _unit in enumerate(_UNITS[1:], start=1):
        WORDS[f"{_tens}-{_unit}"] = 20 + 10 * _i + _j
"""Numbers below a hundred in words; larger ones are these times scales ("two million")."""

_ORDINAL_WORDS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
).split()
ORDINALS: dict[str, int] = {w: i for i, w in enumerate(_ORDINAL_WORDS, start=1)}
ORDINALS.update({"thirtieth": 30, "fortieth": 40, "fiftieth": 50, "hundredth": 100})
ORDINALS.update({"one hundredth": 100, "thousandth": 1000, "one thousandth": 1000})
ORDINALS.update({"millionth": 10**6, "one millionth": 10**6})


def alternatives(*words: str) -> str:
    """A regex alternation of plain ``words``, longest first so none stops short."""
    return "|".join(sorted(words, key=len, reverse=True))


_DIGITS = r"\d{1,3}(?:,\d{3})+(?![\d,])|\d+"
_SCALE = alternatives(*_SCALES)
_WORDED = rf"(?:(?:a|{alternatives(*WORDS)})(?: (?:{_SCALE}))+|{alternatives(*WORDS)})"
SIMPLE = rf"(?:(?:{_DIGITS})(?: (?:thousand|million|billion))?|{_WORDED})"
"""A whole number as written: digits (with thousands commas), a scale, or words."""
NUM = rf"(?:\d+ ?(?:\^|\*\*) ?\d+|{SIMPLE})"
"""A whole number, or a small power of one ("10^6")."""
ORD = rf"(?:\d+(?:st|nd|rd|th)|{alternatives(*ORDINALS)})"
"""An ordinal: "30th", "first", "hundredth"."""
EXPR = r"(?:[(\d][\d ^*+\-/()!\u00d7\u2212]*[\d)!])"
"""An expression of whole numbers as typed ("2^31 - 1"); :func:`value` says what it is."""
PLAIN = r"\d+"
"""Digits only: in lists ("84, 126 and 210") a thousands comma would be ambiguous."""

_SCALED = re.compile(r"(\d+) (thousand|million|billion)")


def number(text: str) -> int | None:
    """The whole number ``text`` says, or None when it says none (or is ambiguous)."""
    text = text.strip()
    if text in WORDS:
        return WORDS[text]
    worded = re.fullmatch(_WORDED, text)
    if worded:
        first, *scales = text.split(" ")
        return math.prod((1 if first == "a" else WORDS[first], *(_SCALES[s] for s in scales)))
    scaled = _SCALED.fullmatch(text)
    if scaled:
        return int(scaled[1]) * _SCALES[scaled[2]]
    power = re.fullmatch(r"(\d+) ?(?:\^|\*\*) ?(\d+)", text)
    if power:
        base, exp = int(power[1]), int(power[2])
        if base == exp == 0:
            return None  # 0^0: 1 to some, undefined to others
        return base**exp if base < 2 or exp * math.log10(base) <= 30 else None
    if re.fullmatch(_DIGITS, text):
        return int(text.replace(",", ""))
    return None


def ordinal(text: str) -> int | None:
    """The position an ordinal names ("30th" → 30), checking the suffix ("3th" → None)."""
    text = text.strip()
    if text in ORDINALS:
        return ORDINALS[text]
    match = re.fullmatch(r"(\d+)(st|nd|rd|th)", text)
    if not match:
        return None
    n = int(match[1])
    return n if match[2] == _suffix(n) else None


def ordinal_text(n: int) -> str:
    """``n`` as an ordinal in digits: 1st, 2nd, 11th, 23rd."""
    return f"{n}{_suffix(n)}"


def _suffix(n: int) -> str:
    return "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


_POWER = re.compile(
    rf"(?P<base>{SIMPLE}) ?(?:\^|\*\*) ?(?P<exp>{SIMPLE})"
    rf"|(?P<base2>{SIMPLE}) (?:raised )?to the (?:power (?:of )?)?(?P<exp2>{ORD}|{SIMPLE})"
    r"(?: power)?"
    rf"|(?P<base3>{SIMPLE}) raised to (?:(?:the )?power (?:of )?)?(?P<exp3>{SIMPLE})"
    rf"|(?:the )?(?P<exp4>{ORD}) power of (?P<base4>{SIMPLE})"
    rf"|(?P<base5>{SIMPLE}) (?P<named>squared|cubed)"
    rf"|(?:the )?(?P<named2>square|cube) of (?P<base6>{SIMPLE})"
)
_FACTORIAL = re.compile(
    rf"(?P<n>{SIMPLE}) ?!|(?P<n2>{SIMPLE}) factorial|(?:the )?factorial (?:of )?(?P<n3>{SIMPLE})"
)


def value(text: str) -> int | None:
    """A number or an expression of whole numbers: ``2^100``, "2 to the 100th", "100!",
    "25 factorial", ``2^31 - 1``; None for anything else or a value of more than
    MAX_DIGITS digits."""
    text = text.strip()
    if text.startswith("the number "):
        text = text.removeprefix("the number ")
    plain = number(text)
    if plain is not None:
        return plain
    power = _POWER.fullmatch(text)
    if power:
        base_text = power["base"] or power["base2"] or power["base3"] or power["base4"]
        base_text = base_text or power["base5"] or power["base6"]
        exp_text = power["exp"] or power["exp2"] or power["exp3"] or power["exp4"]
        named = power["named"] or power["named2"]
        exp_text = exp_text or {"squared": "2", "cubed": "3", "square": "2", "cube": "3"}[named]
        base = number(base_text)
        exp = number(exp_text) if number(exp_text) is not None else ordinal(exp_text)
        if base is None or exp is None or base == exp == 0:
            return None
        if base > 1 and exp * math.log10(base) > MAX_DIGITS:
            return None
        return int(base**exp)
    fact = _FACTORIAL.fullmatch(text)
    if fact:
        n = number(fact["n"] or fact["n2"] or fact["n3"])
        if n is None or (n > 1 and math.lgamma(n + 1) / math.log(10) > MAX_DIGITS):
            return None
        return math.factorial(n)
    return integer_value(text)


PROGRAM = (
    r"(?:(?:a|an|some)\s+)?(?:(?:short|small|simple|quick|little)\s+)?"
    r"(?:python(?:\s*3)?(?:\s+(?:program|script|code|snippet))?|program|script|code|snippet)"
    r"(?:\s+in\s+python(?:\s*3)?)?"
)
""""A short Python program", "code", "a script in Python", "Python": what a question may
say to compute it with."""
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
"""Curly quotes to straight ones, for :meth:`str.translate`."""
_LEAD = re.compile(
    r"^(?:(?:please|kindly|ok|okay|so|hey|hi)[,!]? "
    r"|(?:can|could|would|will) you (?:please )?"
    r"|i (?:want|need|would like) (?:to know |you to )?"
    r"|(?:tell|show|give) me "
    r"|(?:compute|calculate|find|determine|evaluate|work out|figure out|get|give|list"
    r"|what is|what's|whats|what are|what was|how much is)(?: for me)?:? )+"
)
_TAIL = re.compile(
    r"(?:[.;,]? (?:please|for me|exactly|precisely)"
    rf"|[.;,]? (?:(?:using|in|with|by|via) (?:writing )?{PROGRAM}|programmatically)"
    r"|,? and (?:print|output|display|show) (?:it|the result|the answer)"
    r"|[.;,]? (?:reply|answer|respond)(?: with)? (?:just |only )?(?:the |a single |one )?"
    r"(?:number|value|integer|answer)"
    r"|[.;,]? (?:give|return|print) (?:just|only) the (?:number|value|answer)"
    r"|[?.]|(?<!\d)!)+$"  # "100!" is a factorial
)


_NUMBER_OF = re.compile(r"(?<![\w#.])(?:no\.|num\.?|#) of ")
""""no. of", "num of", "# of": "number of" typed in short."""


def lowered(question: str) -> str:
    """The question in lower case, curly quotes straight, one space between words."""
    return " ".join(question.translate(QUOTES).lower().split())


def normalize(question: str) -> str:
    """The question in lower case with one space between words and its politeness off."""
    text = _NUMBER_OF.sub("number of ", lowered(question))
    text = _TAIL.sub("", text).strip()
    text = _LEAD.sub("", text).strip()
    return _TAIL.sub("", text).strip()
