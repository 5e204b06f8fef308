"""Run the calculator agent: ``python -m services.agents.calculator``."""

import asyncio
import contextlib

import structlog

from protocol.lifecycle import until_signalled
from protocol.telemetry import setup_telemetry
from services.agents.calculator.agent import Calculator
from services.agents.calculator.card import VERSION, calculator_card
from services.agents.calculator.settings import CalculatorSettings


async def main() -> None:
    settings = CalculatorSettings()
    card = calculator_card()
    with setup_telemetry(card.id, VERSION, settings):
        # Listen for SIGTERM before starting: the registry may list the agent (and an
        # orchestrator stop it) before the start-up has finished.
        stopped = asyncio.create_task(until_signalled())
        await asyncio.sleep(0)
        async with contextlib.AsyncExitStack() as stack:
            stack.callback(stopped.cancel)
            await stack.enter_async_context(Calculator(card, settings))
            structlog.get_logger("ioa.calculator").info("calculator ready")
            await stopped


if __name__ == "__main__":
    asyncio.run(main())
