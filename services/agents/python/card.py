"""The python agent's card: it says honestly whether runs are cut off from the network."""

from protocol.kinds import AgentCard, Provider, Skill
from services.agents.python.sandbox import Isolation, Limits

AGENT_ID = "python"
VERSION = "0.1.0"


def python_card(limits: Limits, isolation: Isolation) -> AgentCard:
    network = (
        "Runs have no network (a network namespace)."
        if isolation.network
        else f"Runs are NOT cut off from the network on this host ({isolation.detail})."
    )
    return AgentCard(
        id=AGENT_ID,
        name="Python runner",
        description=(
            "Runs Python code in a separate, limited process and returns stdout, stderr, the "
            "exit status and the files it wrote. Limits per run: "
            f"{limits.cpu_seconds} s CPU, {limits.wall_seconds:g} s wall, "
            f"{limits.memory_bytes // 2**20} MB memory, {limits.processes} processes, "
            f"{limits.output_bytes // 1024} KB output. {network} Standard library only."
        ),
        version=VERSION,
        provider=Provider(organization="Internet of Agents demo"),
        skills=[
            Skill(
                id="run-python",
                name="Run Python code",
                description=(
                    "Executes the Python program given in inputs.code or in a ```python block "
                    "of the task, in a throw-away directory; answers with its output, exit "
                    "status and produced files."
                ),
                tags=[
                    "python",
                    "code",
                    "run",
                    "execute",
                    "script",
                    "program",
                    "compute",
                    "simulation",
                    "data",
                    "csv",
                ],
                examples=[
                    "Run this: ```python\nprint(sum(range(10)))\n```",
                    "Run ```python\nimport csv\n...``` and return the file it writes",
                ],
            )
        ],
        default_input_modes=["text/plain", "text/x-python"],
        default_output_modes=["text/plain", "application/json"],
        max_concurrent_tasks=2,
    )
