"""Whole-number expressions as people type them: ``2^31 - 1``, ``3 * 7^20``, ``10!/(3!*7!)``.

The value of the number a routine asks about ("is 2^31 - 1 prime?", "the digits of
3^100 + 7"). Only whole numbers come out: a division that leaves a remainder, a
chained power (``2^3^2``: which way?), a double factorial (``5!!``) or a value of more
than MAX_DIGITS digits is no value.
"""

import math
import re

MAX_DIGITS = 4000
"""Largest value a routine computes or shows (Python refuses ``str`` of > 4300 digits)."""

_TOKEN = re.compile(r"\s*(?:(?P<int>\d+)|(?P<op>\*\*|[-+*/^()!\u00d7\u00b7\u2212]))")
_SAME = {"\u00d7": "*", "\u00b7": "*", "\u2212": "-", "**": "^"}


class _Unsure(Exception):
    """The expression has no one whole-number value."""


def integer_value(text: str) -> int | None:
    """The whole number ``text`` evaluates to, or None (not an expression, or unsure)."""
    tokens: list[str] = []
    at = 0
    text = text.strip()
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            return None
        tokens.append(match["int"] or _SAME.get(match["op"], match["op"]))
        at = match.end()
    if not any(t in "+-*/^!" for t in tokens) or len(tokens) > 200:
        return None
    try:
        parser = _Parser(tokens)
        result = parser.expression()
        if parser.at != len(tokens):
            return None
        return result
    except (_Unsure, IndexError):
        return None


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.at = 0

    def _peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _take(self) -> str:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expression(self) -> int:
        value = self._product()
        while self._peek() in ("+", "-"):
            op = self._take()
            right = self._product()
            value = value + right if op == "+" else value - right
            _check(value)
        return value

    def _product(self) -> int:
        value = self._unary()
        while self._peek() in ("*", "/"):
            op = self._take()
            right = self._unary()
            if op == "*":
                value *= right
            elif right == 0 or value % right:
                raise _Unsure  # not a whole number
            else:
                value //= right
            _check(value)
        return value

    def _unary(self) -> int:
        if self._peek() == "-":
            self._take()
            return -self._unary()
        return self._power()

    def _power(self) -> int:
        base = self._factorial()
        if self._peek() != "^":
            return base
        self._take()
        exponent = self._factorial()
        if self._peek() == "^" or exponent < 0 or base == exponent == 0:
            raise _Unsure  # 2^3^2: left or right first? 2^-1: no whole number; 0^0: 1, or none?
        if abs(base) > 1 and exponent * math.log10(abs(base)) > MAX_DIGITS:
            raise _Unsure
        return int(base**exponent)

    def _factorial(self) -> int:
        value = self._atom()
        count = 0
        while self._peek() == "!":
            self._take()
            count += 1
        if count > 1:
            raise _Unsure  # 5!! : a double factorial, or the factorial of 120?
        if count:
            if value < 0 or (value > 1 and math.lgamma(value + 1) / math.log(10) > MAX_DIGITS):
                raise _Unsure
            value = math.factorial(value)
        return value

    def _atom(self) -> int:
        token = self._take()
        if token == "(":
            value = self.expression()
            if self._take() != ")":
                raise _Unsure
            return value
        if token.isdigit():
            return int(token)
        raise _Unsure


def _check(value: int) -> None:
    if value and math.log10(abs(value)) > MAX_DIGITS:
        raise _Unsure
