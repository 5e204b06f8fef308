"""``python -m registry`` runs as its own process and stops cleanly on SIGTERM."""

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

from protocol.connection import Connection
from protocol.errors import Unavailable
from protocol.kinds import Register, Search, SearchResults
from protocol.settings import ServiceSettings
from protocol.subjects import REGISTRY
from tests.registry.conftest import make_card


async def test_the_registry_process_serves_and_exits_cleanly_on_sigterm(
    settings: ServiceSettings, tmp_path: Path
) -> None:
    database = tmp_path / "data" / "registry.db"
    env = {
        **os.environ,
        "IOA_NATS_URL": settings.nats_url,
        "IOA_SUBJECT_ROOT": settings.subject_root,
        "IOA_DATABASE_URL": f"sqlite:///{database}",
        "IOA_LOG_FORMAT": "json",
        "IOA_TRACE_DIR": str(tmp_path / "traces"),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "registry", env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with Connection(settings, "calculator") as conn:
            deadline = time.monotonic() + 20
            while True:
                try:
                    await conn.request(REGISTRY, "register", Register(card=make_card("calculator")))
                    break
                except Unavailable:
                    assert time.monotonic() < deadline, "the registry never started serving"
                    await asyncio.sleep(0.1)
            found = await conn.request(REGISTRY, "search", Search(query="calculator"))
        assert isinstance(found.body, SearchResults) and found.body.hits
        assert database.exists()

        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), timeout=10)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

    assert code == 0
    assert proc.stderr is not None
    logs = [json.loads(line) for line in (await proc.stderr.read()).decode().splitlines() if line]
    assert any(entry.get("event") == "registry ready" for entry in logs)
    assert any(entry.get("event") == "stopping on signal" for entry in logs)
    spans = (tmp_path / "traces" / "registry.jsonl").read_text()
    assert "process registry.register" in spans
