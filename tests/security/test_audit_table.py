"""docs/security.md's audit table held against the code: every operation the services
serve, every gateway route and A2A method and every way into an agent has a row; every
row names an operation that exists, and rogue tests that exist and try it."""

import importlib
import re
from dataclasses import dataclass
from pathlib import Path

from _pytest.mark import ParameterSet

from protocol.agent import Agent
from tests.support.surface import agent_deliveries, gateway_doors, service_operations

DOC = Path(__file__).parents[2] / "docs" / "security.md"
SECTION = "## Every operation: who may, what a stranger gets"
TEST = re.compile(r"`(test_\w+\.py)::(test_\w+)`")


@dataclass(frozen=True, slots=True)
class Row:
    operation: str
    tests: tuple[tuple[str, str], ...]
    """(file in tests/security/, test function) for each test the row names."""


def rows() -> list[Row]:
    section = DOC.read_text().split(SECTION, 1)[1].split("\n## ", 1)[0]
    found = []
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = line.strip("|").split("|")
            found.append(Row(cells[0].strip().strip("`"), tuple(TEST.findall(cells[-1]))))
    return found


def tried_by(file: str, function: str) -> set[str] | None:
    """The operations a test function is parametrized over (its parameters' ids), empty
    when it is not; None when there is no such test."""
    module = importlib.import_module(f"tests.security.{Path(file).stem}")
    test = getattr(module, function, None)
    if test is None:
        return None
    ids: set[str] = set()
    for mark in getattr(test, "pytestmark", []):
        if mark.name == "parametrize":
            values = mark.args[1]
            ids |= {v.id for v in values if isinstance(v, ParameterSet) and isinstance(v.id, str)}
    return ids


def test_every_operation_in_the_code_has_a_row_and_every_row_an_operation() -> None:
    documented = [row.operation for row in rows()]
    there = service_operations() | gateway_doors() | agent_deliveries()
    assert sorted(there - set(documented)) == [], "operations without a row"
    assert sorted(set(documented) - there) == [], "rows of operations that are not there"
    assert len(documented) == len(set(documented)), "an operation with two rows"
    # The bridges' only door is the agent's inbox: the agent.* rows are theirs too.
    from services.agents.a2a_bridge.agent import A2ABridge
    from services.agents.mcp_bridge.agent import McpBridge

    assert issubclass(McpBridge, Agent) and issubclass(A2ABridge, Agent)


def test_every_row_names_rogue_tests_that_exist_and_try_its_operation() -> None:
    wrong = []
    for row in rows():
        if not row.tests:
            wrong.append(f"{row.operation}: names no test")
        for file, function in row.tests:
            ids = tried_by(file, function)
            if ids is None:
                wrong.append(f"{row.operation}: no test {file}::{function}")
            elif ids and row.operation not in ids:
                wrong.append(f"{row.operation}: {function} does not try it")
    assert wrong == [], "\n".join(wrong)
