"""Shopping and bill problems: discounts, price increases, tax, tips, splitting a bill.

Each recognizer finds the amount and the percentage in the words people use, reads from
the question whether the change itself or the new amount is asked for ("how much do I
save?" against "what do I pay?"), and declines (``None``) when a number is left over
or the question runs the other way ("what was the price before the discount?").
"""

import re
from fractions import Fraction

from services.agents.calculator.arithmetic import DIVIDED, format_number
from services.agents.calculator.problems.reading import (
    GAP,
    Reading,
    Worked,
    money,
    num,
    percent,
    value,
)

_TOTAL = re.compile(
    r"\b(?:total|totals|altogether|all together|in all|overall|all in|grand|final|"
    r"comes? to|came to|owe|owed)\b"
    r"|\b(?:what|how much)\b[^.?!]{0,30}\b(?:pay|paying|spend|cost|costs)\b"
    r"|\b(?:with|including|incl|plus|after)\s+(?:the\s+)?(?:tip|tax|vat|gratuity)\b"
)
"""The question asks for the amount with the tip or tax in it."""
_WHOLE_TOTAL = re.compile(r"\btotal\b")
_GROSS = re.compile(r"\b(?:including|incl|inclusive|includes|included|gross)\b")
"""The amount given may already hold the tax or tip: which way to go is unclear."""


_OTHER_CHANGES = {
    "discount": re.compile(r"\b(?:tax|vat|gst|tip|gratuity|interest)\b"),
    "increase": re.compile(r"\b(?:tax|vat|gst|tip|gratuity|interest|off|discount)\b"),
    "tax": re.compile(r"\b(?:off|discount|tip|gratuity|interest)\b"),
    "tip": re.compile(r"\b(?:off|discount|split|share|interest)\b"),
}
"""Another change named without its figure ("$80 plus tax, 25% off"): one answer would
leave it out, so the recognizer declines."""


def _compile(*patterns: str) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in patterns]


def _n(value: Fraction) -> str:
    return format_number(value)


def _change(r: Reading, match: re.Match[str], problem: str, sign: int, amount: bool) -> Worked:
    """``base`` changed by ``rate`` percent: the steps, answering the change or the result."""
    base, rate = value(match, "base"), value(match, "rate")
    part = base * rate / 100
    result = base + sign * part
    steps = [f"{_n(rate)}% of {_n(base)} = {_n(part)}"]
    if not amount:
        steps.append(f"{_n(base)} {'+' if sign > 0 else '-'} {_n(part)} = {_n(result)}")
    return Worked(
        problem,
        match.group(0),
        steps,
        part if amount else result,
        # Tax and tips are on money; a discount when it says so ("25% off", "on sale").
        money=r.is_money(match, "base")
        or problem in ("tax", "tip")
        or re.search(r"\b(?:off|discount|sale)\b", match.group(0)) is not None,
        cents=r.cents(match, "base"),
        currency=r.currency(),
    )


_DISCOUNTS = _compile(
    # "25% off $80", "take 25% off a jacket that costs $80"
    rf"{percent('rate')}\s*off\b(?:\s+(?:of|on|from))?{GAP}{money('base')}",
    # "a $80 jacket is 25% off", "240 after a 15% discount"
    rf"{money('base')}{GAP}{percent('rate')}\s*(?:off|discount|reduction|markdown)\b",
    # "a 15% discount on a $240 TV", "price after a 15% discount on 240"
    rf"{percent('rate')}\s*(?:discount|reduction|markdown|price cut)\b"
    rf"(?:\s+(?:on|off|from|of|for))?{GAP}{money('base')}",
    # "discount of 15% on 240"
    rf"\bdiscount(?:ed)?\s+(?:of\s+|by\s+)?{percent('rate')}\s+(?:on|off|from|to|for)\b"
    rf"{GAP}{money('base')}",
    # "$240 discounted by 15%", "a price of 50 reduced by 10%"
    rf"{money('base')}{GAP}\b(?:discounted|reduced|marked down|cut|lowered|decreased|"
    rf"drops?|dropped|falls?|fell)\s+by\s+{percent('rate')}",
    # "reduce 80 by 15%", "decrease 50 by 10%"
    rf"\b(?:reduce|decrease|discount|lower|cut|mark down)\b{GAP}{money('base')}\s+by\s+"
    rf"{percent('rate')}",
    # "15% less than 240", "80 less 25%"
    rf"{percent('rate')}\s+(?:less than|below|cheaper than|lower than)\s+{GAP}{money('base')}",
    rf"{money('base')}\s+less\s+{percent('rate')}",
)
_SAVED = re.compile(
    r"\b(?:save|saves|saving|savings|saved|discount amount|amount off|how much off|"
    r"how much (?:less|cheaper)|how much (?:is|was|will be) (?:the )?(?:discount|reduction))\b"
)
_BEFORE_DISCOUNT = re.compile(
    r"\b(?:what|how much)\b[^.?!]{0,25}\b(?:original|regular|full|usual|normal|list|old|"
    r"undiscounted)\s+(?:price|cost)\b|\boriginally\b|\bbefore the (?:discount|sale|reduction)\b"
    r"|\bused to (?:cost|be)\b|\bwas it\b"
    r"|\bafter (?:an?|the)\b[^.?!]{0,40}\b(?:costs?|is|sells? for)\s*[$€£]?\d"
    r"|\b(?:reduced to|down to|marked down to|now costs?|is now|sells? for|"
    r"sale price (?:is|was|of))\s*[$€£]?\d"
)
"""The price after the discount is given and the one before asked: not this problem."""
_DISCOUNT_WORDS = frozenset(
    "pay paying cost costs price save saving savings saved off discount spend money owe sale "
    "final new total less cheaper reduction get amount".split()
)


def discount(r: Reading) -> Worked | None:
    """A price less a percentage: "a $80 jacket is 25% off", "price after a 15% discount
    on 240", "reduce 80 by 15%". Answers the price paid, or the saving when asked."""
    if r.has(_BEFORE_DISCOUNT) or r.has(_OTHER_CHANGES["discount"]):
        return None
    match = r.find(_DISCOUNTS, "base", "rate")
    if match is None or not _asks(r, match, _DISCOUNT_WORDS):
        return None
    return _change(r, match, "discount", -1, amount=r.has(_SAVED))


_INCREASES = _compile(
    # "increase 50 by 10%", "raise the rent of $1,200 by 3.5%"
    rf"\b(?:increase|raise|mark up|markup|inflate)\b{GAP}{money('base')}\s+by\s+"
    rf"{percent('rate')}",
    # "a price of 200 rises by 5%", "$40 marked up by 25%"
    rf"{money('base')}{GAP}\b(?:increased|raised|marked up|goes up|went up|rises|rose|grows|"
    rf"grew|increases|jumps|jumped|climbs|climbed)\s+by\s+{percent('rate')}",
    # "10% more than 50", "a 3% raise on a $50,000 salary"
    rf"{percent('rate')}\s*(?:more than|above|higher than|on top of|(?:increase|rise|raise|"
    rf"markup|mark-up|surcharge|hike)\s+(?:on|to|of|for))\s+{GAP}{money('base')}",
    # "add 10% to 50"
    rf"\badd\s+{percent('rate')}\s+(?:to|on|onto)\b{GAP}{money('base')}",
    # "$50,000 after a 3% raise", "40 plus a 25% markup"
    rf"{money('base')}{GAP}\b(?:with|after|plus|and)\s+(?:an?\s+|the\s+)?{percent('rate')}\s*"
    rf"(?:increase|rise|raise|markup|mark-up|surcharge|hike|premium|uplift)\b",
)
_INCREASE_ONLY = re.compile(
    r"\bhow much (?:is|was|will be) the (?:increase|rise|raise|markup)\b|\bby how much\b|"
    r"\bhow much more\b|\bhow much extra\b"
)
_INCREASE_WORDS = frozenset(
    "pay cost costs price new more extra increase rise raise rent salary become earn total get "
    "higher amount value go goes grow grows climb".split()
)
_RAISE_ASKED = re.compile(
    r"\bwhat (?:would|will|is|was|'s) (?:a|an|the|my|this|that) (?:\d+(?:\.\d+)?% )?"
    r"(?:raise|increase|rise|markup)\b(?![^.?!]*\b(?:new|total|become|after)\b)"
)
""""What would a 5% raise on $3,200 be?": the raise itself, or the pay after it? Declined."""
_BEFORE_INCREASE = re.compile(
    r"\b(?:original(?:ly)?|before the (?:increase|rise|raise|markup)|used to|was it before|"
    r"previous|old price|from what)\b"
)


def increase(r: Reading) -> Worked | None:
    """An amount plus a percentage: "increase 50 by 10%", "$50,000 after a 3% raise",
    "10% more than 50". Answers the new amount, or the increase when asked."""
    if r.has(_BEFORE_INCREASE) or r.has(_OTHER_CHANGES["increase"]):
        return None
    match = r.find(_INCREASES, "base", "rate")
    if match is None or not _asks(r, match, _INCREASE_WORDS) or r.has(_RAISE_ASKED):
        return None
    return _change(r, match, "increase", 1, amount=r.has(_INCREASE_ONLY))


_TAX = r"(?:sales\s+|state\s+|local\s+)?(?:tax|vat|gst|hst)\b"
_TAXES: list[tuple[re.Pattern[str], bool]] = [
    # (pattern, whether it reads as the tax alone when the question does not say)
    # "120 plus 8% sales tax", "$45 with 7.25% tax"
    (
        re.compile(
            rf"{money('base')}{GAP}\b(?:plus|with|and|after|at|add)\s+(?:an?\s+|the\s+)?"
            rf"{percent('rate')}\s*{_TAX}"
        ),
        False,
    ),
    (re.compile(rf"{money('base')}\s*\+\s*{percent('rate')}\s*{_TAX}"), False),
    # "120 including 20% VAT" (the net price is asked, or it is declined)
    (
        re.compile(
            rf"{money('base')}\s*(?:including|incl\.?|inclusive of)\s+(?:an?\s+)?{percent('rate')}"
            rf"\s*{_TAX}"
        ),
        False,
    ),
    # "add 20% VAT to 50"
    (
        re.compile(
            rf"\badd\s+(?:an?\s+)?{percent('rate')}\s*{_TAX}\s+(?:to|on|onto)\b{GAP}"
            rf"{money('base')}"
        ),
        False,
    ),
    # "8% sales tax on $120"
    (re.compile(rf"{percent('rate')}\s*{_TAX}\s+(?:on|of|for)\b{GAP}{money('base')}"), True),
    # "tax of 8% on 120"
    (
        re.compile(
            rf"\b{_TAX}\s+(?:of|at|rate of)\s+{percent('rate')}\s+(?:on|for|to)\b{GAP}"
            rf"{money('base')}"
        ),
        True,
    ),
    # "a $120 purchase, sales tax is 8%"
    (
        re.compile(
            rf"{money('base')}{GAP}\b{_TAX}\s*(?:of|at|is|rate is|rate of|rate:)?\s*"
            rf"{percent('rate')}"
        ),
        False,
    ),
]
_TAX_ONLY = re.compile(
    r"\bhow much (?:is |was |will |would |do i pay in |in )?(?:the )?(?:sales )?"
    r"(?:tax|vat|gst)\b|\b(?:tax|vat|gst) amount\b|\bamount of (?:the )?(?:tax|vat)\b"
    r"|\bwhat(?:'s| is| will be| would be) the (?:sales )?(?:tax|vat|gst)\b(?! rate)"
)
_NET = re.compile(
    r"\b(?:excluding|excl|exclusive of|before (?:the )?(?:sales )?(?:tax|vat)|without "
    r"(?:the )?(?:tax|vat)|pre-tax|net|ex[- ](?:vat|tax)|remove|back out|take out)\b"
)


_TAX_WORDS = frozenset("pay cost costs tax vat gst total price owe spend net amount".split())


def tax(r: Reading) -> Worked | None:
    """Sales tax or VAT on an amount: "120 plus 8% sales tax", "add 20% VAT to 50",
    "what is 8% tax on $120" (the tax), and the net price of an amount including VAT."""
    if r.has(r"\bincome tax\b") or r.has(_OTHER_CHANGES["tax"]):
        return None  # income tax is taken off (in brackets, too): not this problem
    found = _first(r, _TAXES)
    if found is None:
        return None
    match, alone = found
    if not _asks(r, match, _TAX_WORDS):
        return None
    given, question = _parts(r)
    if _NET.search(question):
        return _net_of_tax(r, match) if _GROSS.search(given) else None
    if _GROSS.search(given):
        return None
    asks_tax = r.has(_TAX_ONLY)
    if asks_tax and r.has(_WHOLE_TOTAL):
        return None  # both asked: one answer would leave the other out
    amount = asks_tax or (alone and not r.has(_TOTAL))
    return _change(r, match, "tax", 1, amount=amount)


def _parts(r: Reading) -> tuple[str, str]:
    """What is given and what is asked: "a meal costs $42.50 before tax … what is the price
    including tax?" gives a net price and asks for the gross one. Without a question
    sentence, the whole text is both."""
    asked = r.asked()
    if asked is None:
        return r.text, r.text
    a, b = asked
    return r.text[:a] + " " + r.text[b:], r.text[a:b]


def _net_of_tax(r: Reading, match: re.Match[str]) -> Worked:
    """120 including 20% VAT is 120 ÷ 1.2 = 100 before VAT."""
    gross, rate = value(match, "base"), value(match, "rate")
    factor = 1 + rate / 100
    net = gross / factor
    steps = [
        f"{_n(gross)} includes {_n(rate)}%, so it is {_n(factor * 100)}% of the price before tax",
        f"{_n(gross)} {DIVIDED} {_n(factor)} = {_n(net)}",
    ]
    cents = r.cents(match, "base")
    return Worked("tax", match.group(0), steps, net, money=True, cents=cents, currency=r.currency())


_TIP = r"(?:tip|gratuity|service charge)\b"
_TIPS: list[tuple[re.Pattern[str], bool]] = [
    # (pattern, whether it reads as the tip alone when the question does not say)
    # "18% tip on a $64 bill"
    (re.compile(rf"{percent('rate')}\s*{_TIP}\s+(?:on|for|of)\b{GAP}{money('base')}"), True),
    # "tip 15% on $40", "leave 20% on a $55 check"
    (
        re.compile(
            rf"\b(?:tip|tipping|leave|leaving|give|giving)\s+(?:an?\s+)?{percent('rate')}"
            rf"(?:\s*{_TIP})?\s+(?:on|for)\b{GAP}{money('base')}"
        ),
        True,
    ),
    # "add a 20% tip to a $45 bill"
    (
        re.compile(
            rf"\badd\s+(?:an?\s+)?{percent('rate')}\s*{_TIP}\s+(?:to|on)\b{GAP}{money('base')}"
        ),
        False,
    ),
    # "a $64 bill with an 18% tip"
    (
        re.compile(
            rf"{money('base')}{GAP}\b(?:with|plus|and|after|add)\s+(?:an?\s+|the\s+)?"
            rf"{percent('rate')}\s*{_TIP}"
        ),
        False,
    ),
    (re.compile(rf"{money('base')}\s*\+\s*{percent('rate')}\s*{_TIP}"), False),
    # "a tip of 15% on $40"
    (
        re.compile(rf"\b{_TIP}\s+(?:of|at)\s+{percent('rate')}\s+(?:on|for)\b{GAP}{money('base')}"),
        True,
    ),
    # "$64 bill, 18% tip", "the bill is $64 and I want to tip 18%"
    (re.compile(rf"{money('base')}{GAP}{percent('rate')}\s*{_TIP}"), True),
    (
        re.compile(
            rf"{money('base')}{GAP}\b(?:tip|tipping|gratuity)\s+(?:of\s+|at\s+|is\s+)?"
            rf"{percent('rate')}"
        ),
        True,
    ),
    # "how much do I tip on a $64 bill at 18%"
    (
        re.compile(
            rf"\b(?:tip|tipping|leave)\s+(?:on|for)\b{GAP}{money('base')}{GAP}\b(?:at|of)\s+"
            rf"{percent('rate')}"
        ),
        True,
    ),
]
_TIP_ONLY = re.compile(
    r"\bhow much (?:should |do |would |will |to |shall |can )?(?:i |we |you |they )?"
    r"(?:tip|leave|give)\b|\bhow much (?:is |was |would be |will be |should be )?"
    r"(?:the |a |my )?tip\b|\btip amount\b|\bamount of (?:the )?tip\b"
    r"|\bwhat(?:'s| is| would be| should be| will be) (?:the |my |a )?tip\b"
    r"|\bas (?:a|the) tip\b|\bin tips?\b"
)


_TIP_WORDS = frozenset(
    "tip tips tipping pay leave give total owe cost gratuity spend amount bill".split()
)


def tip(r: Reading) -> Worked | None:
    """A tip on a bill: "18% tip on a $64 bill" (the tip), "a $64 bill with an 18% tip,
    what's the total?" (the bill with it)."""
    if r.has(_GROSS) or r.has(_OTHER_CHANGES["tip"]):
        return None
    found = _first(r, _TIPS)
    if found is None:
        return None
    match, alone = found
    if not _asks(r, match, _TIP_WORDS):
        return None
    asks_tip = r.has(_TIP_ONLY)
    if asks_tip and r.has(_WHOLE_TOTAL):
        return None
    amount = asks_tip or (alone and not r.has(_TOTAL))
    return _change(r, match, "tip", 1, amount=amount)


_PEOPLE = (
    r"people|persons|friends|guests|ways|of us|diners|colleagues|coworkers|co-workers|"
    r"roommates|flatmates|housemates|players|members|kids|children|parts|shares|"
    r"equal parts|equal shares|family members|students|workers|employees|siblings"
)
_COUNTS = _compile(
    rf"\b(?:among|amongst|between|into|across)\s+(?:the\s+|all\s+)?{num('n')}"
    rf"(?:\s+(?:{_PEOPLE}))?\b",
    rf"\b(?:for|by)\s+(?:the\s+|all\s+)?{num('n')}\s+(?:{_PEOPLE})\b",
    rf"\b{num('n')}\s+(?:{_PEOPLE})\b",
    rf"\beach of (?:the\s+)?{num('n')}\b",
)
_SPLIT = re.compile(
    r"\b(?:split|splits|splitting|share|shared|sharing|shares)\b"
    r"|\bdivid(?:e|ed|ing)\b(?!\s+by\s+\d)"
)
"""Words of sharing; "divided by 3" is the operator, not a bill shared by three."""
_EACH_GIVEN = re.compile(
    r"(?:[$€£]\s?)?\d+(?:\.\d+)?\s*(?:each|per person|apiece|a head|per head)\b"
    r"|\beach\s+(?:person\s+|one\s+)?(?:pays|paid|owes|contributes|puts in|gives|gets)\s*[$€£]?\d"
    r"|\b(?:total|altogether|in all)\b"
)
"""What each pays is given (or the total is asked): a product, not a split."""
_WITH_ME = re.compile(
    r"\b(?:me|myself)\s+and\b|\band\s+(?:me|myself|i)\b|\bwith\s+(?:my\s+)?\d+\s+"
    r"(?:friends|others|people|colleagues|of my)|\bincluding (?:me|myself)\b|\bplus me\b"
)
"""A count that may or may not hold the speaker ("me and 3 friends"): not guessed."""
_EXTRA = re.compile(
    rf"(?:(?:with|plus|and|after|add)\s+)?(?:an?\s+|the\s+)?{percent('rate')}\s*"
    r"(?P<kind>tip|gratuity|service charge|sales tax|tax|vat|off|discount)\b"
)
_AMOUNT = re.compile(r"(?<![a-z\d.])(?:[$€£]\s?)?(?P<base>\d+(?:\.\d+)?)(?![\d%])")


_SPLIT_WORDS = frozenset(
    "pay pays owe owes each person share cost costs contribute put chip everyone amount "
    "bill".split()
)


def split(r: Reading) -> Worked | None:
    """A bill shared equally: "split $150 among 4 people", "a $90 bill with a 20% tip
    split between 3". Tips and tax are added to the bill (each on the bill itself) and a
    discount taken off it first; the answer is one share."""
    if not r.has(_SPLIT) or r.has(_WITH_ME) or r.has(_GROSS) or r.has(_TIP_ONLY):
        return None
    if r.has(_EACH_GIVEN) or not _asks_a_share(r):
        return None
    count = next((m for p in _COUNTS for m in p.finditer(r.text)), None)
    if count is None or "." in count.group("n") or int(count.group("n")) < 1:
        return None
    extras = list(_EXTRA.finditer(r.text))
    kinds = {_kind(e) for e in extras}
    if "discount" in kinds and len(kinds) > 1:
        return None  # is the tip on the full bill or the discounted one? not guessed
    used = [count.span("n"), *(e.span("rate") for e in extras)]
    amounts = [m for m in _AMOUNT.finditer(r.text) if not any(a <= m.start() < b for a, b in used)]
    if len(amounts) != 1 or not r.placed([*used, amounts[0].span("base")]):
        return None
    if not r.asks_about(_SPLIT_WORDS | _words(r.between([*used, amounts[0].span()]))):
        return None
    base, people = value(amounts[0], "base"), Fraction(count.group("n"))
    total, steps = base, []
    for extra in extras:
        rate = value(extra, "rate")
        part = base * rate / 100
        sign = -1 if _kind(extra) == "discount" else 1
        steps.append(f"{_n(rate)}% of {_n(base)} = {_n(part)}")
        steps.append(
            f"{_n(total)} {'+' if sign > 0 else '-'} {_n(part)} = {_n(total + sign * part)}"
        )
        total += sign * part
    share = total / people
    steps.append(f"{_n(total)} {DIVIDED} {_n(people)} = {_n(share)} each")
    return Worked(
        "split",
        r.between([*used, amounts[0].span()]),
        steps,
        share,
        money=r.is_money(amounts[0], "base") or bool(extras),
        cents=r.cents(amounts[0], "base"),
        currency=r.currency(),
    )


_SHARE = re.compile(
    r"\b(?:each|per|share|apiece|everyone|everybody|a head|owe|owes|pay|pays|contribute|"
    r"contributes|chip in|put in|cost)\b"
)


def _asks_a_share(r: Reading) -> bool:
    """Whether the question asks for one share: "how much is the bill?" does not."""
    asked = r.asked()
    return asked is None or _SHARE.search(r.text[slice(*asked)]) is not None


def _asks(r: Reading, match: re.Match[str], words: frozenset[str]) -> bool:
    """Whether the question asks about this problem: its own words, or the words it was
    read from ("a $80 jacket …, how much is the jacket?"), not another thing ("… tax?")."""
    return r.asks_about(words | _words(match.group(0)))


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z]+", text))


def _first(
    r: Reading, table: list[tuple[re.Pattern[str], bool]]
) -> tuple[re.Match[str], bool] | None:
    """The first pattern of ``table`` that places every number, and its flag."""
    for pattern, flag in table:
        if (match := r.find([pattern], "base", "rate")) is not None:
            return match, flag
    return None


def _kind(extra: re.Match[str]) -> str:
    return "discount" if extra.group("kind") in ("off", "discount") else "added"
