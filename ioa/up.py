"""``ioa up``: the embedded supervisor.

Starts nats-server, the local LLM server, the services and the demo agents,
each as its own OS process with its data under one folder, waits until each is
healthy, then supervises them until SIGINT or SIGTERM and stops them in reverse
order: a child that dies is restarted with backoff (:mod:`ioa.restarts`), one that
keeps dying is left down (or, for nats-server, ends the run). Children die with the
supervisor even if it is SIGKILLed.
"""

import asyncio
import contextlib
import importlib.util
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import structlog

from ioa import local_llm, nats_server, runfile
from ioa.authority import Authority
from ioa.health import Check, agent_online, http_ok, service_answers, wait_until
from ioa.processes import ManagedProcess, die_with_parent, stop_all
from ioa.restarts import Died, Event, Restarted, Restarter, RestartPolicy
from protocol.connection import Connection
from protocol.kinds import Admit, Admitted
from protocol.redaction import scrub_event
from protocol.settings import NatsSettings
from protocol.subjects import ADMIN, CHAT, COORDINATOR, DEFAULT_ROOT, GATEWAY, REGISTRY, Subjects
from registry.credentials import IssuedCredentials, write_creds

SERVICE_TIMEOUT = 45.0
LLM_TIMEOUT = 180.0
AGENTS = ("calculator", "assistant", "writer", "python", "docs")
VITAL = ("nats",)
"""Children without which nothing works: when one is left down, ``ioa up`` stops."""
WATCH_INTERVAL = 0.25

log = structlog.get_logger("ioa.up")

Out = Callable[[str], None]


class StartupFailed(Exception):
    """A part did not start; ``args[0]`` says which and why, ``hint`` what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(slots=True)
class UpOptions:
    data_dir: Path = Path(".ioa")
    gateway_port: int = 8000
    nats_port: int = 4222
    llm: str | None = None
    """``local``, ``none``, a base URL, or None: local unless OPENAI_BASE_URL is set."""


@dataclass(slots=True, frozen=True)
class LlmPlan:
    mode: Literal["local", "external", "none"]
    url: str | None = None


def registry_database(environ: Mapping[str, str], data: Path) -> dict[str, str]:
    """The registry's database setting: SQLite under ``data`` unless the environment
    already names a database (``IOA_DATABASE_URL`` or ``DATABASE_URL``)."""
    if environ.get("IOA_DATABASE_URL") or environ.get("DATABASE_URL"):
        return {}
    return {"IOA_DATABASE_URL": f"sqlite:///{data / 'registry.db'}"}


def plan_llm(choice: str | None, environ: Mapping[str, str]) -> LlmPlan:
    """Which LLM the processes use, from ``--llm`` and the environment."""
    if choice in (None, ""):
        url = environ.get("OPENAI_BASE_URL")
        return LlmPlan("external", url) if url else LlmPlan("local")
    if choice == "none":
        return LlmPlan("none")
    if choice == "local":
        return LlmPlan("local")
    if choice.startswith(("http://", "https://")):
        return LlmPlan("external", choice)
    raise ValueError(f"--llm takes 'local', 'none' or an http(s) URL, not {choice!r}")


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def writer_persona() -> Path:
    """The writer persona file shipped with the assistant agent (found without importing it)."""
    spec = importlib.util.find_spec("services.agents.assistant")
    if spec is None or not spec.submodule_search_locations:
        raise StartupFailed("the assistant agent package (services.agents.assistant) is missing")
    return Path(next(iter(spec.submodule_search_locations))) / "personas" / "writer.json"


@dataclass(slots=True)
class Part:
    """A process to start and how to tell it is healthy."""

    process: ManagedProcess
    check: Check | None = None
    timeout: float = SERVICE_TIMEOUT
    note: str = ""


@dataclass
class Supervisor:
    options: UpOptions
    out: Out = print
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    steps: list[list[ManagedProcess]] = field(default_factory=list)
    nats_url: str = ""
    gateway_url: str = ""
    llm_url: str | None = None
    api_key: str = ""
    api_key_id: str = ""
    metrics: dict[str, str] = field(default_factory=dict)
    """Each Python process's Prometheus scrape URL, by process name."""
    policy: RestartPolicy = field(default_factory=RestartPolicy)

    def __post_init__(self) -> None:
        self.data = self.options.data_dir.resolve()
        self.logs = self.data / "logs"
        self.root = self.environ.get("IOA_SUBJECT_ROOT", DEFAULT_ROOT)
        self.restarter = Restarter(self.policy)
        self._stop = asyncio.Event()
        self._wrote_runfile = False
        self._started_at = datetime.now(UTC).isoformat()

    def stop(self) -> None:
        """Stop supervising (no more restarts) and let :meth:`run` stop everything."""
        self._stop.set()

    # --- the whole run ---------------------------------------------------------------
    async def run(self) -> int:
        """Start everything, wait for a signal, stop everything; the exit code."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop)
        code = 0
        try:
            code = await self._start_then_watch()
        finally:
            self.shutdown()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        return code

    async def _start_then_watch(self) -> int:
        started = time.monotonic()
        startup = asyncio.create_task(self.start())
        stopper = asyncio.create_task(self._stop.wait())
        done, _ = await asyncio.wait({startup, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if startup not in done:
            startup.cancel()
            self.out("\nInterrupted while starting; stopping what was started.")
            # Let it leave its NATS connection while the server is still up.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(startup, 3.0)
            return 0
        stopper.cancel()
        try:
            startup.result()
        except StartupFailed as exc:
            self.out(f"\n✗ {exc}")
            if exc.hint:
                self.out(exc.hint)
            return 1
        self.announce(time.monotonic() - started)
        return await self.watch()

    # --- starting --------------------------------------------------------------------
    async def start(self) -> None:
        self._check_not_running()
        llm = plan_llm(self.options.llm, self.environ)
        gguf = None
        if llm.mode == "local":
            try:
                local_llm.check_server_installed()
                gguf = local_llm.find_gguf()
            except local_llm.LocalLlmMissing as exc:
                raise StartupFailed(str(exc)) from None
        nats_port, gateway_port = self.prepare()
        self.out(f"Starting the Internet of Agents (data in {self.data})")
        self._start_nats(nats_port)
        llm_env: dict[str, str] = {}
        if llm.mode == "local":
            assert gguf is not None
            llm_env = await self._start_local_llm(gguf)
        elif llm.mode == "external":
            assert llm.url is not None
            self.llm_url = llm.url
            llm_env = {"OPENAI_BASE_URL": llm.url}
            self.out(f"  {'llm':<12} using {llm.url}")
        else:
            self.out(f"  {'llm':<12} none (--llm none): LLM calls fall back to simple rules")

        settings = NatsSettings(
            nats_url=self.nats_url, subject_root=self.root, nats_creds=self.creds[ADMIN]
        )
        async with Connection(settings, ADMIN) as conn:
            env = self.child_env(llm_env)
            # One at a time, each healthy before the next: a clear report of what failed.
            # (Any order converges; see docs/deploy.md, "Start order".)
            for part in self.service_parts(conn, env, gateway_port):
                await self._start_step([part])
            persona = {"IOA_ASSISTANT_PERSONA": str(writer_persona())}
            agents = [
                ("calculator", "services.agents.calculator", {}),
                ("assistant", "services.agents.assistant", {}),
                ("writer", "services.agents.assistant", persona),
                ("python", "services.agents.python", {}),
                ("docs", "services.agents.docs", {}),
            ]
            parts = []
            for name, module, extra in agents:
                creds = await self._admit(conn, name)
                process = self._process(name, module, env | extra | creds)
                parts.append(Part(process, agent_online(conn, name)))
            await self._start_step(parts)

    def prepare(self) -> tuple[int, int]:
        """The data folders, the NATS authority and every service's credentials; the
        ports NATS and the gateway will use."""
        nats_port = self._port(self.options.nats_port, "--nats-port")
        gateway_port = self._port(self.options.gateway_port, "--gateway-port")
        for folder in (self.logs, self.data / "traces", self.data / "nats"):
            folder.mkdir(parents=True, exist_ok=True)
        # NATS decentralised auth, set up by itself: every process gets its own user.
        self.authority = Authority.open(self.data / "auth")
        self.creds = self.authority.write_service_creds(Subjects(self.root), self.creds_dir)
        self.nats_url = f"nats://127.0.0.1:{nats_port}"
        self.gateway_url = f"http://127.0.0.1:{gateway_port}"
        return nats_port, gateway_port

    def nats_process(self, port: int) -> ManagedProcess:
        """nats-server in operator mode on ``port``, JetStream under the data folder (not
        started)."""
        store = self.data / "nats"
        config = self.data / "nats.conf"
        config.write_text(self.authority.server_config(store / "accounts"))
        return ManagedProcess(
            "nats", nats_server.command(port, store, config=config), self.logs / "nats.log"
        )

    def service_parts(
        self, conn: Connection, env: Mapping[str, str], gateway_port: int
    ) -> list[Part]:
        """The registry, chat, coordinator and gateway, each with the health check that
        says it serves (``conn``: the administrator's connection the checks use)."""
        parts = []
        for name, check in (
            (REGISTRY, service_answers(conn, REGISTRY)),
            (CHAT, service_answers(conn, CHAT)),
            (COORDINATOR, service_answers(conn, COORDINATOR)),
        ):
            module = "registry" if name == REGISTRY else f"services.{name}"
            db = registry_database(self.environ, self.data)
            extra = db | self._admission_env() if name == REGISTRY else {}
            creds = {"IOA_NATS_CREDS": str(self.creds[name])}
            parts.append(Part(self._process(name, module, {**env, **creds, **extra}), check))
        gateway_env = {
            **env,
            "IOA_GATEWAY_HOST": "127.0.0.1",
            "IOA_GATEWAY_PORT": str(gateway_port),
            "IOA_GATEWAY_DATABASE_URL": self._create_api_key(),
            "IOA_NATS_CREDS": str(self.creds[GATEWAY]),
        }
        gateway = self._process("gateway", "gateway", gateway_env)
        # Ready, not only up: NATS connected and the key database answering.
        parts.append(Part(gateway, http_ok(f"{self.gateway_url}/readyz")))
        return parts

    def agent_process(
        self, name: str, module: str, env: Mapping[str, str], creds: Path
    ) -> ManagedProcess:
        """An agent of ours with its NATS credentials (not started)."""
        return self._process(name, module, {**env, "IOA_NATS_CREDS": str(creds)})

    @property
    def creds_dir(self) -> Path:
        return self.data / "auth" / "creds"

    def _admission_env(self) -> dict[str, str]:
        """The registry issues agents' credentials with the account's signing key."""
        return {
            "IOA_ADMISSION_ACCOUNT": self.authority.account_key,
            "IOA_ADMISSION_SIGNING_KEY": str(self.authority.signing_seed_file),
        }

    async def _admit(self, conn: Connection, agent: str) -> dict[str, str]:
        """Admit a demo agent as the administrator would; its credentials' environment."""
        reply = await conn.request(REGISTRY, "admit", Admit(agent=agent))
        admitted: Admitted = reply.body
        issued = IssuedCredentials(agent, admitted.public_key, admitted.creds)
        path = write_creds(self.creds_dir / f"{agent}.creds", issued)
        return {"IOA_NATS_CREDS": str(path)}

    def _create_api_key(self) -> str:
        """A key for this run (user ``user:local``), revoked when the run stops; it is
        printed and written to run.json, where ``ioa demo`` finds it."""
        from gateway import keys

        url = keys.database_url(self.data, dict(self.environ))
        engine = keys.open_engine(url)
        try:
            row, self.api_key = keys.create_key(engine, "local")
        finally:
            engine.dispose()
        self.api_key_id = row.id
        self._gateway_db = url
        return url

    def _revoke_api_key(self) -> None:
        if not self.api_key_id:
            return
        from gateway import keys

        engine = keys.open_engine(self._gateway_db)
        try:
            keys.revoke(engine, self.api_key_id)
        finally:
            engine.dispose()

    def _check_not_running(self) -> None:
        info = runfile.read(self.data)
        if info and info.pid != os.getpid() and runfile.pid_alive(info.pid):
            raise StartupFailed(
                f"ioa up is already running for {self.data} (supervisor pid {info.pid}, "
                f"gateway {info.gateway_url}).",
                "Use it (e.g. 'ioa demo'), or stop it first with Ctrl-C or 'kill "
                f"{info.pid}', or pick another folder with --data-dir.",
            )

    def _port(self, wanted: int, flag: str) -> int:
        if wanted == 0:
            return nats_server.free_port()
        if not port_is_free(wanted):
            raise StartupFailed(
                f"port {wanted} is already in use.",
                f"Stop whatever uses it, or choose another port with {flag} (0 picks a free one).",
            )
        return wanted

    def _start_nats(self, port: int) -> None:
        proc = self.nats_process(port)
        began = time.monotonic()
        try:
            proc.adopt(
                nats_server.start(
                    port,
                    self.data / "nats",
                    log_path=proc.log_path,
                    preexec_fn=die_with_parent(),
                    config=self.data / "nats.conf",
                )
            )
        except nats_server.NatsServerError as exc:
            raise StartupFailed(str(exc), f"The full log is in {proc.log_path}.") from None
        self.steps.append([proc])
        self._ready(proc, time.monotonic() - began)

    async def _start_local_llm(self, gguf: Path) -> dict[str, str]:
        port = local_llm.DEFAULT_PORT
        if not port_is_free(port):
            port = nats_server.free_port()
        base = f"http://127.0.0.1:{port}/v1"
        proc = ManagedProcess(
            "llm",
            local_llm.server_command(gguf, port),
            self.logs / "llm.log",
            env=self.child_env({}),
        )
        await self._start_step(
            [Part(proc, http_ok(f"{base}/models"), LLM_TIMEOUT, note="loading the model")]
        )
        self.llm_url = base
        return local_llm.client_env(base)

    def child_env(self, extra: Mapping[str, str]) -> dict[str, str]:
        """The environment of every child process: this run's NATS, subject root, trace
        folder and JSON logs, plus ``extra``."""
        return {
            **self.environ,
            "PYTHONUNBUFFERED": "1",
            "IOA_NATS_URL": self.nats_url,
            "IOA_SUBJECT_ROOT": self.root,
            "IOA_TRACE_DIR": str(self.data / "traces"),
            "IOA_LOG_FORMAT": "json",
            **extra,
        }

    def _process(self, name: str, module: str, env: Mapping[str, str]) -> ManagedProcess:
        """A Python process of ours, with its own metrics port."""
        port = nats_server.free_port()
        self.metrics[name] = f"http://127.0.0.1:{port}/metrics"
        return ManagedProcess(
            name,
            [sys.executable, "-m", module],
            self.logs / f"{name}.log",
            env={**env, "IOA_METRICS_PORT": str(port)},
        )

    async def _start_step(self, parts: list[Part]) -> None:
        """Start the parts of one step together, then wait until each is healthy."""
        for part in parts:
            part.process.start()
        self.steps.append([p.process for p in parts])
        for part in parts:
            proc = part.process
            if sys.stdout.isatty():
                note = f" ({part.note})" if part.note else ""
                print(f"  {proc.name:<12} pid {proc.pid:<8} starting{note}…", end="\r", flush=True)
            healthy = part.check is None or await wait_until(
                part.check, part.timeout, gave_up=lambda p=proc: not p.alive
            )
            if not healthy or not proc.alive:
                why = (
                    f"{proc.name} {proc.describe_exit()} while starting"
                    if not proc.alive
                    else f"{proc.name} did not become healthy within {part.timeout:g}s"
                )
                raise StartupFailed(
                    f"{why}.\n  Last lines of {proc.log_path}:\n" + _indent(proc.log_tail()),
                    f"What to do: read {proc.log_path}, fix the cause, and run 'ioa up' again.",
                )
            self._ready(proc, time.monotonic() - proc.started_at)

    def _ready(self, proc: ManagedProcess, seconds: float) -> None:
        if sys.stdout.isatty():
            print("\r\033[K", end="")  # clear the "starting…" line
        self.out(f"  {proc.name:<12} pid {proc.pid!s:<8} ready in {seconds:.1f}s")

    # --- running ---------------------------------------------------------------------
    @property
    def processes(self) -> list[ManagedProcess]:
        return [p for step in self.steps for p in step]

    def run_info(self) -> runfile.RunInfo:
        return runfile.RunInfo(
            gateway_url=self.gateway_url,
            nats_url=self.nats_url,
            pid=os.getpid(),
            processes=[self._entry(p) for p in self.processes],
            llm_url=self.llm_url,
            data_dir=str(self.data),
            api_key=self.api_key,
            metrics=dict(self.metrics),
            started_at=self._started_at,
        )

    def _entry(self, proc: ManagedProcess) -> runfile.ProcessEntry:
        record = self.restarter.record(proc.name)
        return runfile.ProcessEntry(
            proc.name,
            proc.pid or 0,
            str(proc.log_path),
            state=record.state,
            restarts=record.restarts,
            last_exit=record.last_exit,
        )

    def announce(self, seconds: float) -> None:
        info = self.run_info()
        runfile.write(self.data, info)
        self._wrote_runfile = True
        self.out(f"\nAll {len(info.processes)} processes are up in {seconds:.1f}s.")
        self.out(runfile.process_table(info.processes, info.metrics))
        self.out(f"\nGateway: {self.gateway_url}  (web UI: {self.gateway_url}/)")
        self.out(f"API key: {self.api_key}  (user:local; also in {runfile.path_in(self.data)})")
        self.out(f"NATS:    {self.nats_url}")
        self.out("Try 'ioa demo' in another terminal. Press Ctrl-C to stop everything.")

    async def watch(self) -> int:
        """Until a signal: restart the children that die, report each death and restart,
        and keep run.json up to date. The exit code: 1 when a vital child was left down."""
        while not self._stop.is_set():
            events = self.restarter.sweep(self.processes)
            for event in events:
                self._report(event)
            if events and self._wrote_runfile:
                runfile.write(self.data, self.run_info())
            try:
                await asyncio.wait_for(self._stop.wait(), WATCH_INTERVAL)
            except TimeoutError:
                pass
        down = {name for name, record in self.restarter.records.items() if record.state == "down"}
        return 1 if down & set(VITAL) else 0

    def _report(self, event: Event) -> None:
        if isinstance(event, Restarted):
            log.info(
                "child restarted",
                child=event.name,
                pid=event.pid,
                previous_pid=event.previous_pid,
                restarts=event.restarts,
            )
            restart = f"restarted (restart {event.restarts})"
            self.out(f"  {event.name:<12} pid {event.pid!s:<8} {restart}")
            return
        self._report_death(event)

    def _report_death(self, died: Died) -> None:
        deaths = f"{died.deaths} death{'s' if died.deaths > 1 else ''}"
        window = f"{deaths} within {self.policy.window:g}s"
        what = dict(
            child=died.name,
            pid=died.pid,
            exit=died.exit,
            returncode=died.returncode,
            deaths=died.deaths,
            window_seconds=self.policy.window,
            log_file=died.log,
        )
        tail = f" Its log: {died.log}"
        if died.tail is not None:
            what["log_tail"] = died.tail
            tail = f"\n  Last lines of {died.log}:\n{_indent(died.tail)}"
        headline = f"\n! {died.name} (pid {died.pid}) {died.exit}"
        if died.delay is not None:
            log.warning("child died", restart_in_seconds=died.delay, **what)
            self.out(f"{headline}; restarting it in {died.delay:g}s ({window}).{tail}")
            return
        vital = died.name in VITAL
        log.error("child left down", stops_the_run=vital, **what)
        if vital:
            self.stop()
        then = (
            f"nothing works without {died.name}, so ioa up stops"
            if vital
            else "ioa up leaves it down; the others keep running"
        )
        self.out(
            f"{headline}: {window}, so {then}.{tail}\n"
            f"  What to do: read {died.log} and fix the cause, then start 'ioa up' again "
            f"(Ctrl-C first if it still runs); 'ioa status' shows what runs."
        )

    # --- stopping --------------------------------------------------------------------
    def shutdown(self) -> None:
        if not self.steps:
            return
        began = time.monotonic()
        self.out("Stopping…")
        stop_all(
            self.steps,
            on_kill=lambda p: self.out(f"  {p.name} did not stop in time; killing it"),
        )
        if self._wrote_runfile:
            runfile.remove(self.data)
        with contextlib.suppress(Exception):  # a key left over is revoked by hand
            self._revoke_api_key()
        self.out(f"Stopped {len(self.processes)} processes in {time.monotonic() - began:.1f}s.")


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines()) or "    (the log is empty)"


def log_to(path: Path) -> None:
    """This process's structlog events as JSON lines in ``path`` (the supervisor's log:
    its children's deaths and restarts; its NATS client's chatter stays off the terminal)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            scrub_event,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.WriteLoggerFactory(path.open("a", buffering=1)),
    )


def up(options: UpOptions) -> int:
    """Run the supervisor until it is told to stop; the process exit code."""
    log_to(options.data_dir / "logs" / "supervisor.log")
    try:
        return asyncio.run(Supervisor(options).run())
    except KeyboardInterrupt:
        return 0
