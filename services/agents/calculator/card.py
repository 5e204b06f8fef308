"""The calculator's agent card: what the registry indexes and the coordinator reads."""

from protocol.kinds import AgentCard, Provider, Skill

AGENT_ID = "calculator"
VERSION = "0.2.0"


def calculator_card() -> AgentCard:
    """The card, with skills, tags and examples that capability search matches on."""
    return AgentCard(
        id=AGENT_ID,
        name="Calculator",
        description=(
            "Computes arithmetic exactly (no rounding errors) and shows the steps: "
            "sums, differences, products, quotients, powers, roots, fractions, averages, "
            "percentages and unit conversions. Understands everyday word problems in plain "
            "language: discounts, tax and VAT, tips, splitting a bill, interest, rates and "
            "speeds, percentage change, days between dates, weekdays and times of day, "
            "e.g. 'what is 17.5% of 2,480 plus 36?' or '18% tip on a $64 bill'."
        ),
        version=VERSION,
        provider=Provider(organization="Internet of Agents demo"),
        skills=[
            Skill(
                id="arithmetic",
                name="Exact arithmetic",
                description=(
                    "Evaluates expressions with + - * / // % ** and parentheses using exact "
                    "fractions, powers and roots in words, and the average (mean) or median of "
                    "a list of numbers; answers with the value, its exact form and the steps."
                ),
                tags=[
                    "math",
                    "arithmetic",
                    "calculate",
                    "compute",
                    "numbers",
                    "sum",
                    "multiply",
                    "divide",
                    "total",
                    "calculator",
                    "average",
                    "mean",
                    "median",
                    "power",
                    "square root",
                ],
                examples=[
                    "Compute 12*(3+4)",
                    "What is 2,480 divided by 16?",
                    "What is 7 squared minus 3 times 4?",
                    "The average of 12, 15, 20, 9 and 14",
                    "2 to the 10th power; the square root of 144",
                ],
            ),
            Skill(
                id="percentages",
                name="Percentages and money problems",
                description=(
                    "Works out percentages of amounts and everyday money problems: discounts, "
                    "price increases, sales tax and VAT, tips, splitting a bill between people, "
                    "simple and compound interest, percentage change, and what percent one "
                    "number is of another. Money keeps its cents."
                ),
                tags=[
                    "percent",
                    "percentage",
                    "math",
                    "tax",
                    "vat",
                    "discount",
                    "sale",
                    "tip",
                    "split",
                    "bill",
                    "interest",
                    "money",
                    "price",
                    "numbers",
                ],
                examples=[
                    "What is 17.5% of 2,480 plus 36?",
                    "15% of 80",
                    "A $80 jacket is 25% off, what do I pay?",
                    "18% tip on a $64 bill",
                    "Split $150 among 4 people",
                    "$1,000 at 5% compounded annually for 3 years",
                    "From 80 to 100 is what percent increase?",
                ],
            ),
            Skill(
                id="units",
                name="Units, rates, dates and times",
                description=(
                    "Converts units exactly: lengths, areas, volumes, masses, times, speeds, "
                    "energy, power, pressure, data sizes and temperatures, also compound amounts "
                    "like '2 h 30 min'. Works out rates (fuel per 100 km, pay per hour, speed "
                    "from distance and time), days between dates, the day of the week, a time "
                    "plus a duration, and leap years."
                ),
                tags=[
                    "units",
                    "convert",
                    "conversion",
                    "miles",
                    "km",
                    "hours",
                    "minutes",
                    "kg",
                    "grams",
                    "kilograms",
                    "litres",
                    "metres",
                    "seconds",
                    "weeks",
                    "kWh",
                    "pounds",
                    "celsius",
                    "fahrenheit",
                    "temperature",
                    "speed",
                    "rate",
                    "dates",
                    "days",
                    "calendar",
                    "weekday",
                    "duration",
                    "math",
                ],
                examples=[
                    "3 km in miles",
                    "2 h 30 min in minutes",
                    "100 °F in °C",
                    "3 m² in square feet",
                    "60 km in 45 minutes, what speed in km/h?",
                    "How many days between 2024-03-01 and 2024-12-25?",
                    "What day of the week is 2025-07-04?",
                ],
            ),
        ],
        max_concurrent_tasks=8,
    )
