"""``ioa agent run NAME [--config FILE]`` maps names and config files to a module and env."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ioa.agents import AgentConfigError, agent_env


def test_each_agent_name_maps_to_its_module() -> None:
    assert agent_env("calculator", None) == ("services.agents.calculator", {})
    assert agent_env("python", None)[0] == "services.agents.python"
    assert agent_env("docs", None)[0] == "services.agents.docs"
    module, env = agent_env("writer", None)
    assert module == "services.agents.assistant"
    assert env["IOA_ASSISTANT_PERSONA"].endswith("personas/writer.json")


def test_a_config_file_is_a_persona_for_the_assistant_and_settings_for_the_others(
    tmp_path: Path,
) -> None:
    persona = tmp_path / "poet.json"
    persona.write_text("{}")
    settings = tmp_path / "python.json"
    settings.write_text(json.dumps({"python_cpu_seconds": 3, "IOA_LOG_LEVEL": "DEBUG"}))

    assert agent_env("assistant", persona)[1] == {"IOA_ASSISTANT_PERSONA": str(persona)}
    assert agent_env("python", settings)[1] == {
        "IOA_PYTHON_CPU_SECONDS": "3",
        "IOA_LOG_LEVEL": "DEBUG",
    }


def test_an_unknown_agent_or_a_missing_config_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AgentConfigError, match="unknown agent 'nope'"):
        agent_env("nope", None)
    with pytest.raises(AgentConfigError, match="is not a file"):
        agent_env("docs", tmp_path / "missing.json")


def test_the_command_line_says_which_agents_exist() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ioa", "agent", "run", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "calculator, assistant, writer, python, docs" in done.stderr
