"""Faults in the embedded stack, one at a time, with conversations in flight: nothing
acknowledged is lost, nothing is stored, delivered or done twice, every conversation ends.

``make chaos`` runs every fault with 20 conversations (the ``chaos`` marker); ``make
test`` runs the short form: three faults with 5 conversations.
"""

import pytest

from tests.chaos.report import ROUNDS
from tests.chaos.rounds import run_round
from tests.chaos.stack import Stack

FULL = 20
SHORT = 5
ALL_FAULTS = ["member", "chat", "coordinator", "registry", "gateway", "freeze", "nats"]
SHORT_FAULTS = ["member", "chat", "coordinator"]


async def check_round(stack: Stack, fault: str, conversations: int) -> None:
    result = await run_round(stack, fault, conversations)
    ROUNDS.append(result)
    found = result.audit
    data = stack.supervisor.data
    assert found.missing == [], f"lost after {fault} (logs in {data / 'logs'}): {found.missing}"
    assert found.problems == [], f"after {fault} (logs in {data / 'logs'}): {found.problems}"
    assert result.ended == {"concluded": conversations}, f"after {fault}: {result.ended}"


@pytest.mark.chaos
@pytest.mark.timeout(600)
@pytest.mark.parametrize("fault", ALL_FAULTS)
async def test_a_fault_with_twenty_conversations_in_flight_loses_nothing(
    stack: Stack, fault: str
) -> None:
    await check_round(stack, fault, FULL)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("fault", SHORT_FAULTS)
async def test_a_fault_with_conversations_in_flight_loses_nothing(stack: Stack, fault: str) -> None:
    await check_round(stack, fault, SHORT)
