"""A root that is not a rational number: "the square root of 2" is √2 ≈ 1.414213562373.

Exact roots (√144 = 12) are the expression path's; this one answers only a lone root,
correctly rounded from integer arithmetic (no floating point).
"""

import re
from fractions import Fraction

from services.agents.calculator.arithmetic import (
    DECIMAL_DIGITS,
    exact_root,
    format_number,
    integer_root,
)
from services.agents.calculator.problems.reading import N, Reading, Worked

_ROOT = re.compile(
    rf"\b(?:(?P<w>square|cube)\s+root\s+of\s+|(?P<s>sqrt|√|∛)\s*\(?\s*)(?P<x>{N})(?![\d%])\s*\)?"
)
_SIGNS = {"square": (2, "√"), "cube": (3, "∛"), "sqrt": (2, "√"), "√": (2, "√"), "∛": (3, "∛")}


def root(r: Reading) -> Worked | None:
    """A lone irrational square or cube root, rounded to 12 decimals."""
    match = r.find([_ROOT], "x")
    if match is None or r.has("[-+*/^\u00d7\u00f7]|\\b(?:plus|minus|times|divided|over)\\b"):
        return None
    k, sign = _SIGNS[match["w"] or match["s"]]
    x = Fraction(match["x"])
    if exact_root(x, k) is not None:
        return None  # exact: the expression path says so in its own words
    scale = 10 ** (DECIMAL_DIGITS + 1)
    # floor(root * 10^13), then rounded half up to 12 decimals.
    digits = integer_root(int(x * scale**k), k)
    approximate = Fraction((digits + 5) // 10, 10**DECIMAL_DIGITS)
    exact = f"{sign}{format_number(x)}"
    rounded = format_number(approximate)
    steps = [f"{exact} is not a rational number; to {DECIMAL_DIGITS} decimals it is {rounded}"]
    return Worked("root", match.group(0), steps, approximate, exact=exact)
