"""The calculator's agent card: what the registry indexes and the coordinator reads."""

from protocol.kinds import AgentCard, Provider, Skill

AGENT_ID = "calculator"
VERSION = "0.1.0"


def calculator_card() -> AgentCard:
    """The card, with skills, tags and examples that capability search matches on."""
    return AgentCard(
        id=AGENT_ID,
        name="Calculator",
        description=(
            "Computes arithmetic exactly (no rounding errors) and shows the steps: "
            "sums, differences, products, quotients, powers, fractions, percentages and unit "
            "conversions. Understands "
            "plain-language questions such as 'what is 17.5% of 2,480 plus 36?'."
        ),
        version=VERSION,
        provider=Provider(organization="Internet of Agents demo"),
        skills=[
            Skill(
                id="arithmetic",
                name="Exact arithmetic",
                description=(
                    "Evaluates expressions with + - * / // % ** and parentheses using exact "
                    "fractions; answers with the value, its exact form and the steps."
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
                ],
                examples=[
                    "Compute 12*(3+4)",
                    "What is 2,480 divided by 16?",
                    "What is 7 squared minus 3 times 4?",
                ],
            ),
            Skill(
                id="percentages",
                name="Percentages",
                description="Works out percentages of amounts, e.g. tax, tips, discounts, shares.",
                tags=["percent", "percentage", "math", "tax", "discount", "tip", "numbers"],
                examples=["What is 17.5% of 2,480 plus 36?", "15% of 80"],
            ),
            Skill(
                id="units",
                name="Unit conversions",
                description=(
                    "Converts lengths, times, masses, volumes, areas, speeds, data sizes and "
                    "temperatures exactly, also compound amounts like '2 h 30 min'."
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
                    "pounds",
                    "celsius",
                    "fahrenheit",
                    "math",
                ],
                examples=["3 km in miles", "2 h 30 min in minutes", "100 °F in °C"],
            ),
        ],
        max_concurrent_tasks=8,
    )
