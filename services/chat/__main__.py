"""``python -m services.chat``: run one chat replica until SIGTERM or SIGINT."""

import asyncio

from protocol.lifecycle import until_signalled
from protocol.telemetry import setup_telemetry
from services.chat import __version__
from services.chat.app import serve
from services.chat.settings import ChatSettings


async def run(settings: ChatSettings) -> None:
    async with serve(settings):
        await until_signalled()


def main() -> None:
    settings = ChatSettings()
    with setup_telemetry("chat", __version__, settings):
        asyncio.run(run(settings))


if __name__ == "__main__":
    main()
