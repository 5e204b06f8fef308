"""One stack for the whole chaos run (starting it costs more than a round), and the report
at the end of the run."""

from collections.abc import AsyncIterator

import pytest

from tests.chaos.report import LEGEND, ROUNDS, details, table
from tests.chaos.stack import Stack, chaos_stack


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with chaos_stack(tmp_path_factory.mktemp("chaos")) as running:
        yield running


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not ROUNDS:
        return
    terminalreporter.section("chaos report")
    terminalreporter.write_line(table(ROUNDS))
    terminalreporter.write_line("")
    terminalreporter.write_line(LEGEND)
    notes = details(ROUNDS)
    if notes:
        terminalreporter.write_line("")
        terminalreporter.write_line(notes)
