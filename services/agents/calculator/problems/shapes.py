"""Areas, perimeters and volumes of plain shapes: "a rectangle is 12 m long and 7.5 m
wide, what is its area?" is 12 by 7.5 = 90 m²; "a circle with a radius of 3 cm" has an
area of 9π ≈ 28.27 cm²; "a tank 50 cm by 40 cm by 30 cm" holds 60 l.

Every number must be a length (one unit for all, or none at all) whose part in the shape
the words say: a circle's radius or diameter, a triangle's base and height, a cylinder's
height. A shape needs exactly as many lengths as it has sides to measure, and the
question asks one thing of it (an area, a perimeter, a volume, a hypotenuse); anything
else, a second shape or a surface area, is declined. Answers with π or a root that does
not end are worked out to 12 decimals from a 40-digit π, and shown rounded.
"""

import re
from dataclasses import dataclass
from fractions import Fraction

from services.agents.calculator.arithmetic import (
    DECIMAL_DIGITS,
    DIVIDED,
    TIMES,
    exact_root,
    format_number,
    integer_root,
    rounded,
)
from services.agents.calculator.problems.reading import Reading, Worked
from services.agents.calculator.units import UNIT_PATTERN, Unit, unit

PI = Fraction("3.1415926535897932384626433832795028841971")
"""π to 40 decimals: every answer is rounded to 12, far above what this leaves out."""

_SHAPES: list[tuple[str, re.Pattern[str]]] = [
    ("cylinder", re.compile(r"\bcylinders?\b|\bcylindrical\b")),
    ("sphere", re.compile(r"\bspheres?\b|\bspherical\b|\bballs?\b|\bglobes?\b")),
    ("cube", re.compile(r"\bcubes?\b(?!\s+root)|\bcube-shaped\b")),
    (
        "box",
        re.compile(r"\b(?:boxe?s?|cuboids?|rectangular prisms?)\b"),
    ),
    ("right triangle", re.compile(r"\bright(?:[- ]angled?)?[- ]triangles?\b")),
    ("triangle", re.compile(r"\btriangles?\b|\btriangular\b")),
    ("circle", re.compile(r"\bcircles?\b|\bcircular\b|\bdis[ck]s?\b|\bpizzas?\b")),
    (
        "square",
        re.compile(
            rf"(?<!perfect )\bsquares?\b(?!\s+(?:root|of|{UNIT_PATTERN}))"
            r"|\bsquare-shaped\b"
        ),
    ),
    ("rectangle", re.compile(r"\b(?:rectangles?|rectangular|oblong)\b")),
]
_THINGS = re.compile(
    r"\b(?:rooms?|floors?|gardens?|fields?|lawns?|plots?|patios?|carpets?|rugs?|walls?|courts?|"
    r"tables?|sheets?|boards?|tanks?|aquariums?|containers?|crates?|cartons?|pools?)\b"
)
"""Things measured as a rectangle (two lengths) or a box (three), unless a shape is named."""
_LENGTH = re.compile(rf"\s*(?P<u>{UNIT_PATTERN})")
_INCHES_NOT = re.compile(r"\s+(?!by\b|x\b|long\b|wide\b|high\b|tall\b|deep\b|and\b)[a-z]")
_OF_THE = r"\s+of\s+(?:the|a|an|this|that|my|our|its)\s+[a-z]+"
_LINK = r"(?:\s*(?:of|is|are|was|=|:|each|measures|measuring|exactly|just|equal to))*\s*$"
_ROLE_BEFORE = re.compile(
    r"\b(?P<w>radius|radii|diameter|height|base|sides?|edges?|length|width|breadth|depth|"
    rf"legs?)\b(?:{_OF_THE})?{_LINK}"
    r"|\b(?P<v>diagonal|hypotenuse|perimeter|circumference|area|volume)\b"
    rf"(?:{_OF_THE}\s+(?:is|are|was|=|:|measures|equals))?{_LINK}"
)
"""The part a length is, named before it: "a radius of 3 cm", "the base is 10 cm", "the
radius of a circle is 5 m"; a perimeter or an area named so is a length this module
does not measure from ("the perimeter of a square is 20 cm"), but "the area of a
rectangle 3 m by 50 cm" asks it."""
_ROLE_AFTER = re.compile(
    r"^\s*(?:in\s+)?(?P<w>radius|diameter|high|tall|deep|long|wide|across|thick|height|width|"
    r"length|depth|diagonal)\b"
)
_ROLES = {
    "radius": "r",
    "radii": "r",
    "diameter": "d",
    "across": "d",
    "height": "h",
    "high": "h",
    "tall": "h",
    "deep": "h",
    "depth": "h",
    "base": "b",
}
_SIDES = frozenset("side sides edge edges length long width wide breadth leg legs".split())
_CHAIN = re.compile(r"^\s*(?:[x\u00d7*]|by)\s*$")
"""Between two lengths that share the unit written after the last: "50 x 40 x 30 cm"."""
_ASKED: list[tuple[str, re.Pattern[str]]] = [
    ("area", re.compile(r"\barea\b|\bhow many square\b|\bsquare (?:footage|meterage)\b")),
    ("perimeter", re.compile(r"\bperimeter\b|\bcircumference\b|\bdistance around\b")),
    ("volume", re.compile(r"\bvolume\b|\bcapacity\b|\bholds?\b|\bhow many cubic\b")),
    ("hypotenuse", re.compile(r"\bhypotenuse\b|\blongest side\b")),
]
_NOT_ASKED = re.compile(
    r"\bsurface\b|\bdiagonal\b|\bsemi|\bhalf\b|\bhollow\b|\bcone\b|\bpyramid\b|\bpaint\b|"
    r"\btiles?\b|\bcost\b|\bprice\b|\bpercent\b|%|[$€£]|\bradius\b.*\bdiameter\b|\bdiameter\b"
    r".*\bradius\b|\bremaining\b|\bleft\b|\bwithout\b|\bminus\b|\bexcept\b"
)
"""Words of another question about a shape (its surface, its cost, a part of it)."""
_TARGETS = [
    re.compile(rf"\bhow\s+many\s+(?P<t>{UNIT_PATTERN})"),
    re.compile(rf"\b(?:in|into)\s+(?P<t>{UNIT_PATTERN})(?=\s*(?:[?.!,]|$))"),
]


@dataclass(slots=True)
class _Length:
    """A length in the text, in the unit of the first one (``None``: no unit at all)."""

    value: Fraction
    role: str
    unit: Unit | None
    span: tuple[int, int]
    written: str
    """As the text has it ("50 cm"), when that is another unit than the first's."""


def shape(r: Reading) -> Worked | None:
    """The area, perimeter or volume of a shape, or a right triangle's hypotenuse."""
    kinds = [kind for kind, pattern in _SHAPES if pattern.search(r.text)]
    asked = [kind for kind, pattern in _ASKED if pattern.search(r.text)]
    target = _target(r)
    if target is not None and target.dimension in ("area", "volume"):
        asked = sorted({*asked, target.dimension})
    if not (kinds or r.has(_THINGS)) or len(asked) != 1 or r.has(_NOT_ASKED):
        return None
    lengths = _lengths(r)
    if lengths is None or not r.placed([x.span for x in lengths]):
        return None
    kind = _kind(kinds, len(lengths), r.has(_THINGS))
    if kind is None:
        return None
    measure = _MEASURES.get((kind, asked[0]))
    if measure is None:
        return None
    found = measure(lengths)
    if found is None:
        return None
    steps, value, power, exact = found
    return _answer(r, kind, asked[0], lengths, steps, value, power, exact, target)


def _kind(kinds: list[str], count: int, thing: bool) -> str | None:
    """The one shape the text is about: a rectangle with three lengths is a box ("a
    rectangular tank"), a thing is a rectangle or a box by its lengths; two shapes, none."""
    if set(kinds) == {"right triangle", "triangle"}:
        return "right triangle"
    if set(kinds) <= {"rectangle", "box"} and (kinds or thing):
        return "box" if "box" in kinds or count == 3 else "rectangle"
    return kinds[0] if len(kinds) == 1 else None


def _lengths(r: Reading) -> list[_Length] | None:
    """Every number in the text as a length, with its part in the shape, all in the unit of
    the first; ``None`` when one is no length, or some have a unit and others none."""
    found: list[tuple[Fraction, str, Unit | None, tuple[int, int], int]] = []
    previous = 0
    for start, end in r.numbers:
        if (start and r.text[start - 1] in "$€£-") or r.text[end : end + 1] in ("%", "/", ":"):
            return None
        named = _LENGTH.match(r.text, end)
        length = unit(named["u"]) if named else None
        if named and (length is None or length.dimension != "length"):
            return None
        if named and length and length.symbol == "in" and _INCHES_NOT.match(r.text, named.end()):
            length = None  # "6 in length": the word, not inches
        after = named.end() if named and length else end
        role = _role(r.text[previous:start], r.text[after : after + 24])
        if role is None:
            return None
        found.append((Fraction(r.text[start:end]), role, length, (start, after), after))
        previous = after
    # A unit written once after a chain ("50 x 40 x 30 cm") is every length's in it.
    units = [f[2] for f in found]
    for i in range(len(found) - 2, -1, -1):
        if units[i] is None and _CHAIN.match(r.text[found[i][4] : found[i + 1][3][0]]):
            units[i] = units[i + 1]
    if not found or (None in units and any(units)):
        return None
    first = units[0]
    return [
        _Length(
            v * u.factor / first.factor if u and first else v,
            role,
            first,
            span,
            f"{_n(v)} {u.symbol}" if u and first and u != first else "",
        )
        for (v, role, _, span, _), u in zip(found, units, strict=True)
    ]


def _role(before: str, after: str) -> str | None:
    """What a length is in its shape, from the words beside it: "r", "d", "h", "b", "s"
    (a side, or no word), or ``None`` for a part this module does not measure from."""
    words = [m["w"] or m["v"] for m in (_ROLE_BEFORE.search(before), _ROLE_AFTER.match(after)) if m]
    roles = {_ROLES.get(w, "s" if w in _SIDES else "?") for w in words}
    if "?" in roles or len(roles) > 1:
        return None
    return roles.pop() if roles else "s"


_Found = tuple[list[str], Fraction, int, str]
"""Steps, the value (rounded to 12 decimals when it has no end), the power of the length
unit it is in (1, 2 or 3), and its exact form when rounded ("9π", "√74")."""


def _n(x: Fraction) -> str:
    return format_number(x)


def _with_pi(coefficient: Fraction, formula: str, power: int) -> _Found:
    value = rounded(coefficient * PI, DECIMAL_DIGITS)
    exact = f"({_n(coefficient)})π" if "/" in _n(coefficient) else f"{_n(coefficient)}π"
    steps = [f"{formula} = {exact}", f"with π ≈ 3.14159265359, {exact} ≈ {_n(value)}"]
    return steps, value, power, exact


def _radius(lengths: list[_Length]) -> tuple[Fraction, list[str]] | None:
    given = [x for x in lengths if x.role in ("r", "d")]
    if len(given) != 1:
        return None
    x = given[0]
    if x.role == "r":
        return x.value, []
    return x.value / 2, [f"radius = {_n(x.value)} {DIVIDED} 2 = {_n(x.value / 2)}"]


def _rectangle_area(lengths: list[_Length]) -> _Found | None:
    if len(lengths) != 2 or any(x.role in ("r", "d") for x in lengths):
        return None
    a, b = (x.value for x in lengths)
    return [f"{_n(a)} {TIMES} {_n(b)} = {_n(a * b)}"], a * b, 2, ""


def _rectangle_perimeter(lengths: list[_Length]) -> _Found | None:
    if len(lengths) != 2 or any(x.role in ("r", "d") for x in lengths):
        return None
    a, b = (x.value for x in lengths)
    return [f"2 {TIMES} ({_n(a)} + {_n(b)}) = {_n(2 * (a + b))}"], 2 * (a + b), 1, ""


def _side(lengths: list[_Length]) -> Fraction | None:
    return lengths[0].value if len(lengths) == 1 and lengths[0].role == "s" else None


def _square_area(lengths: list[_Length]) -> _Found | None:
    s = _side(lengths)
    return None if s is None else ([f"{_n(s)} {TIMES} {_n(s)} = {_n(s * s)}"], s * s, 2, "")


def _square_perimeter(lengths: list[_Length]) -> _Found | None:
    s = _side(lengths)
    return None if s is None else ([f"4 {TIMES} {_n(s)} = {_n(4 * s)}"], 4 * s, 1, "")


def _cube_volume(lengths: list[_Length]) -> _Found | None:
    s = _side(lengths)
    return None if s is None else ([f"{_n(s)}³ = {_n(s**3)}"], s**3, 3, "")


def _circle_area(lengths: list[_Length]) -> _Found | None:
    found = _radius(lengths) if len(lengths) == 1 else None
    if found is None:
        return None
    r, steps = found
    worked = _with_pi(r * r, f"area = π {TIMES} {_n(r)}²", 2)
    return steps + worked[0], *worked[1:]


def _circumference(lengths: list[_Length]) -> _Found | None:
    found = _radius(lengths) if len(lengths) == 1 else None
    if found is None:
        return None
    r, _ = found
    return _with_pi(2 * r, f"circumference = 2 {TIMES} π {TIMES} {_n(r)}", 1)


def _sphere_volume(lengths: list[_Length]) -> _Found | None:
    found = _radius(lengths) if len(lengths) == 1 else None
    if found is None:
        return None
    r, steps = found
    worked = _with_pi(Fraction(4, 3) * r**3, f"volume = 4/3 {TIMES} π {TIMES} {_n(r)}³", 3)
    return steps + worked[0], *worked[1:]


def _cylinder_volume(lengths: list[_Length]) -> _Found | None:
    heights = [x for x in lengths if x.role == "h"]
    found = _radius(lengths) if len(lengths) == 2 and len(heights) == 1 else None
    if found is None:
        return None
    r, steps = found
    h = heights[0].value
    worked = _with_pi(r * r * h, f"volume = π {TIMES} {_n(r)}² {TIMES} {_n(h)}", 3)
    return steps + worked[0], *worked[1:]


def _box_volume(lengths: list[_Length]) -> _Found | None:
    if len(lengths) != 3 or any(x.role in ("r", "d") for x in lengths):
        return None
    a, b, c = (x.value for x in lengths)
    return [f"{_n(a)} {TIMES} {_n(b)} {TIMES} {_n(c)} = {_n(a * b * c)}"], a * b * c, 3, ""


def _triangle_area(lengths: list[_Length]) -> _Found | None:
    roles = sorted(x.role for x in lengths)
    if roles != ["b", "h"]:
        return None
    b, h = (next(x.value for x in lengths if x.role == role) for role in ("b", "h"))
    return [f"{_n(b)} {TIMES} {_n(h)} {DIVIDED} 2 = {_n(b * h / 2)}"], b * h / 2, 2, ""


def _right_triangle_area(lengths: list[_Length]) -> _Found | None:
    if sorted(x.role for x in lengths) == ["b", "h"]:
        return _triangle_area(lengths)
    if len(lengths) != 2 or any(x.role != "s" for x in lengths):
        return None
    a, b = (x.value for x in lengths)
    step = f"the legs are base and height: {_n(a)} {TIMES} {_n(b)} {DIVIDED} 2 = {_n(a * b / 2)}"
    return [step], a * b / 2, 2, ""


def _triangle_perimeter(lengths: list[_Length]) -> _Found | None:
    if len(lengths) != 3 or any(x.role != "s" for x in lengths):
        return None
    a, b, c = sorted(x.value for x in lengths)
    if a + b <= c:
        return None  # no triangle has these sides
    return [f"{_n(a)} + {_n(b)} + {_n(c)} = {_n(a + b + c)}"], a + b + c, 1, ""


def _hypotenuse(lengths: list[_Length]) -> _Found | None:
    if len(lengths) != 2 or any(x.role not in ("s", "b", "h") for x in lengths):
        return None
    a, b = (x.value for x in lengths)
    square = a * a + b * b
    steps = [f"√({_n(a)}² + {_n(b)}²) = √{_n(square)}"]
    root = exact_root(square, 2)
    if root is not None:
        return [*steps[:1], f"√{_n(square)} = {_n(root)}"], root, 1, ""
    scale = 10 ** (DECIMAL_DIGITS + 1)
    # floor(√square * 10^13) from integers, then rounded half up to 12 decimals.
    digits = integer_root(int(square * scale**2), 2)
    value = Fraction((digits + 5) // 10, 10**DECIMAL_DIGITS)
    steps.append(f"√{_n(square)} ≈ {_n(value)}")
    return steps, value, 1, f"√{_n(square)}"


_MEASURES = {
    ("rectangle", "area"): _rectangle_area,
    ("rectangle", "perimeter"): _rectangle_perimeter,
    ("square", "area"): _square_area,
    ("square", "perimeter"): _square_perimeter,
    ("circle", "area"): _circle_area,
    ("circle", "perimeter"): _circumference,
    ("triangle", "area"): _triangle_area,
    ("triangle", "perimeter"): _triangle_perimeter,
    ("right triangle", "area"): _right_triangle_area,
    ("right triangle", "hypotenuse"): _hypotenuse,
    ("box", "volume"): _box_volume,
    ("cube", "volume"): _cube_volume,
    ("cylinder", "volume"): _cylinder_volume,
    ("sphere", "volume"): _sphere_volume,
}
_POWERS = {1: "", 2: "²", 3: "³"}


def _target(r: Reading) -> Unit | None:
    for pattern in _TARGETS:
        if (match := pattern.search(r.text)) is not None:
            return unit(match["t"])
    return None


def _answer(
    r: Reading,
    kind: str,
    asked: str,
    lengths: list[_Length],
    steps: list[str],
    value: Fraction,
    power: int,
    exact: str,
    target: Unit | None,
) -> Worked | None:
    """The answer in the unit of the lengths raised to ``power`` (m, m², m³), or in the
    unit asked for when it measures the same (litres for a volume)."""
    given = lengths[0].unit
    shown = f"{given.symbol}{_POWERS[power]}" if given else ""
    named = [
        f"{x.written} = {_n(x.value)} {given.symbol}"
        if x.written
        else f"{_n(x.value)} {given.symbol}"
        for x in lengths
        if given is not None
    ]
    given_as = f" (lengths {', '.join(named)})" if named else ""
    steps = [f"{asked} of the {kind}{given_as}: {steps[0]}", *steps[1:]]
    steps[-1] = f"{steps[-1]} {shown}".rstrip()
    if target is not None and target.symbol != shown:
        measured = unit(shown) if shown else None
        if measured is None or measured.dimension != target.dimension:
            return None
        ratio = measured.factor / target.factor
        converted = value * ratio
        if exact.endswith("π"):
            coefficient = Fraction(exact[:-1].strip("()")) * ratio
            converted = rounded(coefficient * PI, DECIMAL_DIGITS)
            exact = _with_pi(coefficient, "", power)[3]
        elif exact:
            return None  # a root in another unit: asked in the unit it was given in
        steps.append(f"{_n(value)} {shown} = {_n(converted)} {target.symbol}")
        value, shown = converted, target.symbol
    source = r.between([x.span for x in lengths])
    return Worked(asked, source, steps, value, unit=shown, exact=exact)
