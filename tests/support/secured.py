"""A real nats-server in operator mode (decentralised JWT auth), as ``ioa up`` runs it.

The server trusts a fresh operator; services get credentials for their roles,
agents get theirs by admission at the real registry, exactly as in production.
"""

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ioa import nats_server
from ioa.authority import Authority
from ioa.processes import die_with_parent
from protocol.subjects import Subjects


@dataclass(slots=True)
class SecuredNats:
    url: str
    authority: Authority
    folder: Path
    log_path: Path
    proc: subprocess.Popen[str]

    def service_creds(self, root: str) -> dict[str, Path]:
        """Credentials of every service role and of ``admin`` for one subject root."""
        folder = self.folder / "creds" / root
        return self.authority.write_service_creds(Subjects(root), folder)

    def log(self) -> str:
        return self.log_path.read_text()


@contextmanager
def secured_nats(folder: Path) -> Iterator[SecuredNats]:
    authority = Authority.open(folder / "auth")
    config = folder / "nats.conf"
    config.write_text(authority.server_config(folder / "accounts"))
    port = nats_server.free_port()
    log_path = folder / "nats.log"
    proc = nats_server.start(
        port, folder / "store", config=config, log_path=log_path, preexec_fn=die_with_parent()
    )
    try:
        yield SecuredNats(f"nats://127.0.0.1:{port}", authority, folder, log_path, proc)
    finally:
        nats_server.stop(proc)
