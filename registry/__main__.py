"""``python -m registry``: run the registry until SIGTERM or SIGINT."""

import asyncio

from protocol.lifecycle import until_signalled
from protocol.telemetry import setup_telemetry
from registry import __version__
from registry.app import serve
from registry.settings import RegistrySettings


async def main() -> None:
    settings = RegistrySettings()
    with setup_telemetry("registry", __version__, settings):
        async with serve(settings):
            await until_signalled()


def run() -> None:
    asyncio.run(main())


if __name__ == "__main__":
    run()
