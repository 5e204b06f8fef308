"""Words that say how to compute, not what, before the question: "Using code, …", "Write a
program to count …", "In Python, …" (after it, "… with a program" is politeness that
:func:`phrases.normalize` takes off).

A question asked that way has the same answer as the question without them, so they are
taken off before the routines read it (a verb they carry is kept: "a program that counts
the primes" asks to count the primes). Only the words here are taken: anything else
("without using sympy", "recursively", "one per line") stays, and the routines decline
a question they do not read whole.
"""

import re

from services.agents.python.phrases import PROGRAM, alternatives

_POLITE = r"(?:(?:please|kindly)[,!]?\s+|(?:can|could|would|will)\s+you\s+(?:please\s+)?)?"
_VERBS = {
    "find": "find", "finds": "find", "compute": "compute", "computes": "compute",
    "calculate": "calculate", "calculates": "calculate", "count": "count", "counts": "count",
    "determine": "determine", "determines": "determine", "check": "check", "checks": "check",
    "work out": "work out", "works out": "work out", "evaluate": "evaluate",
    "evaluates": "evaluate", "sum": "sum", "sums": "sum", "add up": "add up",
    "adds up": "add up", "list": "list", "lists": "list", "get": "get", "gets": "get",
    "print": "", "prints": "", "print out": "", "prints out": "", "output": "", "outputs": "",
    "display": "", "displays": "", "show": "", "shows": "",
}  # fmt: skip
"""Verbs a program is asked to do, as the routines read them ("print" asks for the value)."""
_VERB = alternatives(*_VERBS)

_ASKED = re.compile(
    rf"^\s*{_POLITE}(?:(?:write|create)\s+{PROGRAM}\s+(?:to|that|which)(?:\s+(?:will|can|would))?"
    rf"|use\s+{PROGRAM}\s+to)\s+(?P<verb>{_VERB})\b\s*",
    re.IGNORECASE,
)
"""A program asked for: "Write a Python program that counts", "Use code to find"."""
_BY = re.compile(rf"^\s*(?:using|in|with|by|via)\s+{PROGRAM}\s*[,:]\s*", re.IGNORECASE)
"""How, said first: "Using code, ", "In Python: "."""


def without_method(question: str) -> str:
    """``question`` without the words that only say to compute it with code."""
    question = _BY.sub("", question, count=1)
    asked = _ASKED.match(question)
    if asked is not None:
        verb = _VERBS[" ".join(asked["verb"].lower().split())]
        question = (f"{verb} " if verb else "") + question[asked.end() :]
    return question
