"""Run the coordinator: ``python -m services.coordinator``."""

import asyncio

from protocol.lifecycle import until_signalled
from protocol.telemetry import setup_telemetry
from services.coordinator.app import serve
from services.coordinator.handlers import VERSION
from services.coordinator.settings import CoordinatorSettings


async def run(settings: CoordinatorSettings) -> None:
    async with serve(settings):
        await until_signalled()


def main() -> None:
    settings = CoordinatorSettings()
    with setup_telemetry("coordinator", VERSION, settings):
        asyncio.run(run(settings))


if __name__ == "__main__":
    main()
