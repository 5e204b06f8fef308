"""The quantities of a word problem: each number with what it counts or measures.

"3 lamps" counts lamps, "$45 each" is money per lamp, "300 g of flour" measures flour,
"180 boxes a day" is boxes per day, "15% restocking fee" is a percentage with the word
that says what it does, and "180 g of sugar for 12 cookies" is one rate, 15 g per
cookie. Amounts of one dimension are put in the first unit the text uses for it
(1 year = 12 months when months came first). :func:`read_quantities` reads every
number or none: a number it cannot say what it is of leaves the text unread (``None``).
"""

import re
from dataclasses import dataclass, field
from fractions import Fraction

from services.agents.calculator.problems.measures import (
    AGENTS,
    UNIT,
    Dims,
    Measure,
    is_time,
    measure,
    noun,
    product,
    show,
    singular,
    speed,
    unit_or_noun,
)
from services.agents.calculator.problems.reading import CURRENCY, N, Reading

PERCENT_KINDS = {
    "tax": "tax",
    "vat": "tax",
    "gst": "tax",
    "hst": "tax",
    "tip": "tip",
    "gratuity": "tip",
    "service charge": "tip",
    "off": "off",
    "discount": "off",
    "reduction": "off",
    "markdown": "off",
    "fee": "fee",
    "commission": "fee",
    "surcharge": "fee",
    "charge": "fee",
    "penalty": "fee",
    "markup": "up",
    "mark-up": "up",
    "increase": "up",
    "rise": "up",
    "raise": "up",
    "hike": "up",
    "deposit": "deposit",
    "down payment": "deposit",
    "interest": "interest",
}
"""What a percentage does, by the word that names it."""
_KIND = "(?:" + "|".join(sorted(PERCENT_KINDS, key=len, reverse=True)) + r")\b"
_KIND_AFTER = re.compile(rf"%\s*(?:(?!of\b|on\b|for\b|to\b|and\b)[a-z-]+\s+){{0,2}}?(?P<k>{_KIND})")
_KIND_BEFORE = re.compile(
    rf"\b(?P<k>{_KIND})\s+(?:rate\s+)?(?:is|of|at|was|will be|comes to|:)?\s*"
    r"(?:an?\s+|only\s+|just\s+)?$"
)
_VERB_BEFORE = re.compile(
    r"\b(?:(?P<up>plus|add|adds|(?:increased|raised|marked up|goes up|went up|rises|rose) by)"
    r"|(?P<off>less|minus|(?:reduced|discounted|cut|lowered|marked down|decreased) by)"
    r"|(?P<tip>tip|tips|tipping|leave|leaves))\s+(?:an?\s+)?$"
)
_PERIODS = {
    "hourly": "h",
    "daily": "day",
    "weekly": "week",
    "monthly": "month",
    "quarterly": "quarter",
    "yearly": "year",
    "annual": "year",
    "annually": "year",
    "per annum": "year",
}
_PERIOD = "(?:" + "|".join(_PERIODS) + r")\b"
_PER = re.compile(
    r"(?P<fee>\s+(?:[a-z-]+\s+)?(?:fee|charge|surcharge|deposit|rental|rent|insurance))?"
    rf"(?:\s*/\s*|\s+(?:per|an?|each|every|for each|for every)\s+)(?:(?P<n>{N})\s*)?"
    rf"(?P<w>{UNIT}|(?!additional\b|extra\b|further\b|other\b)[a-z]+)"
)
_EACH = re.compile(r"\s*(?:each|apiece|a piece|per item|per unit|a unit)\b")
_PERIOD_AFTER = re.compile(rf"\s+(?P<p>{_PERIOD})")
_PERIOD_BEFORE = re.compile(
    rf"\b(?P<p>{_PERIOD})\s+(?:[a-z-]+\s+){{0,2}}?(?:of|is|at|costs?|:)?\s*(?:an?\s+)?$"
)
_PERCENT_PER = re.compile(
    rf"%(?:\s+of\s+(?:the\s+|an?\s+|its\s+|their\s+)?[a-z]+)?\s+"
    rf"(?:per|an?|each|every|for each|for every)\s+(?P<w>{UNIT})"
)
_UNIT_AFTER = re.compile(rf"\s*-?\s*(?P<u>{UNIT})")
_SUBSTANCE = re.compile(r"\s+of\s+(?:the\s+)?(?P<s>[a-z]+)")
_WORDS = re.compile(r"\s+([a-z-]+(?:\s+[a-z-]+){0,3})")
_PLUS_BEFORE = re.compile(
    r"\b(?:plus|add|adding|added|also|extra|additional|in addition(?: to)?|on top(?: of)?)"
    r"\s+(?:an?\s+|the\s+)?(?:[a-z-]+\s+){0,2}$|\+\s*$"
)
_FEE_BEFORE = re.compile(
    r"\b(?P<f>fee|charge|surcharge|fare|deposit|shipping|delivery|postage)\s+(?:of|is|:)\s+$"
)
_FEE_AFTER = re.compile(
    r"\s*(?:[a-z-]+\s+){0,2}?(?P<f>fee|charge|surcharge|deposit|shipping|delivery|postage)\b"
)
_LESS_BEFORE = re.compile(
    r"\b(?:minus|less|subtract|deduct|take away|(?:coupon|voucher|gift card) (?:for|of|worth)|"
    r"(?:discount|rebate|credit) of)\s+(?:an?\s+)?$"
)
_LESS_AFTER = re.compile(r"\s*(?:off|discount|coupon|voucher|rebate|credit)\b")
_VERBS = (
    "costs?|is|are|sells? for|is priced at|are priced at|goes for|go for|holds?|contains?|has|"
    "have|carr(?:y|ies)|seats?|fits?|needs?|uses?|takes?|weighs?|makes?|produces?|serves?|"
    "feeds?|covers?|gets?|earns?"
)
_ONE_OF = re.compile(
    rf"(?:\b(?:a|an|each|one|per|every)\s+(?P<one>[a-z]+)|(?<!\d\s)(?<!\d)\b(?P<all>[a-z]+s))"
    rf"\s+(?:(?:{_VERBS})\s+(?:only\s+|just\s+|about\s+)?|at\s+)$"
)
"""What one thing costs or holds ("a coffee costs $4.50", "a box holds 24 cans", "tickets
cost $12"): per that thing, when the text counts it elsewhere ("5 coffees")."""
_EACH_BEFORE = re.compile(rf"\beach\s+(?:one\s+)?(?:{_VERBS})\s+$")
"""A quantity that "each" has ("28 students and each needs 3 pencils"): per the thing
counted before it. (Not money: "each of the 4 people pays $25" is no question here.)"""
_SHIPPING = frozenset({"shipping", "delivery", "postage"})
_FREE = re.compile(
    r"\b(?:(?:ships?|shipping|delivery|postage)\s+(?:is\s+)?free|free\s+(?:shipping|delivery|"
    r"postage))\s+(?:(?:on|for)\s+(?:orders?|purchases?)\s+)?(?P<op>above|over|of more than|"
    rf"more than|from|of at least|at least)\s+[{CURRENCY}]\s?(?P<n>{N})"
)
_PAIR = re.compile(
    r"\s+(?:is\s+|are\s+)?(?:enough\s+)?(?:for|makes?|serves?|feeds?|covers?|"
    r"to (?:make|serve|feed|cover)|will (?:make|serve|feed|cover))\s+(?:an?\s+)?"
)
_PAIR_BACK = re.compile(
    r"\s*,?\s+(?:it\s+|you\s+|we\s+|they\s+|that\s+|which\s+)?(?:needs?|uses?|requires?|"
    r"calls for|costs?|weighs?|takes?|will (?:need|use|cost|take))\s+(?:an?\s+|about\s+)?"
)
_COUNT_AT = re.compile(rf"(?<![\d.])\d+\s+(?!{UNIT})[a-z]+s\s+at\s+$")
_FOR = re.compile(r"\s+for\s+(?:only\s+|just\s+)?")
_IN = re.compile(r"\s+(?:in|within|every|each)\s+")
_ELIDED = re.compile(
    r"(?:\s+(?:on|in|at|during|by|for)\s+[a-z]+)*\s*(?:,\s*|,?\s*(?:and|then|but|or|to|vs\.?|"
    r"versus)\s+)$"
)
_UNIT_PHRASE = re.compile(
    rf"(?:\b(?:in|into|as)\s+{UNIT}\s*(?:per|/|for every)|\bper|\bfor every)\s*(?P<n>{N})\s*"
    rf"{UNIT}"
)
"""A unit with a number in it ("in litres per 100 km", "the price per 100 g"): no quantity
given (a rate's own "6 litres per 100 km" is read with the rate)."""
_MORE = re.compile(rf"\s*(?:and\s+)?(?P<n>{N})\s*(?P<u>{UNIT})")
_OF_US = re.compile(r"\s+of\s+(?:us|them|you)\b")
_ONE_UNIT = re.compile(
    rf"\b(?:for|in|over|within|during)\s+(?:an?|one|the(?:\s+(?:first|next|whole|full))?)\s+"
    rf"(?P<u>{UNIT})"
)
"""One of a unit without a number: "what it costs for a year"."""
_SERVES = re.compile(r"\b(?:serves|feeds|serving|to serve|to feed)\s+$")


@dataclass(slots=True)
class Quantity:
    """A number and what it is: ``value`` in the text's first unit of each base."""

    value: Fraction
    dims: Dims
    spans: list[tuple[int, int]]
    start: int
    end: int
    money: bool = False
    cents: bool = False
    substance: str = ""
    percent: str = ""
    """What a percentage does (a key's value of :data:`PERCENT_KINDS`), "" when no percent."""
    mark: str = ""
    """Words that add it ("plus"), name it a fee ("fee") or take it off ("less")."""
    shipping: bool = False
    fee: str = ""
    """The word that names an amount a fee ("fee", "deposit", "shipping")."""
    each: bool = False
    """ "$45 each": per the thing counted before it, found when all are read."""
    one_of: str = ""
    """ "A coffee costs $4.50": per coffee, when coffees are counted."""
    parts: tuple["Quantity", "Quantity"] | None = None
    """A rate read from two amounts: "180 g for 12 cookies"."""
    notes: list[str] = field(default_factory=list)
    """Conversions into the first unit ("1 year = 12 months")."""


@dataclass(slots=True)
class Threshold:
    """ "Ships free above $500": the total it is checked against."""

    amount: Fraction
    strict: bool
    span: tuple[int, int]


@dataclass(slots=True)
class Quantities:
    items: list[Quantity]
    names: dict[str, str]
    """The first unit of each base, as written in steps (``month``, ``km``, ``lamp``)."""
    sizes: dict[str, Fraction]
    """The size of that first unit in its base's reference unit (1000 for km)."""
    thresholds: list[Threshold]

    def show(self, value: Fraction, dims: Dims) -> str:
        return show(value, dims, self.names)


class _Units:
    """The first unit of each base, and amounts put in it."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.sizes: dict[str, Fraction] = {}

    def put(self, amount: Fraction, m: Measure, notes: list[str]) -> Fraction:
        size = self.sizes.setdefault(m.base, m.factor)
        self.names.setdefault(m.base, m.name)
        if size == m.factor:
            return amount
        value = amount * m.factor / size
        dims = ((m.base, 1),)
        notes.append(f"{show(amount, ((m.name, 1),), {})} = {show(value, dims, self.names)}")
        return value


def read_quantities(r: Reading) -> Quantities | None:
    """Every number of ``r`` as a quantity, or ``None`` when one cannot be read."""
    units = _Units()
    thresholds = [
        Threshold(
            Fraction(m["n"]), m["op"] in ("above", "over", "more than", "of more than"), m.span("n")
        )
        for m in _FREE.finditer(r.text)
    ]
    taken = {t.span for t in thresholds} | {m.span("n") for m in _UNIT_PHRASE.finditer(r.text)}
    items: list[Quantity] = []
    for span in r.numbers:
        if span in taken or any(a <= span[0] < b for q in items for a, b in q.spans):
            continue
        quantity = _read(r, span, units, items)
        if quantity is None:
            return None
        items.append(quantity)
    for m in _ONE_UNIT.finditer(r.text):
        found = measure(m["u"])
        if found is not None and not any(q.start <= m.start("u") < q.end for q in items):
            notes: list[str] = []
            value = units.put(Fraction(1), found, notes)
            items.append(Quantity(value, ((found.base, 1),), [], m.start(), m.end(), notes=notes))
    items.sort(key=lambda q: q.start)
    if not _resolve_each(items, units):
        return None
    paired = _pairs(r, items)
    if paired is None:
        return None
    return Quantities(paired, units.names, units.sizes, thresholds)


def _read(
    r: Reading, span: tuple[int, int], units: _Units, items: list[Quantity]
) -> Quantity | None:
    s, e = span
    text, amount = r.text, Fraction(r.text[s:e])
    if amount == 0:
        return None  # nothing of something, or per nothing: no everyday problem
    if text[e : e + 1] == "%":
        return _percent(r, span, units)
    after = text[e:]
    if after[:1].isalpha() and _UNIT_AFTER.match(after) is None:
        return None  # "$30k", "3x", "5th": more than a number
    sign = text[max(0, s - 2) : s].strip()
    if sign and sign[-1] in CURRENCY:
        return _money(r, span, sign[-1], units)
    notes: list[str] = []
    words = _WORDS.match(after)
    counted = noun(words[1].split()) if words else None
    if (m := _UNIT_AFTER.match(after)) is not None:
        word = m["u"]
        if (pair := speed(word)) is not None:
            top, bottom = pair
            value = units.put(amount, top, notes)
            value /= units.put(Fraction(1), bottom, notes)
            dims = product(((top.base, 1),), ((bottom.base, 1),), -1)
            assert dims is not None
            return Quantity(value, dims, [span], s, e + m.end(), notes=notes)
        found = measure(word)
        if found is None:
            return None
        end = e + m.end()
        amount, end = _compound(text, amount, found, end, span)
    elif counted is not None:
        found, end = counted[0], _word_end(text, e, counted[1])
    elif (group := _OF_US.match(after)) is not None:
        found, end = Measure("n:person", Fraction(1), "person"), e + group.end()
    elif (before := _elided(r, s, items)) is not None:
        return Quantity(amount, before.dims, [span], s, e)
    elif _SERVES.search(text[:s]):
        found, end = Measure("n:person", Fraction(1), "person"), e
    else:
        return Quantity(amount, (), [span], s, e)  # a bare number: only a percent change takes it
    value = units.put(amount, found, notes)
    spans = [span, *(m.span("n") for m in _MORE.finditer(text, e, end))]
    quantity = Quantity(value, ((found.base, 1),), spans, s, end, notes=notes)
    if (sub := _SUBSTANCE.match(text[end:])) is not None:
        quantity.substance = singular(sub["s"])
        quantity.end = end + sub.end()
    return _per(r, _one_of(text, quantity), units)


def _compound(
    text: str, amount: Fraction, found: Measure, end: int, span: tuple[int, int]
) -> tuple[Fraction, int]:
    """ "2 hours 30 minutes", "1 kg and 200 g": one amount, in the first unit."""
    while (more := _MORE.match(text, end)) is not None:
        part = measure(more["u"])
        if part is None or part.base != found.base or part.factor >= found.factor:
            break
        amount += Fraction(more["n"]) * part.factor / found.factor
        end = more.end()
    return amount, end


def _word_end(text: str, e: int, words: int) -> int:
    found = list(re.finditer(r"[a-z-]+", text[e:]))
    return e + found[words - 1].end()


def _elided(r: Reading, s: int, items: list[Quantity]) -> Quantity | None:
    """ "145 loaves on Monday and 175 on Tuesday": the 175 are loaves too."""
    if not items or items[-1].money or items[-1].percent or not items[-1].dims:
        return None
    last = items[-1]
    gap = r.text[last.end : s]
    return last if _ELIDED.fullmatch(gap) and not re.search(r"[.?!;]", gap) else None


def _money(r: Reading, span: tuple[int, int], currency: str, units: _Units) -> Quantity:
    s, e = span
    text = r.text
    start = text.rindex(currency, 0, s)
    units.names.setdefault(currency, currency)
    quantity = Quantity(
        Fraction(text[s:e]),
        ((currency, 1),),
        [span],
        start,
        e,
        money=True,
        cents=re.fullmatch(r"\d+\.\d\d", text[s:e]) is not None,
    )
    before, after = _clause(text[:start]), text[e:]
    fee = _FEE_AFTER.match(after) or _FEE_BEFORE.search(before)
    if _PLUS_BEFORE.search(before):
        quantity.mark = "plus"
    elif _LESS_BEFORE.search(before) or _LESS_AFTER.match(after):
        quantity.mark = "less"
    elif fee is not None:
        quantity.mark = "fee"
    quantity.fee = fee["f"] if fee is not None else ""
    quantity.shipping = quantity.fee in _SHIPPING
    if (period := _PERIOD_BEFORE.search(before)) is not None:
        return _per_period(quantity, period["p"], units)
    return _per(r, _one_of(text, quantity), units)


def _one_of(text: str, quantity: Quantity) -> Quantity:
    before = text[: quantity.start]
    if (one := _ONE_OF.search(before)) is not None:
        quantity.one_of = singular(one["one"] or one["all"])
    elif not quantity.money and _EACH_BEFORE.search(before):
        quantity.each = True
    return quantity


def _per(r: Reading, quantity: Quantity, units: _Units) -> Quantity:
    """The rate a quantity may be: "$135 a night", "6 litres per 100 km", "$45 each"."""
    after = r.text[quantity.end :]
    if (period := _PERIOD_AFTER.match(after)) is not None:
        quantity.end += period.end()
        return _per_period(quantity, period["p"], units)
    m = _PER.match(after)
    if m is not None and ((m["fee"] and not quantity.money) or (m["n"] and not Fraction(m["n"]))):
        m = None
    found = None if m is None else unit_or_noun(m["w"])
    if m is None or found is None:
        if (each := _EACH.match(after)) is not None:
            quantity.each = True
            quantity.end += each.end()
        elif quantity.money and _COUNT_AT.search(r.text[: quantity.start]):
            quantity.each = True  # "5 books at $18.40": a price of one
        return quantity
    size = Fraction(m["n"]) if m["n"] else Fraction(1)
    per = units.put(size, found, quantity.notes)
    dims = product(quantity.dims, ((found.base, 1),), -1)
    if dims is None:
        return quantity
    quantity.value /= per
    quantity.dims = dims
    if m["n"]:
        quantity.spans.append((quantity.end + m.start("n"), quantity.end + m.end("n")))
    quantity.end += m.end()
    return quantity


def _per_period(quantity: Quantity, period: str, units: _Units) -> Quantity:
    found = measure(_PERIODS[period])
    assert found is not None
    per = units.put(Fraction(1), found, quantity.notes)
    dims = product(quantity.dims, ((found.base, 1),), -1)
    assert dims is not None
    quantity.value /= per
    quantity.dims = dims
    return quantity


def _percent(r: Reading, span: tuple[int, int], units: _Units) -> Quantity:
    s, e = span
    text = r.text
    quantity = Quantity(Fraction(text[s:e]), (), [span], s, e + 1, percent="")
    after, before = text[e:], _clause(text[:s])
    if (kind := _KIND_AFTER.match(after)) is not None:
        quantity.percent = PERCENT_KINDS[kind["k"]]
        quantity.end = e + kind.end()
    elif (kind := _KIND_BEFORE.search(before)) is not None:
        quantity.percent = PERCENT_KINDS[kind["k"]]
    elif (verb := _VERB_BEFORE.search(before)) is not None:
        quantity.percent = next(k for k in ("up", "off", "tip") if verb[k])
    if (per := _PERCENT_PER.match(after)) is not None:
        found = measure(per["w"])
        if found is not None and is_time(found.base):
            quantity.value /= units.put(Fraction(1), found, quantity.notes)
            quantity.dims = ((found.base, -1),)
            quantity.end = e + per.end()
    return quantity


def _clause(before: str) -> str:
    """The words just before a number, back to the last number or sentence end."""
    cut = max((m.end() for m in re.finditer(r"\d|[.?!;,](?:\s|$)", before)), default=0)
    return before[cut:][-60:]


def _resolve_each(items: list[Quantity], units: _Units) -> bool:
    """ "$45 each" is per the thing counted just before it, or the only thing counted;
    "a coffee costs $4.50" per coffee when coffees are counted."""
    for quantity in items:
        thing = (f"n:{quantity.one_of}", 1)
        if quantity.one_of and any(thing in q.dims for q in items if q is not quantity):
            quantity.dims = product(quantity.dims, (thing,), -1) or quantity.dims
            quantity.each = False
    for i, quantity in enumerate(items):
        if not quantity.each:
            continue
        before = [b for q in items[:i] for b in _counted_bases(q)]
        anywhere = {b for q in items if q is not quantity for b in _counted_bases(q)}
        if before or len(anywhere) == 1:
            base = before[-1] if before else anywhere.pop()
        elif quantity.one_of:
            base = f"n:{quantity.one_of}"  # "sells pens at $1.20 each"
            units.names.setdefault(base, quantity.one_of)
        else:
            return False
        dims = product(quantity.dims, ((base, 1),), -1)
        if dims is None:
            return False
        quantity.dims = dims
        quantity.each = False
    return True


def _counted_bases(q: Quantity) -> list[str]:
    return [b for b, p in q.dims if p > 0 and b.startswith("n:")]


def _counts(q: Quantity) -> bool:
    return len(q.dims) == 1 and q.dims[0][1] == 1 and q.dims[0][0].startswith("n:")


def _pairs(r: Reading, items: list[Quantity]) -> list[Quantity] | None:
    """Two amounts read as one rate: "180 g of sugar for 12 cookies", "a recipe for 4
    people needs 300 g" (``None`` for work shared out, where more hands take less time)."""
    out: list[Quantity] = []
    i = 0
    while i < len(items):
        a = items[i]
        b = items[i + 1] if i + 1 < len(items) else None
        top = bottom = None
        if b is not None and _plain(a) and _plain(b):
            gap = r.text[a.end : b.start]
            if not b.money and _PAIR.fullmatch(gap):
                top, bottom = a, b
            elif not b.money and is_time(b.dims[0][0]) and _IN.fullmatch(gap):
                top, bottom = a, b  # "45 parts in 3 hours"
            elif not a.money and (_PAIR_BACK.fullmatch(gap) or (b.money and _FOR.fullmatch(gap))):
                top, bottom = b, a  # "12 cookies cost $6", "3 shirts for $45"
            if top is not None and bottom is not None:
                if _shared_work(top, bottom):
                    return None
                out.append(_ratio(top, bottom))
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def _plain(q: Quantity) -> bool:
    """An amount of one thing (no rate, no percentage)."""
    return not q.percent and q.parts is None and len(q.dims) == 1 and q.dims[0][1] == 1


def _shared_work(a: Quantity, b: Quantity) -> bool:
    bases = {a.dims[0][0], b.dims[0][0]}
    return any(is_time(x) for x in bases) and any(x[2:] in AGENTS for x in bases)


def _ratio(top: Quantity, bottom: Quantity) -> Quantity:
    dims = product(top.dims, bottom.dims, -1)
    assert dims is not None
    return Quantity(
        top.value / bottom.value,
        dims,
        [*top.spans, *bottom.spans],
        min(top.start, bottom.start),
        max(top.end, bottom.end),
        money=top.money,
        cents=top.cents,
        substance=top.substance,
        parts=(top, bottom),
        notes=[*top.notes, *bottom.notes],
    )
