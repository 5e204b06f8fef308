"""``ioa serve SERVICE`` and ``ioa health PART``: how a container runs and probes a part.

The image's entrypoint is ``ioa``, so ``docker run IMAGE serve registry`` and a
Kubernetes container with ``args: [serve, chat]`` run a service. ``serve``
replaces this process with ``python -m <module>`` (``execve``), so SIGTERM from
the orchestrator reaches the service itself and it drains on its own.

``ioa health PART`` is the probe a container runs (Docker ``HEALTHCHECK``,
compose ``healthcheck``, a Kubernetes ``exec`` probe):

- registry, chat, coordinator: the service answers the NATS micro framework's
  PING. With ``IOA_INSTANCE_FILE`` set (the Kubernetes manifests set it), the
  service writes its instance id there once it serves and the probe asks that
  instance (``$SRV.PING.<name>.<id>``): this very process is connected and
  serving, which is what readiness means. Without it any replica answers
  (``$SRV.PING.<name>``): the service is reachable through NATS;
- gateway: ``GET http://127.0.0.1:$IOA_GATEWAY_PORT/healthz`` answers 200;
- llm (``ioa serve llm``, the optional local LLM server): ``GET /v1/models``;
- an agent (calculator, assistant, writer, any agent id): the registry reports
  it online.

Exit status: 0 healthy, 1 unhealthy, 2 when NATS (or, for an agent, the
registry) cannot be reached at all. With ``--live`` status 2 becomes 0: a
liveness probe must not restart a healthy process because something else is
down, since a restart would not help and would only add load.
"""

import asyncio
import os
import sys
from collections.abc import Mapping
from enum import IntEnum
from pathlib import Path
from typing import Any

from ioa.agents import run_module

SERVICES: dict[str, str] = {
    "registry": "registry",
    "chat": "services.chat",
    "coordinator": "services.coordinator",
    "gateway": "gateway",
}
NATS_SERVICES = ("registry", "chat", "coordinator")
LLM_PORT = 8081
PROBE_TIMEOUT = 3.0


class Health(IntEnum):
    OK = 0
    UNHEALTHY = 1
    UNREACHABLE = 2


def llm_command(environ: Mapping[str, str]) -> list[str]:
    """llama.cpp's OpenAI-compatible server with the packaged SmolLM2 model, listening
    on all interfaces (a container's port is reached from outside it)."""
    from ioa import local_llm

    local_llm.check_server_installed()
    port = int(environ.get("IOA_LLM_PORT", LLM_PORT))
    cmd = local_llm.server_command(local_llm.find_gguf(), port)
    cmd[cmd.index("--host") + 1] = environ.get("IOA_LLM_HOST", "0.0.0.0")
    return cmd


def serve(name: str) -> int:
    """Become the service ``name`` (see :data:`SERVICES`, plus ``llm``)."""
    if name == "llm":
        from ioa.local_llm import LocalLlmMissing

        try:
            cmd = llm_command(os.environ)
        except LocalLlmMissing as exc:
            print(f"ioa serve llm: {exc}", file=sys.stderr)
            return 2
        os.execv(cmd[0], cmd)
    module = SERVICES.get(name)
    if module is None:
        print(f"ioa serve: unknown service {name!r}; choose one of {', '.join(SERVICES)}")
        return 2
    return run_module(module, {})


def gateway_url(environ: Mapping[str, str]) -> str:
    """The gateway's health URL from inside its own container."""
    port = environ.get("IOA_GATEWAY_PORT", "8000")
    return f"http://127.0.0.1:{port}/healthz"


async def check_gateway(url: str) -> Health:
    import httpx

    try:
        async with httpx.AsyncClient(timeout=PROBE_TIMEOUT) as client:
            response = await client.get(url)
    except httpx.HTTPError:
        return Health.UNREACHABLE
    return Health.OK if response.status_code == 200 else Health.UNHEALTHY


async def _connect(name: str) -> Any:
    """One quick attempt at NATS as the container's own NATS user: a probe must answer
    within its timeout, so it never waits through reconnects."""
    import nats

    from protocol.settings import NatsSettings

    s = NatsSettings()
    options: dict[str, Any] = {
        "servers": s.nats_url.split(","),
        "name": f"probe-{name}",
        # On a secured network the probe's credentials let it read only the replies
        # under its own identity's prefix; any other reply would never arrive.
        "inbox_prefix": s.subjects.reply_prefix(name),
        "allow_reconnect": False,
        "connect_timeout": PROBE_TIMEOUT,
        # nats-py retries a refused first connect until a server has failed more
        # often than this (0 would mean forever): one retry per server, 0.1 s apart.
        "max_reconnect_attempts": 1,
        "reconnect_time_wait": 0.1,
    }
    if s.nats_user:
        options["user"] = s.nats_user
        options["password"] = s.nats_password.get_secret_value() if s.nats_password else ""
    if s.nats_creds:
        options["user_credentials"] = str(s.nats_creds)

    async def quiet(exc: Exception) -> None:
        pass

    return await nats.connect(**options, error_cb=quiet)


async def check_nats_service(name: str, environ: Mapping[str, str]) -> Health:
    """Healthy when ``name`` answers a micro-framework PING: this container's own instance
    when ``IOA_INSTANCE_FILE`` names the file it writes once it serves (a readiness probe:
    this replica serves), else any instance (the service is reachable)."""
    from nats.errors import Error as NatsError
    from nats.micro.service import ServiceVerb, control_subject

    instance = None
    if environ.get("IOA_INSTANCE_FILE"):
        try:
            instance = (
                await asyncio.to_thread(Path(environ["IOA_INSTANCE_FILE"]).read_text)
            ).strip()
        except OSError:
            return Health.UNHEALTHY  # not serving yet (or stopping)
    try:
        nc = await _connect(name)
    except (NatsError, OSError):
        return Health.UNREACHABLE
    try:
        subject = control_subject(ServiceVerb.PING, name, instance)
        await nc.request(subject, b"", timeout=PROBE_TIMEOUT)
    except (NatsError, TimeoutError):
        return Health.UNHEALTHY
    finally:
        await nc.close()
    return Health.OK


async def check_agent(agent: str) -> Health:
    """Healthy when the registry says ``agent`` is online.

    The probe asks as the agent itself: the container's own NATS credentials
    allow exactly that identity's requests.
    """
    from nats.errors import Error as NatsError
    from nats.errors import NoRespondersError

    from protocol.envelope import Envelope, decode
    from protocol.kinds import AgentInfo, GetAgent
    from protocol.settings import NatsSettings
    from protocol.subjects import REGISTRY

    subjects = NatsSettings().subjects
    env = Envelope.of(GetAgent(agent=agent), sender=agent)
    try:
        nc = await _connect(agent)
    except (NatsError, OSError):
        return Health.UNREACHABLE
    try:
        msg = await nc.request(
            subjects.request(agent, REGISTRY, "get_agent"), env.encode(), timeout=PROBE_TIMEOUT
        )
    except NoRespondersError:
        return Health.UNREACHABLE  # no registry: not this agent's fault
    except (NatsError, TimeoutError):
        return Health.UNHEALTHY
    finally:
        await nc.close()
    body = decode(msg.data).body
    return Health.OK if isinstance(body, AgentInfo) and body.online else Health.UNHEALTHY


def agent_id(name: str, environ: Mapping[str, str]) -> str:
    """The id a named agent registers under: ``IOA_AGENT_ID`` overrides ``name``."""
    return environ.get("IOA_AGENT_ID") or name


def running_part(environ: Mapping[str, str], proc: Path = Path("/proc/1")) -> str | None:
    """Which part this container runs: ``IOA_PART``, else read from PID 1's command
    line (``python -m services.chat`` is chat, the assistant module is its persona)."""
    if environ.get("IOA_PART"):
        return environ["IOA_PART"]
    try:
        argv = (proc / "cmdline").read_bytes().decode().split("\0")
        pid1_env = dict(
            line.split("=", 1)
            for line in (proc / "environ").read_bytes().decode().split("\0")
            if "=" in line
        )
    except OSError:
        return None
    if "llama_cpp.server" in argv:
        return "llm"
    if "-m" not in argv or argv.index("-m") + 1 >= len(argv):
        return None
    module = argv[argv.index("-m") + 1]
    for name, service_module in SERVICES.items():
        if module == service_module:
            return name
    if module.startswith("services.agents."):
        if pid1_env.get("IOA_AGENT_ID"):
            return pid1_env["IOA_AGENT_ID"]
        persona = pid1_env.get("IOA_ASSISTANT_PERSONA")
        return Path(persona).stem if persona else module.rsplit(".", 1)[1]
    return None


async def check(part: str, environ: Mapping[str, str]) -> Health:
    if part == "gateway":
        return await check_gateway(gateway_url(environ))
    if part == "llm":
        port = environ.get("IOA_LLM_PORT", str(LLM_PORT))
        return await check_gateway(f"http://127.0.0.1:{port}/v1/models")
    if part in NATS_SERVICES:
        return await check_nats_service(part, environ)
    return await check_agent(agent_id(part, environ))


def health(part: str | None, *, live: bool = False) -> int:
    """The probe's exit status for ``part`` (see the module docstring); without a part,
    the one this container runs (:func:`running_part`)."""
    part = part or running_part(os.environ)
    if part is None:
        print("ioa health: name the part to probe (or set IOA_PART)", file=sys.stderr)
        return int(Health.UNHEALTHY)
    # Probes run often: keep them quiet and cheap (no telemetry, no logs unless broken).
    import logging

    logging.disable(logging.WARNING)
    try:
        result = asyncio.run(asyncio.wait_for(check(part, os.environ), 4 * PROBE_TIMEOUT))
    except TimeoutError:
        result = Health.UNREACHABLE
    if result is Health.UNREACHABLE and live:
        return Health.OK
    if result is not Health.OK:
        print(f"ioa health {part}: {result.name.lower()}", file=sys.stderr)
    return int(result)
