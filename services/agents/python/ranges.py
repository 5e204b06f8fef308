"""Ranges of whole numbers as questions say them ("from 1 to 100", "between 10 and 30",
"below 1000", "both included") and the ranges they may mean."""

import re

from services.agents.python.phrases import NUM, alternatives, number

BELOW_EXCLUSIVE = ("below", "under", "less than", "smaller than", "lower than", "<")
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
    "<=",
    "\u2264",
)
BELOW = alternatives(*BELOW_EXCLUSIVE, *BELOW_INCLUSIVE)
ABOVE_EXCLUSIVE = (
    "above", "after", "greater than", "larger than", "bigger than", "over",
    "exceeding", "more than", "following", "higher than", ">",
)  # fmt: skip
ABOVE_INCLUSIVE = (
    "greater than or equal to", "at least", "not less than", "no less than", ">=", "\u2265",
)  # fmt: skip
ABOVE = alternatives(*ABOVE_EXCLUSIVE, *ABOVE_INCLUSIVE)
INCLUSIVE = alternatives(
    "inclusive", "inclusively", "both included", "both inclusive", "both ends included",
    "with both ends included", "including both", "including both ends", "ends included",
    "including both endpoints", "including both numbers", "endpoints included",
    "both numbers included", "inclusive of both", "inclusive of both ends", "each included",
    "including the endpoints", "including the ends",
)  # fmt: skip
EXCLUSIVE = alternatives(
    "exclusive", "both excluded", "both exclusive", "both ends excluded", "excluding both",
    "excluding both ends", "excluding both endpoints", "excluding the endpoints",
    "excluding the ends", "not including either", "not including either end",
    "endpoints excluded", "ends excluded", "neither included",
)  # fmt: skip
RANGE = (
    rf"(?:from (?P<a>{NUM}) (?:to|through|up to|until) (?P<b>{NUM})"
    rf"|between (?P<a2>{NUM}) and (?P<b2>{NUM})"
    rf"|(?P<a3>{NUM}) (?:through|thru) (?P<b3>{NUM})"
    rf"|(?P<rel>{BELOW}) (?P<x>{NUM}))"
    rf"(?P<ends>,? (?P<inclusive>\(?(?:{INCLUSIVE})\)?)|,? (?P<exclusive>\(?(?:{EXCLUSIVE})\)?))?"
)
"""A range of whole numbers, with what the question says of its ends ("both included");
:func:`readings` turns it into its possible meanings."""
INTEGERS = r"(?:(?:positive |whole |natural |counting )?(?:integers|numbers))"


def readings(m: re.Match[str]) -> list[tuple[int, int]] | None:
    """The inclusive ranges a :data:`RANGE` may mean: one, or two for "between a and b"
    (ends in or out), which the routine answers only when both give the same answer."""
    ends = "inclusive" if m["inclusive"] else "exclusive" if m["exclusive"] else ""
    if m["rel"]:
        x = number(m["x"])
        if x is None or ends:
            return None
        return [(1, x - 1 if m["rel"] in BELOW_EXCLUSIVE else x)]
    if m["a"] or m["a3"]:
        a, b = number(m["a"] or m["a3"]), number(m["b"] or m["b3"])
        if a is None or b is None or a > b or ends == "exclusive":
            return None  # "from 10 to 1": counting down, or nothing? Not ours to guess
        return [(a, b)]
    a, b = number(m["a2"]), number(m["b2"])
    if a is None or b is None or a > b:
        return None
    return {"inclusive": [(a, b)], "exclusive": [(a + 1, b - 1)]}.get(
        ends, [(a, b), (a + 1, b - 1)]
    )


def one(results: list[int]) -> int | None:
    """The one result every reading gives, or None when they differ."""
    return results[0] if results and all(r == results[0] for r in results) else None


def range_words(m: re.Match[str]) -> str:
    """The range as the question said it, for the answer's sentence."""
    return m["range"].strip(", ")
