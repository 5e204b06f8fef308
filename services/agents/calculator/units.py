"""Unit conversions, exact: "3 km in miles", "2 h 30 min in minutes", "100 °F in °C".

Every unit is an exact :class:`~fractions.Fraction` of its dimension's base
unit (the metre, the second, the kilogram, …), so a conversion is one exact
multiplication and division: 3 km = 3000 m, 1 mi = 1609.344 m exactly, so
3 km = 3000/1609.344 mi = 1864.1135767… mi. Temperatures are affine and
handled separately. Nothing here evaluates text; the quantity is read with a
regular expression and converted with fractions.
"""

import re
from dataclasses import dataclass
from fractions import Fraction

from services.agents.calculator.arithmetic import (
    DIVIDED,
    TIMES,
    decimal_form,
    format_number,
    is_terminating,
)


@dataclass(frozen=True, slots=True)
class Unit:
    symbol: str
    dimension: str
    factor: Fraction
    """How many base units one of this unit is."""


def _units() -> dict[str, Unit]:
    table: list[tuple[str, str, Fraction, tuple[str, ...]]] = [
        # length (base: metre)
        ("mm", "length", Fraction(1, 1000), ("millimetre", "millimeter", "millimetres")),
        ("cm", "length", Fraction(1, 100), ("centimetre", "centimeter", "centimetres")),
        ("m", "length", Fraction(1), ("metre", "meter", "metres", "meters")),
        ("km", "length", Fraction(1000), ("kilometre", "kilometer", "kilometres", "kilometers")),
        ("in", "length", Fraction(254, 10000), ("inch", "inches")),
        ("ft", "length", Fraction(3048, 10000), ("foot", "feet")),
        ("yd", "length", Fraction(9144, 10000), ("yard", "yards")),
        ("mi", "length", Fraction(1609344, 1000), ("mile", "miles")),
        ("nmi", "length", Fraction(1852), ("nautical mile", "nautical miles")),
        # time (base: second)
        ("ms", "time", Fraction(1, 1000), ("millisecond", "milliseconds")),
        ("s", "time", Fraction(1), ("sec", "secs", "second", "seconds")),
        ("min", "time", Fraction(60), ("mins", "minute", "minutes")),
        ("h", "time", Fraction(3600), ("hr", "hrs", "hour", "hours")),
        ("day", "time", Fraction(86400), ("d", "days")),
        ("week", "time", Fraction(604800), ("wk", "weeks")),
        # mass (base: kilogram)
        ("g", "mass", Fraction(1, 1000), ("gram", "grams")),
        ("kg", "mass", Fraction(1), ("kilogram", "kilograms", "kilo", "kilos")),
        ("t", "mass", Fraction(1000), ("tonne", "tonnes")),
        ("oz", "mass", Fraction(28349523125, 10**12), ("ounce", "ounces")),
        ("lb", "mass", Fraction(45359237, 10**8), ("lbs", "pound", "pounds")),
        # volume (base: litre)
        ("ml", "volume", Fraction(1, 1000), ("millilitre", "milliliter", "millilitres")),
        ("l", "volume", Fraction(1), ("litre", "liter", "litres", "liters")),
        ("gal", "volume", Fraction(3785411784, 10**9), ("gallon", "gallons", "us gallon")),
        # area (base: square metre)
        ("m2", "area", Fraction(1), ("m²", "square metre", "square meter", "square metres")),
        ("km2", "area", Fraction(10**6), ("km²", "square kilometre", "square kilometres")),
        ("ha", "area", Fraction(10**4), ("hectare", "hectares")),
        ("acre", "area", Fraction(40468564224, 10**7), ("acres",)),
        # speed (base: metre per second)
        ("m/s", "speed", Fraction(1), ("metres per second", "meters per second")),
        ("km/h", "speed", Fraction(1000, 3600), ("kph", "kmh", "kilometres per hour")),
        ("mph", "speed", Fraction(1609344, 3600 * 1000), ("miles per hour",)),
        # data (base: byte)
        ("B", "data", Fraction(1), ("byte", "bytes")),
        ("KB", "data", Fraction(1000), ("kilobyte", "kilobytes")),
        ("MB", "data", Fraction(10**6), ("megabyte", "megabytes")),
        ("GB", "data", Fraction(10**9), ("gigabyte", "gigabytes")),
        ("KiB", "data", Fraction(1024), ("kibibyte", "kibibytes")),
        ("MiB", "data", Fraction(1024**2), ("mebibyte", "mebibytes")),
        ("GiB", "data", Fraction(1024**3), ("gibibyte", "gibibytes")),
    ]
    units: dict[str, Unit] = {}
    for symbol, dimension, factor, names in table:
        unit = Unit(symbol, dimension, factor)
        for name in (symbol, *names):
            # Data units are case-sensitive in print (MB vs mb is the same here, though).
            units[name.lower()] = unit
    return units


UNITS = _units()
TEMPERATURES = {
    "c": "°C",
    "°c": "°C",
    "celsius": "°C",
    "degrees celsius": "°C",
    "f": "°F",
    "°f": "°F",
    "fahrenheit": "°F",
    "degrees fahrenheit": "°F",
    "k": "K",
    "kelvin": "K",
}

_NAMES = sorted({*UNITS, *TEMPERATURES}, key=len, reverse=True)
_UNIT = "(?:" + "|".join(re.escape(n) for n in _NAMES) + r")(?![\w²])"
_NUMBER = r"-?\d+(?:\.\d+)?(?:/\d+)?"
_QUANTITY = rf"{_NUMBER}\s*{_UNIT}"
_CONVERSION = re.compile(
    rf"(?P<amount>{_QUANTITY}(?:\s*(?:and\s+)?{_QUANTITY})*)\s+(?:in|to|into|as)\s+"
    rf"(?P<target>{_UNIT})",
    re.IGNORECASE,
)
_PART = re.compile(rf"(?P<n>{_NUMBER})\s*(?P<u>{_UNIT})", re.IGNORECASE)


class UnitError(ValueError):
    """A conversion between units that do not measure the same thing."""


@dataclass(slots=True)
class Conversion:
    """A converted quantity and the steps that explain it."""

    source: str
    target: str
    value: Fraction
    steps: list[str]


def find_conversion(text: str) -> Conversion | None:
    """The first unit conversion asked for in ``text``, computed; ``None`` when there is none.

    Raises :class:`UnitError` when the units do not match (metres in seconds).
    """
    match = _CONVERSION.search(text.replace(",", ""))
    if match is None:
        return None
    target = match.group("target").lower()
    found = _PART.finditer(match["amount"])
    parts = [(Fraction(p.group("n")), p.group("u").lower()) for p in found]
    if target in TEMPERATURES or any(u in TEMPERATURES for _, u in parts):
        return _temperature(parts, target, match.group(0))
    return _convert(parts, target, match.group(0))


def _convert(parts: list[tuple[Fraction, str]], target: str, source: str) -> Conversion:
    goal = UNITS[target]
    steps: list[str] = []
    total = Fraction(0)
    for amount, name in parts:
        unit = UNITS[name]
        if unit.dimension != goal.dimension:
            raise UnitError(
                f"cannot convert {unit.symbol} ({unit.dimension}) to {goal.symbol} "
                f"({goal.dimension})"
            )
        ratio = unit.factor / goal.factor
        value = amount * ratio
        if ratio.denominator == 1 or is_terminating(ratio):
            how = f"1 {unit.symbol} = {format_number(ratio)} {goal.symbol}, so "
            how += f"{format_number(amount)} {unit.symbol} = {format_number(amount)} {TIMES} "
            how += format_number(ratio)
        else:
            # "1 mi = 1.609344 km" reads better than "1 km = 15625/25146 mi".
            how = f"1 {goal.symbol} = {format_number(1 / ratio)} {unit.symbol}, so "
            how += f"{format_number(amount)} {unit.symbol} = {format_number(amount)} {DIVIDED} "
            how += format_number(1 / ratio)
        steps.append(f"{how} = {format_number(value)} {goal.symbol}")
        total += value
    if len(parts) > 1:
        terms = " + ".join(format_number(a * UNITS[u].factor / goal.factor) for a, u in parts)
        steps.append(f"{terms} = {format_number(total)} {goal.symbol}")
    return Conversion(source=source, target=goal.symbol, value=total, steps=steps)


def _temperature(parts: list[tuple[Fraction, str]], target: str, source: str) -> Conversion:
    if len(parts) != 1 or parts[0][1] not in TEMPERATURES or target not in TEMPERATURES:
        raise UnitError("temperatures convert only to other temperatures, one value at a time")
    amount, name = parts[0]
    frm, to = TEMPERATURES[name], TEMPERATURES[target]
    # Through kelvin: exact, since every offset and ratio is a fraction.
    kelvin = {
        "°C": amount + Fraction(27315, 100),
        "°F": (amount - 32) * Fraction(5, 9) + Fraction(27315, 100),
        "K": amount,
    }[frm]
    value = {
        "°C": kelvin - Fraction(27315, 100),
        "°F": (kelvin - Fraction(27315, 100)) * Fraction(9, 5) + 32,
        "K": kelvin,
    }[to]
    formula = {
        ("°C", "°F"): f"{format_number(amount)} {TIMES} 9/5 + 32",
        ("°F", "°C"): f"({format_number(amount)} - 32) {TIMES} 5/9",
        ("°C", "K"): f"{format_number(amount)} + 273.15",
        ("K", "°C"): f"{format_number(amount)} - 273.15",
    }.get((frm, to), f"{format_number(amount)} {frm} via kelvin")
    step = f"{format_number(amount)} {frm} = {formula} = {format_number(value)} {to}"
    return Conversion(source=source, target=to, value=value, steps=[step])


def explain(conversion: Conversion) -> str:
    answer = f"{format_number(conversion.value)} {conversion.target}"
    text, rounded = decimal_form(conversion.value)
    if rounded:
        answer += f" ≈ {text} {conversion.target}"
    return f"{'; '.join(conversion.steps)}. Answer: {answer}"
