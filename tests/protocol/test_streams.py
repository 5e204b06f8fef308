"""A service that starts while its NATS server is still coming up waits for JetStream.

This test runs its own nats-server (the session's server is shared) and stops it, so
the stream is asked for while there is no JetStream to answer; it is started again on
the same port a moment later, and the stream is made.
"""

import asyncio
from pathlib import Path

from ioa import nats_server
from ioa.processes import die_with_parent
from protocol.connection import Connection
from protocol.settings import NatsSettings
from protocol.streams import ensure_stream, event_stream


async def test_a_stream_asked_for_before_jetstream_is_back_is_made_once_it_is(
    tmp_path: Path, subject_root: str
) -> None:
    port, store = nats_server.free_port(), tmp_path / "nats"
    server = nats_server.start(port, store, preexec_fn=die_with_parent())
    settings = NatsSettings(nats_url=f"nats://127.0.0.1:{port}", subject_root=subject_root)
    try:
        async with Connection(settings, "registry") as conn:
            spec = event_stream(conn.subjects)
            nats_server.stop(server)
            made = asyncio.create_task(ensure_stream(conn.js, spec))
            await asyncio.sleep(1.5)
            assert not made.done()  # waiting, not failed
            server = await asyncio.to_thread(
                nats_server.start, port, store, preexec_fn=die_with_parent()
            )
            await asyncio.wait_for(made, 30)
            info = await conn.js.stream_info(spec.name)
            assert info.config.subjects == spec.subjects
    finally:
        nats_server.stop(server)
