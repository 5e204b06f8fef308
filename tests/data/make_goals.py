"""Write ``goals.json``: the checkable goals of ``python -m bench.eval`` (``make eval``).

Four families of about twenty each: ``arithmetic`` (word problems, units, durations,
dates), ``computation`` (what a program answers best), ``documents`` (facts of the
made-up documents in ``eval_docs/``, which the evaluation gives the docs agent) and
``multistep`` (a figure, then a written note). Every expected figure is computed here,
not typed, and checked against the goal: it must not be one of the goal's own numbers
(the judge ignores figures the goal states) and every document answer must be in the
documents. Deterministic: ``python tests/data/make_goals.py`` writes the same file.
"""

# ruff: noqa: E501  (one goal per line reads better than wrapped data)
import json
import math
import re
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
DOCS = HERE / "eval_docs"
OTHER_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def money(x: float | Fraction) -> str:
    return f"{float(x):.2f}"


def num(x: float | int | Fraction, places: int | None = None) -> str:
    if places is not None:
        return f"{float(x):.{places}f}"
    if isinstance(x, Fraction):
        assert x.denominator == 1, x
        return str(x.numerator)
    return str(x)


def number(value: str, unit: str | None = None, tolerance: float = 0.0) -> dict[str, Any]:
    out: dict[str, Any] = {"number": value}
    if tolerance:
        out["tolerance"] = tolerance
    if unit:
        out["unit"] = unit
    return out


def weekday(d: date) -> dict[str, Any]:
    day = d.strftime("%A")
    return {"any_of": [day], "none_of": [o for o in OTHER_DAYS if o != day]}


def primes_below(n: int) -> list[int]:
    return [p for p in range(2, n) if all(p % d for d in range(2, math.isqrt(p) + 1))]


def fib(n: int) -> int:
    a, b = 1, 1
    for _ in range(n - 1):
        a, b = b, a + b
    return a


def minutes(hhmm_from: str, hhmm_to: str) -> int:
    h1, m1 = map(int, hhmm_from.split(":"))
    h2, m2 = map(int, hhmm_to.split(":"))
    return (h2 * 60 + m2) - (h1 * 60 + m1)


F = Fraction
SENTENCE_WORDS = "The quick brown fox jumps over the lazy dog near the quiet river bank"
SENTENCE_E = "Peter pepper eats seven sweet green beans every evening"
WORD_VOWELS = "encyclopaedia"

ARITHMETIC: list[tuple[str, dict[str, Any]]] = [
    (
        "A jacket costs $80 and is 25% off. How much do I pay?",
        number(money(F(80) * F(75, 100)), "$", 0.005),
    ),
    (
        "A meal costs $42.50 before a sales tax of 8%. What is the price including tax?",
        number(money(F("42.50") * F(108, 100)), "$", 0.005),
    ),
    (
        "Our restaurant bill is $64 and we want to leave an 18% tip. How much is the tip?",
        number(money(F(64) * F(18, 100)), "$", 0.005),
    ),
    (
        "Four friends split a bill of $157.60 equally. How much does each of them pay?",
        number(money(F("157.60") / 4), "$", 0.005),
    ),
    (
        "A car travels 315 km in 3.5 hours. What is its average speed in km/h?",
        number(num(F(315) / F("3.5")), "km/h", 0.005),
    ),
    (
        "I put $2,000 in a savings account that pays 3% interest compounded once a year. How much is in the account after 2 years?",
        number(money(F(2000) * F(103, 100) ** 2), "$", 0.005),
    ),
    (
        "A student scored 72, 85 and 91 on three tests. What is her average score?",
        number(num(F(72 + 85 + 91, 3), 2), None, 0.05),
    ),
    (
        "A share price went from $40 to $46. By what percent did it change?",
        number(num((F(46) - 40) / 40 * 100), "%", 0.005),
    ),
    ("Convert 5 miles to kilometres.", number(num(5 * 1.609344, 3), "km", 0.01)),
    ("What is 100 °F in degrees Celsius?", number(num((100 - 32) * 5 / 9, 2), "°C", 0.05)),
    ("How many grams are 2.5 kilograms?", number(num(F("2.5") * 1000), "g", 0.005)),
    ("How many minutes are there in 3.75 hours?", number(num(F("3.75") * 60), "min", 0.005)),
    (
        "A film starts at 7:40 pm and lasts 2 hours 35 minutes. At what time does it end?",
        {"any_of": ["10:15"]},
    ),
    (
        "How many days are there from 3 March 2025 to 17 May 2025?",
        number(num((date(2025, 5, 17) - date(2025, 3, 3)).days), "day"),
    ),
    ("What day of the week was 4 July 1976?", weekday(date(1976, 7, 4))),
    ("What day of the week will 1 January 2030 be?", weekday(date(2030, 1, 1))),
    (
        "A train leaves at 09:15 and arrives at 13:50. How many minutes does the journey take?",
        number(num(minutes("09:15", "13:50")), "min"),
    ),
    (
        "Apples cost $3.20 per kilogram. How much do 2.5 kg of apples cost?",
        number(money(F("3.20") * F("2.5")), "$", 0.005),
    ),
    (
        "A recipe for 4 people needs 300 g of flour. How much flour is needed for 10 people?",
        number(num(F(300) / 4 * 10), "g", 0.005),
    ),
    ("How many seconds are there in one week?", number(num(7 * 24 * 3600), "s")),
    (
        "A loan of $5,000 charges simple interest of 4% a year. How much interest is owed after 3 years?",
        number(money(F(5000) * F(4, 100) * 3), "$", 0.005),
    ),
]

COMPUTATION: list[tuple[str, dict[str, Any]]] = [
    ("What is the sum of all prime numbers below 100?", number(num(sum(primes_below(100))))),
    ("How many prime numbers are there between 1 and 200?", number(num(len(primes_below(200))))),
    (
        "The Fibonacci sequence starts 1, 1, 2, 3, 5, 8. What is its 25th term?",
        number(num(fib(25))),
    ),
    ("What is the sum of all the whole numbers from 1 to 250?", number(num(sum(range(1, 251))))),
    (
        "What is the sum of the squares of the whole numbers from 1 to 20?",
        number(num(sum(i * i for i in range(1, 21)))),
    ),
    (
        "How many positive divisors does 360 have?",
        number(num(sum(1 for d in range(1, 361) if 360 % d == 0))),
    ),
    (
        "What is the sum of all positive divisors of 220, not counting 220 itself?",
        number(num(sum(d for d in range(1, 220) if 220 % d == 0))),
    ),
    ("What is the greatest common divisor of 1071 and 462?", number(num(math.gcd(1071, 462)))),
    ("What is the least common multiple of 12, 18 and 30?", number(num(math.lcm(12, 18, 30)))),
    ("What is 12 factorial?", number(num(math.factorial(12)))),
    (
        "What is the sum of the digits of 2 raised to the power 50?",
        number(num(sum(int(c) for c in str(2**50)))),
    ),
    (
        f'How many words are in the sentence "{SENTENCE_WORDS}"?',
        number(num(len(SENTENCE_WORDS.split()))),
    ),
    (
        f'How many times does the letter e appear in "{SENTENCE_E}"? Count upper and lower case.',
        number(num(SENTENCE_E.lower().count("e"))),
    ),
    (
        "In how many ways can a committee of 3 people be chosen from 10 people?",
        number(num(math.comb(10, 3))),
    ),
    (
        "How many different arrangements are there of the letters of the word LETTERS?",
        number(num(math.factorial(7) // (math.factorial(2) * math.factorial(2)))),
    ),
    ("What is the 15th prime number?", number(num(primes_below(100)[14]))),
    (
        "What is the sum of all even numbers from 2 to 100, both included?",
        number(num(sum(range(2, 101, 2)))),
    ),
    ("How many whole numbers from 1 to 1000 are divisible by 7?", number(num(1000 // 7))),
    ("What is 2 raised to the power 40?", number(num(2**40))),
    (
        f'How many vowels (a, e, i, o, u) are in the word "{WORD_VOWELS}"?',
        number(num(sum(WORD_VOWELS.count(v) for v in "aeiou"))),
    ),
    (
        "What is the product of the first six prime numbers?",
        number(num(math.prod(primes_below(14)))),
    ),
]

DOCUMENTS: list[tuple[str, dict[str, Any]]] = [
    (
        "How long is the warranty on the Aurora K2 kettle?",
        {"any_of": ["24 months", "24-month", "two years", "2 years", "2-year", "two-year"]},
    ),
    (
        "How much water does the Aurora K2 kettle hold?",
        {"any_of": ["1.7 litres", "1.7 liters", "1.7 l", "1.7l", "1.7-litre", "1.7-liter"]},
    ),
    (
        "How often should I descale my Aurora K2 kettle?",
        {"any_of": ["4 weeks", "four weeks", "4-week", "four-week"]},
    ),
    ("What should I mix with water to descale the Aurora K2 kettle?", {"any_of": ["vinegar"]}),
    (
        "How many days do I have to return an item to Northwind Outfitters?",
        {"any_of": ["30 days", "thirty days", "30-day", "thirty-day"]},
    ),
    (
        "What restocking fee does Northwind Outfitters charge on returned electronics?",
        {
            "any_of": [
                "15%",
                "15 %",
                "15 percent",
                "15 per cent",
                "fifteen percent",
                "fifteen per cent",
            ]
        },
    ),
    (
        "What does someone get back when they return a gift to Northwind Outfitters?",
        {"any_of": ["store credit"]},
    ),
    (
        "Above what order value is return shipping free at Northwind Outfitters?",
        {"any_of": ["$50", "50 dollars", "USD 50", "$50.00"]},
    ),
    (
        "How soon are Northwind Outfitters refunds paid back after a return reaches the warehouse?",
        {
            "any_of": [
                "5 business days",
                "five business days",
                "5 working days",
                "five working days",
            ]
        },
    ),
    (
        "What is the guest Wi-Fi network called at the Harbor Street office?",
        {"any_of": ["HarborGuest"]},
    ),
    (
        "How many people does the Juniper meeting room at the Harbor Street office hold?",
        {"any_of": ["12", "twelve"]},
    ),
    ("Where is the fire assembly point of the Harbor Street office?", {"any_of": ["Mill Lane"]}),
    (
        "Which phone extension should I call at the Harbor Street office if I lose my badge?",
        {"any_of": ["4417"]},
    ),
    (
        "What is the daily meal allowance in our travel expense policy?",
        {"any_of": ["$65", "65 dollars", "USD 65", "$65.00"]},
    ),
    (
        "What mileage rate does the travel expense policy pay for driving my own car?",
        {"any_of": ["$0.58", "58 cents", "0.58 dollars", "USD 0.58"]},
    ),
    (
        "Within how many days must travel expense claims be submitted?",
        {"any_of": ["45 days", "forty-five days", "forty five days"]},
    ),
    (
        "How far can the Zephyr e-bike go on one charge?",
        {
            "any_of": [
                "90 km",
                "90 kilometres",
                "90 kilometers",
                "90km",
                "90-kilometre",
                "90-kilometer",
            ]
        },
    ),
    (
        "How long does a full charge of the Zephyr e-bike's battery take?",
        {"any_of": ["5 hours", "five hours", "5-hour", "five-hour"]},
    ),
    ("What tyre pressure does the Zephyr e-bike's manual recommend?", {"any_of": ["3.5 bar"]}),
    (
        "How quickly does customer support reply to an email?",
        {"any_of": ["2 business days", "two business days", "2 working days", "two working days"]},
    ),
    ("Which customers can use the customer support chat 24/7?", {"any_of": ["premium"]}),
]

NOTE = "then write a short note to the customer telling them"
MULTISTEP: list[tuple[str, dict[str, Any]]] = [
    (
        f"A dinner bill is $126.40 and we add a 15% tip. Compute the total, {NOTE} the total.",
        number(money(F("126.40") * F(115, 100)), "$", 0.005),
    ),
    (
        "A customer orders 3 lamps at $45 each with 10% off the whole order. Work out what they pay, then write a short email to them telling them the amount.",
        number(money(F(3 * 45) * F(90, 100)), "$", 0.005),
    ),
    (
        "Our delivery van drove 420 km on 33.6 litres of fuel. Work out its fuel use in litres per 100 km, then write a two-sentence note to the fleet manager giving the figure.",
        number(num(F("33.6") / 420 * 100), "l/100 km", 0.005),
    ),
    (
        "A subscription costs $14.99 a month. Compute what it costs for a year, then write a friendly reminder to the customer that states the yearly cost.",
        number(money(F("14.99") * 12), "$", 0.005),
    ),
    (
        "A hotel stay is 4 nights at $135 a night plus a one-off $25 cleaning fee. Work out the total, then write a short confirmation message to the guest with the total.",
        number(money(4 * 135 + 25), "$", 0.005),
    ),
    (
        f"A package weighs 3.2 kg and shipping costs $4.50 per kg. Compute the shipping cost, {NOTE} the cost.",
        number(money(F("3.2") * F("4.50")), "$", 0.005),
    ),
    (
        "An invoice of $2,300 was paid 12 days late, and the late fee is 0.5% of the invoice for each day. Compute the late fee, then write a polite note to the client stating the fee.",
        number(money(F(2300) * F(5, 1000) * 12), "$", 0.005),
    ),
    (
        "A team of 6 people shares a $1,350 bonus equally. Work out each person's share, then write a short message to the team announcing it.",
        number(money(F(1350) / 6), "$", 0.005),
    ),
    (
        f"A customer returns a $640 phone and we keep a 15% restocking fee. Work out the refund, {NOTE} how much they get back.",
        number(money(F(640) * F(85, 100)), "$", 0.005),
    ),
    (
        "A gym membership costs $39 a month plus a $60 joining fee. Compute the total cost of the first 6 months, then write a short welcome note telling the new member that total.",
        number(money(39 * 6 + 60), "$", 0.005),
    ),
    (
        "Electricity costs $0.28 per kWh and a heater used 350 kWh last month. Compute the heater's cost, then write a short note to the tenant telling them the amount.",
        number(money(F("0.28") * 350), "$", 0.005),
    ),
    (
        "An order of 250 mugs at $3.60 per mug ships free above $500. Compute the order total, then write a short email to the buyer stating the total and that shipping is free.",
        number(money(250 * F("3.60")), "$", 0.005),
    ),
    (
        "A conference room is booked from 09:30 to 15:15. Work out how many minutes that is, then write a short note to the organiser with the length of the booking.",
        number(num(minutes("09:30", "15:15")), "min"),
    ),
    (
        "A recipe needs 180 g of sugar for 12 cookies. Work out how much sugar 30 cookies need, then write a short note to the baker with the amount.",
        number(num(F(180) / 12 * 30), "g", 0.005),
    ),
    (
        "A taxi charges $3.50 plus $2.10 per kilometre. Compute the fare for a 14 km ride, then write a short message to the passenger telling them the fare.",
        number(money(F("3.50") + F("2.10") * 14), "$", 0.005),
    ),
    (
        "A sofa costs $1,200 plus a 4% financing fee, paid in 8 equal monthly instalments. Compute each instalment, then write a short letter to the customer telling them the monthly amount.",
        number(money(F(1200) * F(104, 100) / 8), "$", 0.005),
    ),
    (
        "A parcel travels 1,260 km at an average of 70 km/h. Compute how many hours the trip takes, then write a short update to the customer saying how long it takes.",
        number(num(F(1260) / 70), "h", 0.005),
    ),
    (
        "A bakery sold 145 loaves on Monday and 175 on Tuesday. Compute the percent increase, then write a short note to the owner reporting the change.",
        number(num((F(175) - 145) / 145 * 100, 2), "%", 0.05),
    ),
    (
        "A customer buys 5 books at $18.40 each and pays 6% sales tax. Compute the total, then write a short receipt note to the customer stating the total.",
        number(money(5 * F("18.40") * F(106, 100)), "$", 0.005),
    ),
    (
        "A warehouse holds 2,520 boxes and ships 180 boxes a day. Compute how many days it takes to ship them all, then write a short note to the manager with the number of days.",
        number(num(F(2520) / 180), "day"),
    ),
]
for _, expect in MULTISTEP:
    expect["written"] = True

FAMILIES = {
    "arithmetic": ("a", ARITHMETIC),
    "computation": ("c", COMPUTATION),
    "documents": ("d", DOCUMENTS),
    "multistep": ("m", MULTISTEP),
}
FORBIDDEN = ("17.5% of 2,480 plus 36", "average of five numbers")  # the issue's own examples


def goal_numbers(goal: str) -> set[float]:
    return {float(m.replace(",", "")) for m in re.findall(r"\d[\d,]*(?:\.\d+)?", goal)}


def check(goal: str, expect: dict[str, Any]) -> None:
    assert not any(f in goal for f in FORBIDDEN), goal
    if "number" in expect:
        assert float(expect["number"]) not in goal_numbers(goal), (goal, expect)
    documents = " ".join(p.read_text() for p in DOCS.glob("*.md")).lower()
    if goal in dict(DOCUMENTS):
        assert any(a.lower() in documents for a in expect["any_of"]), (goal, expect)


def goals() -> list[dict[str, Any]]:
    out = []
    for family, (prefix, items) in FAMILIES.items():
        for i, (goal, expect) in enumerate(items, 1):
            check(goal, expect)
            out.append({"id": f"{prefix}{i:02d}", "family": family, "goal": goal, "expect": expect})
    return out


if __name__ == "__main__":
    written = goals()
    (HERE / "goals.json").write_text(json.dumps(written, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {len(written)} goals to {HERE / 'goals.json'}")
