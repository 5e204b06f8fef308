"""The ``ioa`` command line."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ioa.cli import main

IOA = Path(sys.executable).parent / "ioa"


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "up" in out and "demo" in out


def test_an_llm_choice_that_is_neither_local_none_nor_a_url_is_refused() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["up", "--llm", "gpt-4"])
    assert exited.value.code == 2


def test_up_on_a_busy_port_fails_fast_with_what_to_do(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [
                str(IOA),
                "up",
                "--data-dir",
                str(tmp_path),
                "--llm",
                "none",
                "--nats-port",
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert done.returncode == 1
    assert f"port {port} is already in use" in done.stdout
    assert "--nats-port" in done.stdout
    assert not (tmp_path / "run.json").exists()
