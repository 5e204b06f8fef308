"""A TCP relay in front of a real nats-server that takes each client ``SUB`` late, as a
busy server does that reads one connection's commands after another's.

Bytes keep their order on each connection: what follows a ``SUB`` waits with it. What a
client wrote before it goes through at once, so a client that puts a ``PING`` on the
wire ahead of a subscription it made earlier gets its ``PONG`` while the server does
not have the subscription yet.
"""

import asyncio
import itertools
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from urllib.parse import urlparse

SUB = re.compile(rb"(?:^|(?<=\n))SUB ")  # a SUB command, not the end of an UNSUB


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    with suppress(ConnectionError, asyncio.CancelledError):
        while chunk := await reader.read(65536):
            held = {m.start() for m in SUB.finditer(chunk)} if delay else set()
            for start, end in itertools.pairwise(sorted({0, *held, len(chunk)})):
                if start in held:
                    await asyncio.sleep(delay)
                writer.write(chunk[start:end])
                await writer.drain()
    writer.close()


@asynccontextmanager
async def slow_server(nats_url: str, *, sub_delay: float) -> AsyncIterator[str]:
    """Serve a relay to ``nats_url`` on a free local port, where each ``SUB`` reaches the
    server ``sub_delay`` late; yield its URL."""
    upstream = urlparse(nats_url)
    pipes: set[asyncio.Task[None]] = set()

    async def relay(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(upstream.hostname, upstream.port)
        for pipe in (_pipe(client_r, server_w, sub_delay), _pipe(server_r, client_w, 0)):
            pipes.add(asyncio.create_task(pipe))

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"nats://127.0.0.1:{port}"
    finally:
        server.close()
        for task in pipes:
            task.cancel()
        await asyncio.gather(*pipes, return_exceptions=True)
