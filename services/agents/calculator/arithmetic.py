"""Exact, safe arithmetic: parse with :mod:`ast`, walk a whitelist, compute with fractions.

Nothing is ever passed to ``eval``. Only numbers, ``+ - * / // % **``, unary
``+``/``-`` and parentheses are accepted; names, attributes, calls, subscripts
and everything else are refused. Limits on the expression's length, on each
literal, and on the size of every intermediate value keep a hostile input
(``9**9**9**9``, ``1e999999999``) from burning CPU or memory.

>>> evaluate("0.175*2480 + 36").value
Fraction(470, 1)
>>> evaluate("0.1 + 0.2").steps
['0.1 + 0.2 = 0.3']
"""

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

MAX_EXPRESSION_CHARS = 500
MAX_LITERAL_CHARS = 60
MAX_LITERAL_EXPONENT = 100
MAX_BITS = 4096
"""Numerator and denominator of every value stay below 2**MAX_BITS (about 1233 digits)."""
MAX_STEPS = 200
DECIMAL_DIGITS = 12
TIMES = "\u00d7"  # the multiplication sign, for people
DIVIDED = "\u00f7"  # the division sign


class CalculationError(ValueError):
    """The expression is not safe, well-formed arithmetic, or cannot be computed."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_chars: int = MAX_EXPRESSION_CHARS
    max_bits: int = MAX_BITS
    max_steps: int = MAX_STEPS


@dataclass(slots=True)
class Evaluation:
    """The exact value of an expression and the steps that led to it."""

    expression: str
    value: Fraction
    steps: list[str] = field(default_factory=list)


_SYMBOLS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: TIMES,
    ast.Div: DIVIDED,
    ast.FloorDiv: "//",
    ast.Mod: "mod",
    ast.Pow: "^",
}
_ROOTS = {Fraction(1, 2): "\u221a", Fraction(1, 3): "\u221b"}
MAX_ROOT = 64
"""The highest root taken (a 65th root of anything is refused, not searched for)."""
_OPERATIONS: dict[type[ast.operator], Callable[[Fraction, Fraction], Fraction]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: lambda a, b: Fraction(a // b),
    ast.Mod: operator.mod,
}


def evaluate(expression: str, limits: Limits | None = None) -> Evaluation:
    """Compute ``expression`` exactly, or raise :class:`CalculationError` saying why not."""
    limits = limits or Limits()
    expression = expression.strip()
    if not expression:
        raise CalculationError("the expression is empty")
    if len(expression) > limits.max_chars:
        raise CalculationError(
            f"the expression has {len(expression)} characters; the limit is {limits.max_chars}"
        )
    try:
        tree = ast.parse(expression, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise CalculationError(f"{expression!r} is not an arithmetic expression") from exc
    walker = _Walker(expression, limits)
    try:
        value = walker.visit(tree.body)
    except ZeroDivisionError:
        raise CalculationError("division by zero") from None
    except RecursionError:
        raise CalculationError("the expression is nested too deeply") from None
    return Evaluation(expression=expression, value=value, steps=walker.steps)


class _Walker:
    """Evaluates a whitelisted expression tree, recording one step per operation."""

    def __init__(self, source: str, limits: Limits) -> None:
        self.source = source
        self.limits = limits
        self.steps: list[str] = []

    def visit(self, node: ast.expr) -> Fraction:
        if isinstance(node, ast.Constant):
            return self._number(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            value = self.visit(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and type(node.op) in _SYMBOLS:
            left = self.visit(node.left)
            if isinstance(node.op, ast.Pow) and _is_fraction_literal(node.right):
                # "x ** (1/2)" is a root, one step: √x, not "1 ÷ 2 = 0.5" first.
                count = len(self.steps)
                right = self.visit(node.right)
                del self.steps[count:]
            else:
                right = self.visit(node.right)
            if isinstance(node.op, ast.Pow):
                result = self._power(left, right)
            else:
                result = _OPERATIONS[type(node.op)](left, right)
            self._check_size(result)
            if isinstance(node.op, ast.Pow) and right in _ROOTS:
                self._step(f"{_ROOTS[right]}{format_number(left)} = {format_number(result)}")
            else:
                self._step(
                    f"{format_number(left)} {_SYMBOLS[type(node.op)]} "
                    f"{format_number(right)} = {format_number(result)}"
                )
            return result
        raise CalculationError(
            f"{_describe(node)} is not allowed; only numbers and + - * / "
            "// % ** with parentheses are"
        )

    def _number(self, node: ast.Constant) -> Fraction:
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise CalculationError(f"{node.value!r} is not a number")
        # The literal's own text, not the float Python made of it: 0.1 stays exactly 1/10.
        text = (ast.get_source_segment(self.source, node) or repr(node.value)).replace("_", "")
        if len(text) > MAX_LITERAL_CHARS:
            raise CalculationError(f"the number {text[:20]}… is too long")
        try:
            exponent = Decimal(text).as_tuple().exponent
        except InvalidOperation:
            raise CalculationError(f"{text!r} is not a number") from None
        if not isinstance(exponent, int) or abs(exponent) > MAX_LITERAL_EXPONENT:
            raise CalculationError(f"the number {text} is too large or too small")
        return Fraction(text)

    def _power(self, base: Fraction, exponent: Fraction) -> Fraction:
        if exponent.denominator != 1:
            # A root is exact only when it is rational: √144 = 12, ∛(8/27) = 2/3, √2 is not.
            root = exact_root(base, exponent.denominator)
            if root is None:
                raise CalculationError(
                    f"{_short(base)} ^ {format_number(exponent)} is not a rational number; "
                    "only whole-number powers and exact roots are computed"
                )
            base, exponent = root, Fraction(exponent.numerator)
        n = abs(exponent.numerator)
        # A lower bound of the result's size, checked before computing, so that
        # 9**387420489 is refused rather than attempted. 0, 1 and -1 stay small.
        bits = max(abs(base.numerator).bit_length(), base.denominator.bit_length())
        if bits > 1 and n * (bits - 1) > self.limits.max_bits:
            raise CalculationError(
                f"{_short(base)} ^ {_short(exponent)} is too large to compute "
                f"(limit about {self.limits.max_bits} bits)"
            )
        return base**exponent.numerator

    def _check_size(self, value: Fraction) -> None:
        if max(value.numerator.bit_length(), value.denominator.bit_length()) > self.limits.max_bits:
            raise CalculationError(
                f"an intermediate result is too large (limit about {self.limits.max_bits} bits)"
            )

    def _step(self, text: str) -> None:
        if len(self.steps) >= self.limits.max_steps:
            raise CalculationError(f"the expression has more than {self.limits.max_steps} steps")
        self.steps.append(text)


def _is_fraction_literal(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Div)
        and isinstance(node.left, ast.Constant)
        and isinstance(node.right, ast.Constant)
    )


def _short(value: Fraction) -> str:
    text = format_number(value)
    return text if len(text) <= 24 else f"{text[:10]}…({len(text)} characters)"


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return f"the name {node.id!r}"
    if isinstance(node, ast.Call):
        return "a function call"
    if isinstance(node, ast.Attribute):
        return "an attribute"
    if isinstance(node, ast.BinOp):
        return f"the operator {type(node.op).__name__}"
    if isinstance(node, ast.UnaryOp):
        return f"the operator {type(node.op).__name__}"
    return f"a {type(node).__name__} expression"


def integer_root(n: int, k: int) -> int:
    """The largest integer r with r**k <= n (n >= 0), by Newton's method on integers."""
    if n < 2:
        return n
    r = 1 << -(-n.bit_length() // k)  # a power of two at or above the root
    while True:
        s = ((k - 1) * r + n // r ** (k - 1)) // k
        if s >= r:
            return r
        r = s


def exact_root(value: Fraction, k: int) -> Fraction | None:
    """The rational k-th root of ``value``, or ``None`` when it is irrational or not real."""
    if k < 1 or k > MAX_ROOT or (value < 0 and k % 2 == 0):
        return None
    sign = -1 if value < 0 else 1
    top, bottom = abs(value.numerator), value.denominator
    a, b = integer_root(top, k), integer_root(bottom, k)
    if a**k != top or b**k != bottom:
        return None
    return sign * Fraction(a, b)


def is_terminating(value: Fraction) -> bool:
    """Whether ``value`` has a finite decimal form (its denominator divides a power of 10)."""
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def format_number(value: Fraction) -> str:
    """Short, readable form: an integer, an exact decimal, or a fraction like ``1/3``."""
    if value.denominator == 1:
        return str(value.numerator)
    if is_terminating(value):
        text = exact_decimal(value)
        if len(text) <= 30:
            return text
    return f"{value.numerator}/{value.denominator}"


def exact_decimal(value: Fraction) -> str:
    """The exact decimal form of a value with a terminating expansion."""
    scale = 0
    d = value.denominator
    while d != 1:
        # Each multiplication by 10 removes one factor 2 and/or one factor 5.
        scale += 1
        d //= _gcd10(d)
    digits = abs(value.numerator) * 10**scale // value.denominator
    sign = "-" if value < 0 else ""
    whole, frac = divmod(digits, 10**scale)
    return f"{sign}{whole}.{str(frac).rjust(scale, '0').rstrip('0')}".rstrip(".")


def _gcd10(d: int) -> int:
    g = 1
    if d % 2 == 0:
        g *= 2
    if d % 5 == 0:
        g *= 5
    return g


def decimal_form(value: Fraction, digits: int = DECIMAL_DIGITS) -> tuple[str, bool]:
    """A decimal text of ``value`` and whether it is rounded (``True``) or exact."""
    if value.denominator == 1:
        return str(value.numerator), False
    if is_terminating(value):
        text = exact_decimal(value)
        if len(text) <= 30:
            return text, False
    rounded = round(value, digits)
    if rounded == 0 and value != 0:
        # Very small: scientific notation keeps the significant digits.
        return f"{Decimal(value.numerator) / Decimal(value.denominator):.{digits}E}", True
    return exact_decimal(Fraction(rounded)), True


def rounded(value: Fraction, places: int) -> Fraction:
    """``value`` rounded to ``places`` decimals, halves away from zero (as people round)."""
    scale = Fraction(10) ** places
    whole = int(abs(value) * scale + Fraction(1, 2))
    return (-1 if value < 0 else 1) * Fraction(whole) / scale


def fixed(value: Fraction, places: int) -> str:
    """``value`` rounded to exactly ``places`` decimals: ``fixed(37.5, 2) == "37.50"``."""
    text = exact_decimal(rounded(value, places))
    if places <= 0:
        return text
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(places, '0')}"


def short_form(value: Fraction, significant: int = 4) -> str:
    """How an answer is shown to people: exact when the decimal ends, else rounded to
    ``significant`` digits but at least two decimals (``200/9`` → ``22.22``)."""
    text, approximate = decimal_form(value)
    if not approximate:
        return text
    return significant_form(value, significant)


def significant_form(value: Fraction, significant: int = 4) -> str:
    """``value`` rounded to ``significant`` digits, but to at least two decimals."""
    size = abs(value)
    digits = len(str(int(size))) if size >= 1 else 0
    places = max(2, significant - digits)
    if size < 1:
        # 0.000157… keeps its significant digits: count the zeros after the point.
        while size * 10 ** (places - significant + 1) < 1 and places < 30:
            places += 1
    return fixed(value, places)


def money_form(value: Fraction, cents: bool = False) -> str:
    """A sum of money: whole amounts as they are (``60``), others in cents (``37.50``);
    ``cents`` keeps two decimals even for a whole amount (the inputs had cents)."""
    if value.denominator == 1 and not cents:
        return str(value.numerator)
    return fixed(value, 2)
