"""``ioa up`` when a part fails to start: it says which and why, and leaves nothing behind."""

import subprocess
import sys
from pathlib import Path

import pytest

from ioa.nats_server import free_port
from tests.ioa.procfs import process_gone

IOA = Path(sys.executable).parent / "ioa"


def up_with_a_failing_registry(
    tmp_path: Path, main: str, environ: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``ioa up`` with a stand-in registry package (found first on PYTHONPATH) whose
    ``__main__`` is ``main``; the finished run and its data folder."""
    fake = tmp_path / "fake" / "registry"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "__main__.py").write_text(main)
    data = tmp_path / "data"
    ports = ["--nats-port", "0", "--gateway-port", str(free_port())]
    done = subprocess.run(
        [str(IOA), "up", "--data-dir", str(data), "--llm", "none", *ports],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(fake.parent), **(environ or {})},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done, data


def test_a_part_that_exits_while_starting_stops_everything_and_shows_its_log(
    tmp_path: Path,
) -> None:
    done, data = up_with_a_failing_registry(
        tmp_path,
        "import os, sys\n"
        "print('registry pid', os.getpid(), flush=True)\n"
        "print('cannot open the database: disk on fire', file=sys.stderr)\n"
        "sys.exit(3)\n",
    )
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "registry exited with code 3 while starting" in out
    assert "disk on fire" in out
    assert str(data / "logs" / "registry.log") in out
    assert not (data / "run.json").exists()
    nats_pid = int(next(line.split()[2] for line in out.splitlines() if "nats " in line))
    assert process_gone(nats_pid)


@pytest.mark.parametrize(
    ("environ", "seen"),
    [
        ({}, "IOA_DATABASE_URL=sqlite:///{data}/registry.db DATABASE_URL=None"),
        (
            {"DATABASE_URL": "postgresql://db/ioa"},
            "IOA_DATABASE_URL=None DATABASE_URL=postgresql://db/ioa",
        ),
        (
            {"IOA_DATABASE_URL": "sqlite:///my.db"},
            "IOA_DATABASE_URL=sqlite:///my.db DATABASE_URL=None",
        ),
    ],
)
def test_the_registry_gets_sqlite_only_when_no_database_is_named(
    tmp_path: Path, environ: dict[str, str], seen: str
) -> None:
    # The stand-in shows the database settings it was given, then fails.
    done, data = up_with_a_failing_registry(
        tmp_path,
        "import os, sys\n"
        "names = ('IOA_DATABASE_URL', 'DATABASE_URL')\n"
        "print(*(f'{n}={os.environ.get(n)}' for n in names), file=sys.stderr)\n"
        "sys.exit(3)\n",
        environ,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert seen.format(data=data) in done.stdout
