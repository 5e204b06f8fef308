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
    short_form,
)


@dataclass(frozen=True, slots=True)
class Unit:
    symbol: str
    dimension: str
    factor: Fraction
    """How many base units one of this unit is."""


_LENGTHS: list[tuple[str, Fraction, tuple[str, ...]]] = [
    ("mm", Fraction(1, 1000), ("millimetre", "millimeter", "millimetres", "millimeters")),
    ("cm", Fraction(1, 100), ("centimetre", "centimeter", "centimetres", "centimeters")),
    ("m", Fraction(1), ("metre", "meter", "metres", "meters")),
    ("km", Fraction(1000), ("kilometre", "kilometer", "kilometres", "kilometers")),
    ("in", Fraction(254, 10000), ("inch", "inches")),
    ("ft", Fraction(3048, 10000), ("foot", "feet")),
    ("yd", Fraction(9144, 10000), ("yard", "yards")),
    ("mi", Fraction(1609344, 1000), ("mile", "miles")),
]


def _powers_of_lengths() -> list[tuple[str, str, Fraction, tuple[str, ...]]]:
    """Square and cubic units from the lengths: 1 ft² = 0.3048² m², 1 m³ = 1000 l."""
    rows: list[tuple[str, str, Fraction, tuple[str, ...]]] = []
    for symbol, factor, names in _LENGTHS:
        # "in2" and "in3" are left out: "in" followed by a number is usually the word.
        digits = symbol != "in"
        square = [f"{symbol}^2", f"sq {symbol}", f"sq. {symbol}", f"sq{symbol}"]
        square += [f"square {n}" for n in names] + [f"sq {n}" for n in names]
        rows.append((f"{symbol}²", "area", factor**2, (*square, *([f"{symbol}2"] * digits))))
        if symbol in ("km", "mi"):
            continue
        cubic = [f"{symbol}^3", f"cu {symbol}", f"cubic {symbol}"]
        cubic += [f"cubic {n}" for n in names]
        rows.append(
            (f"{symbol}³", "volume", factor**3 * 1000, (*cubic, *([f"{symbol}3"] * digits)))
        )
    return rows


def _units() -> dict[str, Unit]:
    table: list[tuple[str, str, Fraction, tuple[str, ...]]] = [
        *((symbol, "length", factor, names) for symbol, factor, names in _LENGTHS),
        ("nmi", "length", Fraction(1852), ("nautical mile", "nautical miles")),
        # time (base: second); no months or years: their length depends on the calendar
        ("ms", "time", Fraction(1, 1000), ("millisecond", "milliseconds")),
        ("s", "time", Fraction(1), ("sec", "secs", "second", "seconds")),
        ("min", "time", Fraction(60), ("mins", "minute", "minutes")),
        ("h", "time", Fraction(3600), ("hr", "hrs", "hour", "hours")),
        ("day", "time", Fraction(86400), ("d", "days")),
        ("week", "time", Fraction(604800), ("wk", "weeks")),
        # mass (base: kilogram); no "ton": short, long and metric tons differ
        ("mg", "mass", Fraction(1, 10**6), ("milligram", "milligrams")),
        ("g", "mass", Fraction(1, 1000), ("gram", "grams")),
        ("kg", "mass", Fraction(1), ("kilogram", "kilograms", "kilo", "kilos")),
        ("t", "mass", Fraction(1000), ("tonne", "tonnes", "metric ton", "metric tons")),
        ("oz", "mass", Fraction(28349523125, 10**12), ("ounce", "ounces")),
        ("lb", "mass", Fraction(45359237, 10**8), ("lbs", "pound", "pounds")),
        ("stone", "mass", Fraction(635029318, 10**8), ("stones",)),
        # volume (base: litre); gallons and fluid ounces are US unless named imperial
        (
            "ml",
            "volume",
            Fraction(1, 1000),
            ("millilitre", "milliliter", "millilitres", "milliliters"),
        ),
        (
            "cl",
            "volume",
            Fraction(1, 100),
            ("centilitre", "centiliter", "centilitres", "centiliters"),
        ),
        ("dl", "volume", Fraction(1, 10), ("decilitre", "deciliter", "decilitres", "deciliters")),
        ("l", "volume", Fraction(1), ("litre", "liter", "litres", "liters")),
        (
            "gal",
            "volume",
            Fraction(3785411784, 10**9),
            ("gallon", "gallons", "us gallon", "us gallons"),
        ),
        (
            "imp gal",
            "volume",
            Fraction(454609, 10**5),
            ("imperial gallon", "imperial gallons", "uk gallon", "uk gallons"),
        ),
        (
            "fl oz",
            "volume",
            Fraction(295735295625, 10**13),
            ("fluid ounce", "fluid ounces", "us fl oz"),
        ),
        # area (base: square metre), besides the squares of the lengths
        ("ha", "area", Fraction(10**4), ("hectare", "hectares")),
        ("acre", "area", Fraction(40468564224, 10**7), ("acres",)),
        *_powers_of_lengths(),
        # speed (base: metre per second)
        ("m/s", "speed", Fraction(1), ("metres per second", "meters per second", "m per s")),
        (
            "km/h",
            "speed",
            Fraction(1000, 3600),
            (
                "kph",
                "kmh",
                "kmph",
                "km/hr",
                "km per hour",
                "km an hour",
                "kilometres per hour",
                "kilometers per hour",
                "kilometres an hour",
                "kilometers an hour",
            ),
        ),
        (
            "mph",
            "speed",
            Fraction(1609344, 3600 * 1000),
            ("miles per hour", "miles an hour", "mi/h"),
        ),
        ("kn", "speed", Fraction(1852, 3600), ("knot", "knots")),
        ("ft/s", "speed", Fraction(3048, 10000), ("feet per second",)),
        # energy (base: joule); no "calorie": food calories are kilocalories
        ("J", "energy", Fraction(1), ("joule", "joules")),
        ("kJ", "energy", Fraction(1000), ("kilojoule", "kilojoules")),
        ("MJ", "energy", Fraction(10**6), ("megajoule", "megajoules")),
        ("Wh", "energy", Fraction(3600), ("watt-hour", "watt-hours", "watt hour", "watt hours")),
        (
            "kWh",
            "energy",
            Fraction(3600 * 10**3),
            (
                "kilowatt-hour",
                "kilowatt-hours",
                "kilowatt hour",
                "kilowatt hours",
            ),
        ),
        (
            "MWh",
            "energy",
            Fraction(3600 * 10**6),
            ("megawatt-hour", "megawatt-hours", "megawatt hours"),
        ),
        ("kcal", "energy", Fraction(4184), ("kilocalorie", "kilocalories")),
        (
            "BTU",
            "energy",
            Fraction(105505585262, 10**8),
            ("btus", "british thermal unit", "british thermal units"),
        ),
        # power (base: watt); hp is the mechanical horsepower (550 ft·lbf/s)
        ("W", "power", Fraction(1), ("watt", "watts")),
        ("kW", "power", Fraction(1000), ("kilowatt", "kilowatts")),
        ("MW", "power", Fraction(10**6), ("megawatt", "megawatts")),
        ("hp", "power", Fraction(74569987158227022, 10**14), ("horsepower",)),
        # pressure (base: pascal)
        ("Pa", "pressure", Fraction(1), ("pascal", "pascals")),
        ("kPa", "pressure", Fraction(1000), ("kilopascal", "kilopascals")),
        ("bar", "pressure", Fraction(10**5), ("bars",)),
        ("atm", "pressure", Fraction(101325), ("atmosphere", "atmospheres")),
        ("psi", "pressure", Fraction(44482216152605, 10**13) / Fraction(64516, 10**8), ()),
        # data (base: byte)
        ("B", "data", Fraction(1), ("byte", "bytes")),
        ("KB", "data", Fraction(1000), ("kilobyte", "kilobytes")),
        ("MB", "data", Fraction(10**6), ("megabyte", "megabytes")),
        ("GB", "data", Fraction(10**9), ("gigabyte", "gigabytes")),
        ("TB", "data", Fraction(10**12), ("terabyte", "terabytes")),
        ("KiB", "data", Fraction(1024), ("kibibyte", "kibibytes")),
        ("MiB", "data", Fraction(1024**2), ("mebibyte", "mebibytes")),
        ("GiB", "data", Fraction(1024**3), ("gibibyte", "gibibytes")),
    ]
    units: dict[str, Unit] = {}
    for symbol, dimension, factor, names in table:
        unit = Unit(symbol, dimension, factor)
        for name in (symbol, *names):
            # Matched lower-cased: "MB" and "mb" are one unit (there is no millibyte).
            units[name.lower()] = unit
    return units


UNITS = _units()
TEMPERATURES = {
    "c": "°C",
    "°c": "°C",
    "celsius": "°C",
    "centigrade": "°C",
    "degrees celsius": "°C",
    "degree celsius": "°C",
    "degrees centigrade": "°C",
    "degrees c": "°C",
    "deg c": "°C",
    "f": "°F",
    "°f": "°F",
    "fahrenheit": "°F",
    "degrees fahrenheit": "°F",
    "degree fahrenheit": "°F",
    "degrees f": "°F",
    "deg f": "°F",
    "k": "K",
    "kelvin": "K",
    "kelvins": "K",
}
PLURALS = {"day": "days", "week": "weeks"}
"""Unit symbols that are words, and read as words: "12 weeks", not "12 week"."""

_NAMES = sorted({*UNITS, *TEMPERATURES}, key=len, reverse=True)
UNIT_PATTERN = "(?:" + "|".join(re.escape(n) for n in _NAMES) + r")(?![\w²³])"
"""A unit's name or symbol, longest first, as a regular expression (matched lower-cased)."""
_UNIT = UNIT_PATTERN
_NUMBER = r"-?\d+(?:\.\d+)?(?:/\d+)?"
_ONE = r"(?:an?|one)\s+"
_QUANTITY = rf"(?:{_NUMBER}\s*|{_ONE}){_UNIT}"
_AMOUNT = rf"{_QUANTITY}(?:\s*(?:(?:and|plus)\s+|\+\s*)?{_QUANTITY})*"
"""Quantities added up: "2 h 30 min", "1.5 hours plus 45 minutes", "2 km + 350 m"."""
_JOINED_BEFORE = re.compile(
    r"(?:[-+*/%^\d\u00d7\u00f7]|\b(?:plus|minus|less|times|by|over|and|x)"
    r"|(?:[\d%]|\b(?:half|third|quarter|fraction|part|share|percent))\s*of"
    rf"|\d\s*{_UNIT}\s*,)\s*$",
    re.IGNORECASE,
)
_JOINED_AFTER = re.compile(
    r"^\s*(?:[-+*/%^\u00d7\u00f7]|(?:plus|minus|less|times|divided|multiplied|of|x)\b)",
    re.IGNORECASE,
)
"""An operation next to the amount ("25% of 3 hours in minutes", "4 1/2 hours", "3 km
minus 500 m"), or a list before it ("3 h 20 min, 1 h 45 min and 50 min in minutes"):
the amount converted would be only part of the quantity asked about."""
_AND_UNIT = rf"(?:\s+and\s+(?P<rest>{_UNIT}))?"
"""A second, smaller unit for the rest: "in hours and minutes", "in feet and inches"."""
_CONVERSIONS = [
    # "3 km in miles", "2 h 30 min to minutes"
    re.compile(
        rf"(?<![\w.,])(?P<amount>{_AMOUNT})\s+(?:in|to|into|as)\s+(?P<target>{_UNIT}){_AND_UNIT}",
        re.IGNORECASE,
    ),
    # "how many minutes are in 3.5 hours", "how many seconds in a day"
    re.compile(
        rf"\bhow\s+many\s+(?P<target>{_UNIT}){_AND_UNIT}\s+(?:(?:are|is)\s+(?:there\s+)?)?"
        rf"(?:in|make\s+up|make|is|are|equals?)\s+(?P<amount>{_AMOUNT})",
        re.IGNORECASE,
    ),
    # "3 m² is how many square feet"
    re.compile(
        rf"(?<![\w.,])(?P<amount>{_AMOUNT})\s+(?:is|are|equals|makes|=)\s+how\s+many\s+"
        rf"(?P<target>{_UNIT})",
        re.IGNORECASE,
    ),
]
_PART = re.compile(rf"(?:(?P<n>{_NUMBER})\s*|{_ONE})(?P<u>{_UNIT})", re.IGNORECASE)
# "º" (ordinal sign) is often typed for "°"; "℃" and "℉" are single characters.
_SIGNS = {"\u00ba": "°", "\u2103": "°c", "\u2109": "°f", "\u00a0": " "}


def unit(name: str) -> Unit | None:
    """The unit called ``name`` (any spelling in the table), or ``None``."""
    return UNITS.get(name.lower())


def label(symbol: str, amount: Fraction) -> str:
    """How a unit is written after ``amount``: its symbol, or a word in the plural."""
    return PLURALS.get(symbol, symbol) if amount != 1 and symbol in PLURALS else symbol


def _quantity(amount: Fraction, symbol: str) -> str:
    return f"{format_number(amount)} {label(symbol, amount)}"


class UnitError(ValueError):
    """A conversion between units that do not measure the same thing."""


@dataclass(slots=True)
class Conversion:
    """A converted quantity and the steps that explain it."""

    source: str
    target: str
    value: Fraction
    steps: list[str]
    shown: str = ""
    """The answer in two units ("3 h 20 min"), when asked so; ``value`` is in the smaller."""


def clean(text: str) -> str:
    """Text as the unit patterns read it: no thousands separators, one degree sign."""
    for sign, replacement in _SIGNS.items():
        text = text.replace(sign, replacement)
    text = re.sub(r"°\s+(?=[cf]\b)", "°", text, flags=re.IGNORECASE)
    return re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)


def find_conversion(text: str) -> Conversion | None:
    """The first unit conversion asked for in ``text``, computed; ``None`` when there is none.

    Raises :class:`UnitError` when the units do not match (metres in seconds).
    """
    text = clean(text)
    matches = [m for pattern in _CONVERSIONS if (m := pattern.search(text)) is not None]
    if not matches:
        return None
    match = min(matches, key=lambda m: m.start())
    start, end = match.span("amount")
    if _JOINED_BEFORE.search(text[:start]) or _JOINED_AFTER.search(text[end:]):
        raise UnitError(
            f"'{match['amount']}' is only part of what is asked; I convert one quantity, "
            "or quantities added with 'plus' ('1.5 h plus 45 min in minutes')"
        )
    target = match.group("target").lower()
    found = _PART.finditer(match["amount"])
    parts = [(Fraction(p.group("n") or 1), p.group("u").lower()) for p in found]
    rest = match.groupdict().get("rest")  # "in hours and minutes"
    if target in TEMPERATURES or any(u in TEMPERATURES for _, u in parts):
        if rest:
            raise UnitError("a temperature is given in one unit")
        return _temperature(parts, target, match.group(0))
    if rest:
        return _in_two_units(parts, target, rest.lower(), match.group(0))
    return _convert(parts, target, match.group(0))


def _in_two_units(
    parts: list[tuple[Fraction, str]], target: str, rest: str, source: str
) -> Conversion:
    """ "200 min in hours and minutes": whole hours, and the rest in minutes."""
    large, small = UNITS[target], UNITS[rest]
    if large.dimension != small.dimension or small.factor >= large.factor:
        raise UnitError(f"'{large.symbol} and {small.symbol}' is no larger unit and a smaller one")
    conversion = _convert(parts, rest, source)
    if all(UNITS[u] == small for _, u in parts):
        conversion.steps = []  # "200 min = 200 min": nothing to say
    if conversion.value < 0:
        raise UnitError("a negative amount is not split into units")
    ratio = large.factor / small.factor
    whole = int(conversion.value / ratio)
    left = conversion.value - whole * ratio
    rest_shown = f"{short_form(left)} {label(small.symbol, left)}"
    shown = (
        " ".join(
            [_quantity(Fraction(whole), large.symbol)] * (whole > 0) + [rest_shown] * (left != 0)
        )
        or rest_shown
    )
    step = (
        f"{_quantity(conversion.value, small.symbol)} = {whole} {TIMES} {format_number(ratio)} "
        f"+ {short_form(left)} = {shown}"
    )
    conversion.steps.append(step)
    conversion.shown = shown
    return conversion


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
            how = f"1 {unit.symbol} = {_quantity(ratio, goal.symbol)}, so "
            how += f"{_quantity(amount, unit.symbol)} = {format_number(amount)} {TIMES} "
            how += format_number(ratio)
        elif not is_terminating(1 / ratio):
            # Neither way ends (psi and bar): the factor as a fraction, and roughly.
            how = f"1 {unit.symbol} = {_quantity(ratio, goal.symbol)} "
            how += f"≈ {decimal_form(ratio)[0]} {goal.symbol}, so "
            how += f"{_quantity(amount, unit.symbol)} = {format_number(amount)} {TIMES} "
            how += format_number(ratio)
        else:
            # "1 mi = 1.609344 km" reads better than "1 km = 15625/25146 mi".
            how = f"1 {goal.symbol} = {_quantity(1 / ratio, unit.symbol)}, so "
            how += f"{_quantity(amount, unit.symbol)} = {format_number(amount)} {DIVIDED} "
            how += format_number(1 / ratio)
        steps.append(f"{how} = {_quantity(value, goal.symbol)}")
        total += value
    if len(parts) > 1:
        terms = " + ".join(format_number(a * UNITS[u].factor / goal.factor) for a, u in parts)
        steps.append(f"{terms} = {_quantity(total, goal.symbol)}")
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
    """The steps, then ``Answer:`` with the exact value and, when it does not end, a rounding."""
    answer = _quantity(conversion.value, conversion.target)
    text, rounded = decimal_form(conversion.value)
    if conversion.shown:
        return f"{'; '.join(conversion.steps)}. Answer: {conversion.shown}"
    if rounded:
        answer += f" ≈ {text} {label(conversion.target, conversion.value)}"
    return f"{'; '.join(conversion.steps)}. Answer: {answer}"


def display(conversion: Conversion) -> str:
    """The answer as people read it: ``"22.22 °C"``, ``"12 weeks"``, ``"3 h 20 min"``."""
    if conversion.shown:
        return conversion.shown
    return f"{short_form(conversion.value)} {label(conversion.target, conversion.value)}"
