"""The verdict on one answer: ``correct``, ``wrong`` or ``unanswered``. Pure functions
of the goal, what it expects and the answer's text; the rules, in order:

Figures (``expect.number``):

1. *Candidate final figures*: of the figures (see ``figures.py``) that are not working
   (an operand, the left side of ``=``, or a value used later as an operand) and not one
   of the goal's own numbers (a restated operand), the first after each answer cue in
   its sentence (``answer``, ``result``, ``total``, ``altogether``, ``comes to``, ``you
   pay``, …), whatever its unit, and the last one of the text that has no unit of
   another dimension than the expected one (``30 days`` after a price is another
   quantity). That is what a reader takes for the answer.
2. ``correct``: the expected figure is a candidate and every other candidate is the same
   quantity: within ``tolerance`` after unit conversion (``150 minutes (2.5 hours)``)
   and, in the expected unit, the expected value rounded to as many decimals as the text
   wrote (expected ``37.78``: ``37.8`` and ``37.7778`` are, ``37.82`` is not).
3. ``wrong``: a candidate differs from the expected figure, whether or not the expected
   one is there too (``470 or 480``; ``Answer: 470`` then ``your total is $468``).
4. No candidate at all: ``unanswered`` when the text says it could not answer (``could
   not find``, ``unable to compute``, ``I don't know``, ``not in the documents``, …; see
   ``REFUSALS``), else ``wrong`` (an answer without its figure).

Words (``expect.any_of``): ``correct`` when one of ``any_of`` is there and none of
``none_of`` (a ``none_of`` phrase the goal itself says does not count); ``wrong`` when a
``none_of`` phrase is there; otherwise ``unanswered`` for an honest refusal, else
``wrong``. Phrases match whole words, case-insensitively, thousands separators ignored.

A written part (``expect.written``): besides a correct figure, a paragraph (a block
between blank lines, or one bullet) that states the expected figure and has at least
eight words of prose besides its figures, fewer than 80 % of them the goal's own words
(markup tags do not count; every multistep goal asks for the figure to be told);
without it the answer is ``wrong``. A paragraph that only reports on the team ("Left
out: what writer wrote") states no figure and is not a written part.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from bench.eval.figures import Figure, figures, mask, numbers_in
from bench.eval.goals import Expect
from bench.eval.units import Unit, convert, unit_named

Outcome = Literal["correct", "wrong", "unanswered"]

REFUSALS = re.compile(
    r"\b(?:(?:could\s*n[o']t|can\s*n[o']t|cannot|unable to|not able to|am not sure how to)\s+"
    r"(?:\w+\s+){0,2}?(?:answer|find|determine|compute|calculate|work|add|say|tell|help|"
    r"verify|know|provide|give|solve|do|be sure)|do(?:es)?\s*n[o']t know|"
    r"not in the documents|not answered|no answer|will not guess|won't guess|"
    r"not enough information|no (?:relevant )?information|is not relevant|"
    r"not a task i can)\b",
    re.I,
)
"""An honest "I could not": about answering, not any negation (``not possible to go
more than 10 miles`` is a claim)."""
ANSWER_CUES = re.compile(
    r"\b(?:final answer|answer|result|total|altogether|in all|comes? to|"
    r"you(?:'ll| will)? pay|you owe)\b",
    re.I,
)
SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[\n;]")
PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\s*[-*\u2022]\s)")
MIN_WORDS = 8


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    why: str
    candidates: list[str] = field(default_factory=list)
    """The candidate final figures it read, as text (for figures)."""


def judge(goal: str, expect: Expect, answer: str | None) -> Verdict:
    """The verdict on ``answer`` (None or empty: no answer came)."""
    text = (answer or "").strip()
    if not text:
        return Verdict("unanswered", "no answer")
    if expect.number is None:
        return judge_words(goal, expect, text)
    verdict = judge_figure(goal, expect, text)
    number, unit = expect.number, unit_named(expect.unit) if expect.unit else None
    if verdict.outcome == "correct" and expect.written:
        states = lambda f: same_quantity(f, number, unit, expect.tolerance)  # noqa: E731
        if not has_written_part(goal, text, states):
            why = "the figure is right but no written part tells it"
            return Verdict("wrong", why, verdict.candidates)
    return verdict


def judge_conversation(
    goal: str, expect: Expect, state: str, conclusion: str | None, reason: str | None
) -> Verdict:
    """The team's verdict: only a concluded conversation's conclusion is judged; one that
    failed, was cancelled or did not end in time is unanswered, with its reason."""
    if state != "concluded":
        return Verdict("unanswered", f"{state}: {reason or 'no reason given'}")
    return judge(goal, expect, conclusion)


def judge_reply(goal: str, expect: Expect, text: str | None, error: str | None) -> Verdict:
    """The baseline's verdict: a model call that failed is unanswered, with the error."""
    return Verdict("unanswered", error) if error else judge(goal, expect, text)


def judge_figure(goal: str, expect: Expect, text: str) -> Verdict:
    assert expect.number is not None
    unit = unit_named(expect.unit) if expect.unit else None
    found = candidates(goal, text, unit)
    shown = [str(f) for f in found]
    if not found:
        if REFUSALS.search(text):
            return Verdict("unanswered", "says it could not answer")
        return Verdict("wrong", f"states no figure for the answer (expected {expect.number})")
    others = [f for f in found if not same_quantity(f, expect.number, unit, expect.tolerance)]
    if not others:
        return Verdict("correct", f"states {expect.number}", shown)
    if len(others) < len(found):
        beside = ", ".join(str(f) for f in others)
        return Verdict("wrong", f"states {beside} beside the expected {expect.number}", shown)
    return Verdict("wrong", f"states {', '.join(shown)}, not {expect.number}", shown)


def candidates(goal: str, text: str, unit: Unit | None) -> list[Figure]:
    """The candidate final figures of ``text`` (rule 1), in order, without repeats."""
    given = numbers_in(goal)
    stated = [f for f in figures(text) if not f.working and f.value not in given]
    comparable = [
        f for f in stated if unit is None or f.unit is None or f.unit.dimension == unit.dimension
    ]
    chosen = {comparable[-1].start: comparable[-1]} if comparable else {}
    masked = mask(text)
    for cue in ANSWER_CUES.finditer(masked):
        end = SENTENCE_END.search(masked, cue.end())
        stop = end.start() if end else len(masked)
        first = next((f for f in stated if cue.end() <= f.start < stop), None)
        if first is not None:
            chosen[first.start] = first
    return [chosen[k] for k in sorted(chosen)]


def same_quantity(fig: Figure, expected: str, unit: Unit | None, tolerance: float) -> bool:
    """``fig`` is the expected figure: within ``tolerance`` and, unless it was converted
    from another unit, rounded the way the expected value rounds at the precision the
    text wrote (37.777… expected: ``37.8`` and ``37.7778`` are, ``37.82`` is not)."""
    want = Decimal(expected.replace(",", ""))
    value: float | None = fig.value
    converted = unit is not None and fig.unit is not None and fig.unit != unit
    if unit is not None and fig.unit is not None:
        value = convert(fig.value, fig.unit, unit)
    if value is None or abs(value - float(want)) > tolerance + 1e-9 * max(1.0, abs(float(want))):
        return False
    if converted:
        return True
    places = min(fig.decimals, max(0, -int(want.as_tuple().exponent)))
    return _rounded(Decimal(repr(value)), places) == _rounded(want, places)


def _rounded(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def judge_words(goal: str, expect: Expect, text: str) -> Verdict:
    if not expect.any_of:
        raise ValueError("an expectation needs 'number' or 'any_of'")
    forbidden = [p for p in expect.none_of if contains_any(goal, [p]) is None]
    bad = contains_any(text, forbidden)
    good = contains_any(text, expect.any_of)
    if bad is not None:
        return Verdict("wrong", f"says {bad!r}" + (f" beside {good!r}" if good else ""))
    if good is not None:
        return Verdict("correct", f"says {good!r}")
    if REFUSALS.search(text):
        return Verdict("unanswered", "says it could not answer")
    return Verdict("wrong", f"says none of {', '.join(repr(p) for p in expect.any_of)}")


def _normal(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2011", "-").replace("\u2013", "-")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    return " ".join(text.lower().split())


def contains_any(text: str, phrases: Sequence[str]) -> str | None:
    """The first of ``phrases`` that ``text`` contains as whole words, or None."""
    haystack = _normal(text)
    for phrase in phrases:
        needle = re.escape(_normal(phrase))
        if re.search(rf"(?<![a-z0-9]){needle}(?![a-z0-9]|[.,]\d)", haystack):
            return phrase
    return None


def has_written_part(goal: str, text: str, states: Callable[[Figure], bool]) -> bool:
    """A paragraph (a block between blank lines, or one bullet) that states the expected
    figure (``states``) and has ``MIN_WORDS`` words of prose besides its figures, fewer
    than 80 % of them the goal's own words. Quotation marks are dropped here: a note
    written in quotes is still a note."""
    goal_words = set(re.findall(r"[a-z']+", goal.lower()))
    prose = re.sub(r"</?[A-Za-z][^<>]*>", " ", text)  # markup is not prose
    for paragraph in PARAGRAPH.split(prose):
        plain = re.sub(r"[\"\u201c\u201d]", " ", paragraph)
        found = figures(plain)
        if not any(states(f) for f in found):
            continue
        rest = list(plain)
        for f in found:
            rest[f.start : f.end] = " " * (f.end - f.start)
        words = re.findall(r"[a-z']+", "".join(rest).lower())
        if len(words) >= MIN_WORDS and sum(w in goal_words for w in words) < 0.8 * len(words):
            return True
    return False
