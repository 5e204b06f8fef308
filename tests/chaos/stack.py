"""The embedded stack under fault: what ``ioa up`` starts, plus two recording members, and
the faults, each applied to a real process and repaired as a supervisor would.

The stack is :class:`ioa.up.Supervisor` itself, run in the test's process: the same
processes, commands, environment and data folder as ``ioa up``. Its LLM is the scripted
OpenAI-compatible server. A fault kills, stops or freezes one of the supervisor's
processes and then starts the same command again and waits until it is healthy.
"""

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ioa.admission import Network, admit
from ioa.health import Check, agent_online, http_ok, service_answers, wait_until
from ioa.processes import ManagedProcess
from ioa.up import SERVICE_TIMEOUT, StartupFailed, Supervisor, UpOptions
from protocol.connection import Connection
from protocol.permissions import Permissions
from protocol.settings import NatsSettings
from protocol.subjects import ADMIN, CHAT, COORDINATOR, GATEWAY, REGISTRY
from registry.credentials import write_creds
from tests.support.scripted_llm import Rule, Script, scripted_llm

REPO = Path(__file__).parents[2]
MEMBERS = ("alpha", "beta")
"""The recording members every conversation has, in working order."""
MEMBER_LEASE = 5.0
"""The members' registry lease: short, so that a frozen member goes offline soon."""
TASK_SECONDS = 1.0

INVITE_SECONDS = 60.0
"""A member answers invitations in turn with its tasks (one inbox, one message at a time):
the tasks of 20 conversations formed at once can outlast the coordinator's default 15 s,
and a required member that answers too late fails its conversation. The rounds are about
faults, not that."""

RULES = [
    Rule("CAPABILITY QUERIES", '{"queries": ["record work"]}'),
    Rule(
        "TEAM CHOICE",
        '{"members": [{"agent": "alpha", "reason": "records", "task": "record it"}, '
        '{"agent": "beta", "reason": "records too", "task": "record it again"}]}',
    ),
    Rule("CONCLUSION", "The team recorded its work."),
]


@dataclass
class Stack:
    """A running stack; ``conn`` is the test's own NATS connection (health, audits)."""

    supervisor: Supervisor
    conn: Connection
    work: Path
    """Where the members write down what they handle (``<member>.jsonl``)."""
    kills: dict[int, float] = field(default_factory=dict)
    """pid → when it was SIGKILLed: work it had not recorded as handled may be redone."""

    @property
    def gateway_url(self) -> str:
        return self.supervisor.gateway_url

    @property
    def api_key(self) -> str:
        return self.supervisor.api_key

    def process(self, name: str) -> ManagedProcess:
        found = [p for p in self.supervisor.processes if p.name == name]
        if not found:
            raise KeyError(f"no process {name!r} in {[p.name for p in self.supervisor.processes]}")
        return found[0]

    def health(self, name: str) -> Check:
        """How to tell that ``name`` is back: the same checks ``ioa up`` waits on."""
        if name == "nats":
            return nats_answers(self.conn)
        if name in (REGISTRY, CHAT, COORDINATOR):
            return service_answers(self.conn, name)
        if name == GATEWAY:
            return http_ok(f"{self.gateway_url}/healthz")
        return agent_online(self.conn, name)

    async def start_again(self, name: str) -> None:
        """Start the process's own command again, as a supervisor restarts a dead child."""
        proc = self.process(name)
        proc.start()
        healthy = await wait_until(
            self.health(name), SERVICE_TIMEOUT, gave_up=lambda: not proc.alive
        )
        if not healthy:
            raise AssertionError(
                f"{name} did not come back within {SERVICE_TIMEOUT:g}s ({proc.describe_exit()});"
                f" last lines of {proc.log_path}:\n{proc.log_tail()}"
            )

    async def kill(self, name: str) -> None:
        """SIGKILL ``name``, then start it again."""
        proc = self.process(name)
        assert proc.pid is not None and proc.alive, f"{name} is not running"
        self.kills[proc.pid] = time.time()
        proc.signal(signal.SIGKILL)
        assert proc.wait(10), f"{name} outlived SIGKILL"
        await self.start_again(name)

    async def stop_nats(self, seconds: float) -> None:
        """Stop nats-server, leave it down for ``seconds``, start it on the same store."""
        proc = self.process("nats")
        proc.signal(signal.SIGTERM)
        assert proc.wait(10), "nats-server did not stop on SIGTERM"
        await asyncio.sleep(seconds)
        await self.start_again("nats")

    async def freeze(self, name: str, seconds: float) -> None:
        """SIGSTOP ``name`` for ``seconds``, then SIGCONT."""
        proc = self.process(name)
        proc.signal(signal.SIGSTOP)
        try:
            await asyncio.sleep(seconds)
        finally:
            proc.signal(signal.SIGCONT)
        ok = await wait_until(self.health(name), SERVICE_TIMEOUT, gave_up=lambda: not proc.alive)
        assert ok, f"{name} is not online again after SIGCONT ({proc.describe_exit()})"


Fault = Callable[[Stack], Awaitable[None]]

FAULTS: dict[str, Fault] = {
    "chat": lambda stack: stack.kill(CHAT),
    "coordinator": lambda stack: stack.kill(COORDINATOR),
    "registry": lambda stack: stack.kill(REGISTRY),
    "gateway": lambda stack: stack.kill(GATEWAY),
    "member": lambda stack: stack.kill(MEMBERS[0]),
    "nats": lambda stack: stack.stop_nats(10.0),
    # Past the lease and the registry's next sweep: the member is offline for a while.
    "freeze": lambda stack: stack.freeze(MEMBERS[1], MEMBER_LEASE + 4.0),
}
"""Each fault by name: what ``make chaos`` applies, one at a time."""


def nats_answers(conn: Connection) -> Check:
    """Healthy when JetStream answers on the test's (reconnecting) connection."""

    async def check() -> bool:
        try:
            await conn.js.account_info()
        except Exception:  # reconnecting, or JetStream still recovering its streams
            return False
        return True

    return check


def auditor_settings(supervisor: Supervisor) -> NatsSettings:
    """The test's own NATS user: it reads every stream and speaks as anyone (an auditor
    outside the network's rules, issued by the run's authority like any other user)."""
    everything = Permissions(publish=[">"], subscribe=[">"])
    creds = supervisor.authority.issuer().issue("chaos-auditor", everything)
    path = write_creds(supervisor.creds_dir / "chaos-auditor.creds", creds)
    return NatsSettings(nats_url=supervisor.nats_url, subject_root=supervisor.root, nats_creds=path)


async def member_process(supervisor: Supervisor, agent: str, work: Path) -> ManagedProcess:
    """A recording member, admitted and started like ``ioa up``'s own agents."""
    admin = NatsSettings(
        nats_url=supervisor.nats_url,
        subject_root=supervisor.root,
        nats_creds=supervisor.creds[ADMIN],
    )
    creds = await admit(Network(supervisor.data, admin), agent)
    template = next(p for p in supervisor.processes if p.name == "calculator")
    env = {k: v for k, v in (template.env or {}).items() if k != "IOA_METRICS_PORT"}
    env |= {
        "IOA_NATS_CREDS": str(creds),
        "IOA_TEST_AGENT": agent,
        "IOA_TEST_WORK_FILE": str(work / f"{agent}.jsonl"),
        "IOA_TEST_TASK_SECONDS": str(TASK_SECONDS),
        "IOA_TEST_LEASE_SECONDS": str(MEMBER_LEASE),
    }
    argv = [sys.executable, "-m", "tests.support.recording_agent"]
    return ManagedProcess(agent, argv, supervisor.logs / f"{agent}.log", env=env, cwd=REPO)


@asynccontextmanager
async def chaos_stack(folder: Path) -> AsyncIterator[Stack]:
    """``ioa up`` in ``folder`` with the scripted LLM, plus the recording members."""
    lines: list[str] = []
    with scripted_llm(Script(rules=list(RULES))) as llm_url:
        environ = {
            **os.environ,
            "OPENAI_API_KEY": "scripted",
            "IOA_LLM_MODEL": "scripted",
            "IOA_INVITE_SECONDS": str(INVITE_SECONDS),
        }
        supervisor = Supervisor(
            UpOptions(data_dir=folder / "data", gateway_port=0, nats_port=0, llm=llm_url),
            out=lines.append,
            environ=environ,
        )
        async with AsyncExitStack() as stack:
            stack.callback(supervisor.shutdown)
            try:
                await supervisor.start()
            except StartupFailed as exc:
                raise AssertionError(
                    f"the stack did not start: {exc}\n" + "\n".join(lines)
                ) from None
            # As the gateway: an observer of every conversation's group.
            conn = await stack.enter_async_context(
                Connection(auditor_settings(supervisor), GATEWAY)
            )
            work = folder / "work"
            work.mkdir()
            chaos = Stack(supervisor, conn, work)
            members = [await member_process(supervisor, agent, work) for agent in MEMBERS]
            supervisor.steps.append(members)  # stopped with the rest
            for proc in members:
                proc.start()
            for proc in members:
                ok = await wait_until(
                    chaos.health(proc.name), SERVICE_TIMEOUT, gave_up=lambda p=proc: not p.alive
                )
                assert ok, f"{proc.name} did not come online:\n{proc.log_tail()}"
            yield chaos
