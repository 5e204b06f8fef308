"""Figures in text, compared as numbers: what lets a reader check a draft against facts.

An LLM's text is a draft; the figures it states can be checked against the text it was
given (passages, a tool's result, the user's goal). ``1,234.50`` and ``1234.5`` are one
figure, and so are ``57.14`` and ``57.142857`` (a rounding is no new figure).
"""

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

# A number, not a piece of an id: "01M98Y" or "t2" are names; "12km" and "5th" hold one.
_NUMBER = re.compile(r"(?<![\w.])-?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?![A-Za-z_]*\d)")


def figures(text: str) -> list[Decimal]:
    """The numbers written in ``text``, normalised (``2,480`` and ``2480.0`` are 2480).
    A citation marker (``[1]``) is no figure: a result that cites passage 1 does not
    make a draft's "the answer is 1" a fact."""
    found = []
    for match in _NUMBER.finditer(text):
        start, end = match.span()
        if text[start - 1 : start] == "[" and text[end : end + 1] == "]":
            continue
        try:
            found.append(Decimal(match.group().replace(",", "")).normalize())
        except InvalidOperation:
            continue
    return found


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def holds(facts: Iterable[Decimal], figure: Decimal) -> bool:
    """Whether ``figure`` is one of ``facts``, or one of them rounded to its places."""
    places = _places(figure)
    for fact in facts:
        if fact == figure:
            return True
        if _places(fact) > places and fact.quantize(Decimal(1).scaleb(-places)) == figure:
            return True
    return False


def unfounded(draft: str, facts: Iterable[str]) -> list[Decimal]:
    """The figures ``draft`` states that none of ``facts`` holds, in order, once each."""
    known = [f for text in facts for f in figures(text)]
    return [f for f in dict.fromkeys(figures(draft)) if not holds(known, f)]
