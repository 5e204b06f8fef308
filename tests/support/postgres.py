"""A real PostgreSQL server for tests: Debian's ``postgresql`` binaries, a temporary data
directory, a free port on 127.0.0.1 and the unix socket inside the data directory.

As root, the server runs as the ``postgres`` user (PostgreSQL refuses to run as
root). ``make test`` installs the package (``make install-postgres``).
"""

import contextlib
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ioa.processes import stop

HOW_TO_INSTALL = (
    "install PostgreSQL with 'make install-postgres' (Debian: apt-get install -y postgresql) "
    "and psycopg with pip install -e '.[postgres]'; set IOA_TEST_POSTGRES=skip to skip the "
    "PostgreSQL runs on a developer machine"
)


class PostgresUnavailable(RuntimeError):
    """The test server could not be started; the message says what to do."""


@dataclass(frozen=True, slots=True)
class PostgresServer:
    port: int
    directory: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def find_bin_dir() -> Path:
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1].parent
    found = shutil.which("postgres")
    if found:
        return Path(found).parent
    raise PostgresUnavailable(f"no PostgreSQL server binaries found; {HOW_TO_INSTALL}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


@contextlib.contextmanager
def postgres_server(root: Path, *, timeout: float = 30.0) -> Iterator[PostgresServer]:
    """Initialise a cluster under ``root`` and run it until the block exits."""
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise PostgresUnavailable(f"the psycopg driver is not installed; {HOW_TO_INSTALL}") from exc
    bin_dir = find_bin_dir()
    data = root / "data"
    root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        root.chmod(0o755)
        # The postgres user must be able to reach our folder through its parents.
        for parent in root.parents:
            if parent == Path("/"):
                break
            parent.chmod(parent.stat().st_mode | 0o011)
    init = subprocess.run(
        _as_postgres(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ]
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if init.returncode != 0:
        raise PostgresUnavailable(f"initdb failed: {init.stderr.strip()}; {HOW_TO_INSTALL}")
    port = _free_port()
    log = (root / "postgres.log").open("w")
    proc = subprocess.Popen(
        _as_postgres(
            [
                str(bin_dir / "postgres"),
                "-D",
                str(data),
                "-p",
                str(port),
                "-k",
                str(root),
                "-c",
                "listen_addresses=127.0.0.1",
                # A throwaway test server: durability off, speed on.
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_ready(port, proc, root, timeout)
        yield PostgresServer(port, root)
    finally:
        stop(proc, 15)
        log.close()


def _wait_ready(port: int, proc: subprocess.Popen[bytes], root: Path, timeout: float) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            output = (root / "postgres.log").read_text()[-2000:]
            raise PostgresUnavailable(f"postgres exited at start: {output}; {HOW_TO_INSTALL}")
        try:
            with psycopg.connect(
                f"host=127.0.0.1 port={port} user=postgres dbname=postgres", connect_timeout=2
            ):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise PostgresUnavailable(
                    f"postgres did not accept connections within {timeout:g}s; {HOW_TO_INSTALL}"
                ) from None
            time.sleep(0.1)
