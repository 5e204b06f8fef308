"""A conversion whose amount is in another sentence: "It's 68 °F. What's that in
Celsius?" (20 °C), "The room is 4 m wide. How many feet is that?" (13.12 ft).

The text holds one number, with its unit, and a question that points back at it ("that",
"it"); the conversion itself is :mod:`units`'.
"""

import re

from services.agents.calculator.problems.reading import N, Reading, Worked
from services.agents.calculator.units import UNIT_PATTERN, UnitError, find_conversion

_QUANTITY = re.compile(rf"(?<![\w.])(?P<q>-?{N}\s*{UNIT_PATTERN})")
_QUESTION = re.compile(
    rf"(?:what(?:'s| is) (?:that|this|it)|convert (?:that|this|it))\s+(?:in|to|into)\s+"
    rf"(?P<t>{UNIT_PATTERN})\s*[?.!]?$"
    rf"|how many (?P<u>{UNIT_PATTERN}) (?:is|are) (?:that|this|it)\s*[?.!]?$"
)


def referred_conversion(r: Reading) -> Worked | None:
    """The one quantity of the text, converted to the unit the last sentence asks for."""
    question = _QUESTION.search(r.text)
    quantities = list(_QUANTITY.finditer(r.text))
    if question is None or len(r.numbers) != 1 or len(quantities) != 1:
        return None
    if quantities[0].end() > question.start() or not r.placed([quantities[0].span("q")]):
        return None
    target = question["t"] or question["u"]
    try:
        conversion = find_conversion(f"{quantities[0]['q']} in {target}")
    except UnitError:
        return None
    if conversion is None:
        return None
    return Worked(
        "conversion", conversion.source, conversion.steps, conversion.value, unit=conversion.target
    )
