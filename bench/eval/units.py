"""Units a figure may carry, the words that name them, and conversion between units of
one dimension (``12 km`` is ``12 kilometres`` is ``12000 m``).

Currencies are each their own dimension: the judge has no exchange rates, so ``€60``
is not ``$60``. Calendar months and years convert to each other but not to days.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Unit:
    symbol: str
    dimension: str
    factor: float = 1.0
    """A value in this unit times ``factor`` plus ``offset`` is the value in the base unit."""
    offset: float = 0.0

    def to_base(self, value: float) -> float:
        return value * self.factor + self.offset

    def from_base(self, value: float) -> float:
        return (value - self.offset) / self.factor


def _plural(*words: str) -> list[str]:
    return [form for w in words for form in (w, f"{w}s")]


# symbol, dimension, factor, offset, the words written after a number
_TABLE: list[tuple[str, str, float, float, list[str]]] = [
    ("mm", "length", 0.001, 0, ["mm", *_plural("millimetre", "millimeter")]),
    ("cm", "length", 0.01, 0, ["cm", *_plural("centimetre", "centimeter")]),
    ("m", "length", 1, 0, ["m", *_plural("metre", "meter")]),
    ("km", "length", 1000, 0, ["km", "kms", *_plural("kilometre", "kilometer")]),
    ("inch", "length", 0.0254, 0, ["inch", "inches"]),
    ("ft", "length", 0.3048, 0, ["ft", "foot", "feet"]),
    ("yd", "length", 0.9144, 0, ["yd", *_plural("yard")]),
    ("mi", "length", 1609.344, 0, ["mi", *_plural("mile")]),
    ("mg", "mass", 0.001, 0, ["mg", *_plural("milligram")]),
    ("g", "mass", 1, 0, ["g", *_plural("gram", "gramme")]),
    ("kg", "mass", 1000, 0, ["kg", "kgs", *_plural("kilo", "kilogram", "kilogramme")]),
    ("lb", "mass", 453.59237, 0, ["lb", "lbs", *_plural("pound")]),
    ("oz", "mass", 28.349523125, 0, ["oz", *_plural("ounce")]),
    ("ml", "volume", 0.001, 0, ["ml", *_plural("millilitre", "milliliter")]),
    ("cl", "volume", 0.01, 0, ["cl", *_plural("centilitre", "centiliter")]),
    ("l", "volume", 1, 0, ["l", *_plural("litre", "liter")]),
    ("gal", "volume", 3.785411784, 0, ["gal", *_plural("gallon")]),
    ("s", "time", 1, 0, ["s", "sec", "secs", *_plural("second")]),
    ("min", "time", 60, 0, ["min", "mins", *_plural("minute")]),
    ("h", "time", 3600, 0, ["h", "hr", "hrs", *_plural("hour")]),
    ("day", "time", 86400, 0, _plural("day")),
    ("week", "time", 604800, 0, ["wk", "wks", *_plural("week")]),
    ("month", "calendar", 1, 0, _plural("month")),
    ("year", "calendar", 12, 0, ["yr", "yrs", *_plural("year")]),
    (
        "km/h",
        "speed",
        1 / 3.6,
        0,
        ["km/h", "kph", "kmh", "km per hour", "kilometres per hour", "kilometers per hour"],
    ),
    ("mph", "speed", 0.44704, 0, ["mph", "miles per hour", "mi/h"]),
    (
        "l/100 km",
        "fuel use",
        1,
        0,
        [
            f"{litres}{per}100{space}{km}"
            for litres in ("l", "litres", "liters")
            for per in ("/", " per ")
            for space in ("", " ")
            for km in ("km", "kilometres", "kilometers")
        ],
    ),
    (
        "l/km",
        "fuel use",
        100,
        0,
        [
            f"{litres}{per}{km}"
            for litres in ("l", "litres", "liters")
            for per in ("/", " per ")
            for km in ("km", "kilometre", "kilometer")
        ],
    ),
    ("m/s", "speed", 1, 0, ["m/s", "metres per second", "meters per second"]),
    (
        "°C",
        "temperature",
        1,
        273.15,
        ["°c", "ºc", "° c", "degrees celsius", "degree celsius", "degrees c", "celsius"],
    ),
    (
        "°F",
        "temperature",
        5 / 9,
        273.15 - 32 * 5 / 9,
        ["°f", "ºf", "° f", "degrees fahrenheit", "degree fahrenheit", "degrees f", "fahrenheit"],
    ),
    ("K", "temperature", 1, 0, _plural("kelvin")),
    ("%", "percent", 1, 0, ["%", "percent", "per cent"]),
    ("$", "money:$", 1, 0, ["usd", "us dollars", *_plural("dollar")]),
    ("€", "money:€", 1, 0, ["€", "eur", *_plural("euro")]),
    ("£", "money:£", 1, 0, ["gbp"]),
]

UNITS: dict[str, Unit] = {s: Unit(s, d, f, o) for s, d, f, o, _ in _TABLE}
_BY_WORD: dict[str, Unit] = {w: UNITS[s] for s, *_, words in _TABLE for w in words}
PREFIXES: dict[str, Unit] = {
    "us$": UNITS["$"],
    "$": UNITS["$"],
    "usd": UNITS["$"],
    "€": UNITS["€"],
    "eur": UNITS["€"],
    "£": UNITS["£"],
    "gbp": UNITS["£"],
}
"""Currency written before the number: ``$12``, ``USD 12``."""

SUFFIX_PATTERN = "|".join(
    re.escape(w).replace(r"\ ", r"\s+") for w in sorted(_BY_WORD, key=len, reverse=True)
)
"""A regular expression alternative for every unit word, the longest first."""
PREFIX_PATTERN = "|".join(re.escape(w) for w in sorted(PREFIXES, key=len, reverse=True))


def unit_named(word: str) -> Unit:
    """The unit a symbol or word names (``"kilometres"``, ``"km"``, ``"°C"``)."""
    key = " ".join(word.lower().split())
    found = UNITS.get(word) or _BY_WORD.get(key) or PREFIXES.get(key)
    if found is None:
        raise KeyError(f"unknown unit {word!r}; known: {', '.join(UNITS)}")
    return found


def convert(value: float, source: Unit, target: Unit) -> float | None:
    """``value`` in ``source`` expressed in ``target``; None across dimensions."""
    if source.dimension != target.dimension:
        return None
    return target.from_base(source.to_base(value))
