"""``ioa agent run NAME`` and ``ioa bridge a2a|mcp``: one agent as its own process.

Each agent is a module (``python -m services.agents.<name>``) configured by
environment variables alone, which is how a Kubernetes Deployment runs it;
these commands only translate their arguments into those variables and then
replace this process with the agent's (``execve``), so signals reach it directly.
"""

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from protocol.errors import IoaError


@dataclass(frozen=True, slots=True)
class AgentSpec:
    module: str
    env: Mapping[str, str] = field(default_factory=dict)
    config_env: str | None = None
    """The variable a ``--config`` file goes into; ``None``: the file holds settings."""
    about: str = ""


def _persona(name: str) -> str:
    return str(Path(__file__).resolve().parents[1] / "services/agents/assistant/personas" / name)


AGENTS: dict[str, AgentSpec] = {
    "calculator": AgentSpec("services.agents.calculator", about="exact arithmetic and units"),
    "assistant": AgentSpec(
        "services.agents.assistant",
        {"IOA_ASSISTANT_PERSONA": _persona("assistant.json")},
        "IOA_ASSISTANT_PERSONA",
        "an LLM persona (--config: a persona JSON file)",
    ),
    "writer": AgentSpec(
        "services.agents.assistant",
        {"IOA_ASSISTANT_PERSONA": _persona("writer.json")},
        "IOA_ASSISTANT_PERSONA",
        "the writer persona of the assistant",
    ),
    "python": AgentSpec("services.agents.python", about="runs Python code under limits"),
    "docs": AgentSpec("services.agents.docs", about="answers from a folder of documents"),
}


class AgentConfigError(ValueError):
    """A --config file that cannot be used."""


def settings_env(config: Path) -> dict[str, str]:
    """A JSON object of settings as ``IOA_`` variables: ``{"python_cpu_seconds": 5}``."""
    try:
        values = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AgentConfigError(f"cannot read {config}: {exc}") from None
    if not isinstance(values, dict):
        raise AgentConfigError(f"{config} must hold a JSON object of settings")
    env = {}
    for key, value in values.items():
        name = key.upper() if key.upper().startswith(("IOA_", "OPENAI_")) else f"IOA_{key.upper()}"
        env[name] = value if isinstance(value, str) else json.dumps(value)
    return env


def agent_env(name: str, config: Path | None) -> tuple[str, dict[str, str]]:
    """The module to run and the extra environment for agent ``name``."""
    spec = AGENTS.get(name)
    if spec is None:
        raise AgentConfigError(f"unknown agent {name!r}; choose one of {', '.join(AGENTS)}")
    env = dict(spec.env)
    if config is not None:
        if not config.is_file():
            raise AgentConfigError(f"{config} is not a file")
        if spec.config_env:
            env[spec.config_env] = str(config.resolve())
        else:
            env.update(settings_env(config))
    return spec.module, env


def run_module(module: str, env: Mapping[str, str]) -> int:
    """Become ``python -m module`` with ``env`` added to this environment."""
    os.execve(sys.executable, [sys.executable, "-m", module], {**os.environ, **env})
    return 0  # not reached


def run_agent(name: str, config: Path | None, data_dir: Path = Path(".ioa")) -> int:
    from ioa import admission

    try:
        module, env = agent_env(name, config)
        if config is None:  # its id is NAME: beside a local secured network, admit it
            env |= admission.local_credentials(name, data_dir)
    except (AgentConfigError, admission.AdmissionError, IoaError) as exc:
        print(f"ioa agent run: {exc}", file=sys.stderr)
        return 2
    return run_module(module, env)


def run_bridge(kind: str, target: str, agent_id: str | None) -> int:
    """``ioa bridge a2a URL`` or ``ioa bridge mcp COMMAND_OR_URL``."""
    if kind == "a2a":
        env = {"IOA_A2A_URL": target}
        if agent_id:
            env["IOA_A2A_AGENT_ID"] = agent_id
        return run_module("services.agents.a2a_bridge", env)
    env = {"IOA_MCP_SERVER": target}
    if agent_id:
        env["IOA_MCP_AGENT_ID"] = agent_id
    return run_module("services.agents.mcp_bridge", env)
