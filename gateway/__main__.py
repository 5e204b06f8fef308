"""``python -m gateway``: serve the HTTP API with uvicorn until SIGTERM or SIGINT.

uvicorn handles the signals: it stops accepting connections, lets open
requests finish for ``IOA_SHUTDOWN_GRACE_SECONDS``, then the lifespan drains
the NATS connection, and spans are flushed before the process exits with 0.
"""

import asyncio
import logging
import signal

import uvicorn

from gateway import __version__
from gateway.app import create_app
from gateway.settings import GatewaySettings
from protocol.telemetry import ToStructlog, setup_telemetry


def _route_stdlib_logs(level: str) -> None:
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = [ToStructlog()]
        logger.setLevel(level.upper())
        logger.propagate = False


def _absorb_reraised_signals() -> None:
    """uvicorn re-raises the signal it stopped on once it is done; with the default
    handler that would kill the process before telemetry is flushed."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: None)


async def main() -> None:
    settings = GatewaySettings()
    _absorb_reraised_signals()
    with setup_telemetry("gateway", __version__, settings):
        _route_stdlib_logs(settings.log_level)
        config = uvicorn.Config(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            lifespan="on",
            log_config=None,
            access_log=False,  # the server-span middleware logs each request
            timeout_graceful_shutdown=settings.shutdown_grace_seconds,
            proxy_headers=True,
        )
        await uvicorn.Server(config).serve()


def run() -> None:
    asyncio.run(main())


if __name__ == "__main__":
    run()
