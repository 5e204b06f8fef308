"""``ioa conformance AGENT_ID``: exercise a live agent over ``ioa/1`` and judge each behaviour.

The tool talks to the agent only as any other peer would: through the
registry, the chat service and the agent's durable inbox. It needs the
registry and the chat service running under the same subject root.

Invitations: the tool invites the agent to a fresh conversation id that no
coordinator knows, as the identity ``coordinator`` (invitations come from
the coordinator). It watches the agent's ``coordinator.accept`` and
``coordinator.decline`` requests with a plain (non-queue) subscription, so it
sees the answer whether or not a coordinator runs. It answers that request
itself only when a probe finds no coordinator under the root; otherwise the
real coordinator answers (``not_found``, as it does not know the
conversation), which the agent must survive anyway.

Every other check happens in one group the tool creates with the agent as a
member: a discussion turn naming the agent, a task, malformed input followed
by a task, and one task envelope delivered twice under different
``Nats-Msg-Id`` headers (as a redelivery would look).
"""

import asyncio
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import structlog
from nats.aio.msg import Msg

from ioa.admission import creds_dir, local_url
from protocol.connection import MSG_ID_HEADER, Connection, flush
from protocol.envelope import PROTOCOL, Envelope, decode, from_dict
from protocol.errors import ErrorCode, IoaError, NotFound, Unavailable
from protocol.ids import new_id
from protocol.kinds import (
    Ack,
    AgentInfo,
    ChatMessage,
    CreateGroup,
    GetAgent,
    GetConversation,
    GroupInfo,
    History,
    HistoryPage,
    TaskAssign,
    TaskFailed,
    TaskResult,
    TeamAccept,
    TeamDecline,
    TeamInvite,
)
from protocol.permissions import CONFORMANCE
from protocol.settings import NatsSettings
from protocol.streams import inbox_stream
from protocol.subjects import CHAT, COORDINATOR, REGISTRY

IDENTITY = CONFORMANCE
_NEEDS_TASKS = {
    "survives_malformed_input": "survives malformed input",
    "answers_invalid_task_with_failure": "answers an invalid task with task_failed",
    "handles_redelivery_once": "handles a redelivered message once",
}
QUESTION = "What is 6 * 7?"


@dataclass(slots=True)
class Check:
    """One verdict: ``ok`` says whether the agent passed, ``detail`` says what was seen."""

    name: str
    ok: bool
    detail: str
    seconds: float = 0.0

    @property
    def verdict(self) -> str:
        return "PASS" if self.ok else "FAIL"


@dataclass(slots=True)
class Options:
    lease_wait: float = 20.0
    """How long to watch for a heartbeat (more than the agent's lease)."""
    answer_wait: float = 30.0
    """How long the agent may take to answer one message."""
    settle: float = 1.0
    """How long to wait for a second (duplicate) answer after the first."""


class Conformance:
    """Runs every check against one agent, in order; see :meth:`run`."""

    def __init__(self, conn: Connection, agent: str, options: Options | None = None) -> None:
        self.conn = conn
        self.agent = agent
        self.options = options or Options()
        self.subjects = conn.subjects
        self.conversation = new_id()
        self.group = ""
        self.takes_tasks = True

    async def run(self) -> list[Check]:
        """Every check in order; only the first when the agent is not registered."""
        checks = [await self._timed(self.registered)]
        if not checks[0].ok:
            return checks
        checks.append(await self._timed(self.heartbeats))
        checks.append(await self._timed(self.answers_invitation))
        self.group = await self._create_group()
        checks.append(await self._timed(self.replies_in_group))
        checks.append(await self._timed(self.answers_task))
        self.takes_tasks = checks[-1].ok
        # The next checks use a task as their probe; they cannot judge an agent that
        # answers no task at all.
        for check in (
            self.survives_malformed_input,
            self.answers_invalid_task_with_failure,
            self.handles_redelivery_once,
        ):
            checks.append(await self._timed(check))
        return checks

    async def _timed(self, check: Callable[[], Awaitable[Check]]) -> Check:
        started = time.monotonic()
        if check.__name__ in _NEEDS_TASKS and not self.takes_tasks:
            verdict = Check(
                _NEEDS_TASKS[check.__name__],
                False,
                "not judged: the agent answers no task, and a task is this check's probe",
            )
        else:
            verdict = await check()
        verdict.seconds = time.monotonic() - started
        return verdict

    # --- the checks -----------------------------------------------------------------
    async def registered(self) -> Check:
        name = "registered with a valid card"
        try:
            info = await self._agent_info()
        except NotFound:
            return Check(name, False, f"the registry has no card for {self.agent!r}")
        card = info.card
        problems = []
        if card.id != self.agent:
            problems.append(f"card id {card.id!r} is not the agent id")
        if not any(v.split(".")[0] == PROTOCOL for v in card.protocol_versions):
            problems.append(f"protocol_versions {card.protocol_versions} lacks {PROTOCOL!r}")
        if not card.skills:
            problems.append("the card lists no skills, so search cannot find the agent")
        if not info.online:
            problems.append("the registry lists it offline (lease expired)")
        if problems:
            return Check(name, False, "; ".join(problems))
        return Check(name, True, f"{card.name!r} v{card.version}, {len(card.skills)} skill(s)")

    async def heartbeats(self) -> Check:
        name = "heartbeats within its lease"
        first = await self._agent_info()
        started = time.monotonic()
        while time.monotonic() - started < self.options.lease_wait:
            await asyncio.sleep(0.2)
            info = await self._agent_info()
            if info.last_seen and first.last_seen and info.last_seen > first.last_seen:
                if not info.online:
                    return Check(name, False, "it renewed its lease only after it expired")
                waited = time.monotonic() - started
                return Check(name, True, f"lease renewed after {waited:.1f} s")
        return Check(
            name,
            False,
            f"no heartbeat within {self.options.lease_wait:g} s: last_seen stayed at "
            f"{first.last_seen}; send heartbeats more often than the lease (e.g. every third)",
        )

    async def answers_invitation(self) -> Check:
        name = "answers an invitation"
        answers: asyncio.Queue[Envelope[Any] | str] = asyncio.Queue()
        stand_in = not await self._coordinator_running()

        async def observe(msg: Msg) -> None:
            try:
                env = decode(msg.data)
            except IoaError as exc:
                await answers.put(str(exc))
                return
            if stand_in and msg.reply:
                ack = env.reply(Ack(), sender=COORDINATOR)
                await self.conn.nc.publish(msg.reply, ack.encode())
            await answers.put(env)

        subs = [
            await self.conn.nc.subscribe(
                self.subjects.request(self.agent, COORDINATOR, op), cb=observe
            )
            for op in ("accept", "decline")
        ]
        try:
            await flush(self.conn.nc)
            deadline = datetime.now(UTC) + timedelta(seconds=self.options.answer_wait)
            invite = TeamInvite(
                conversation=self.conversation,
                goal="Conformance check: accept or decline this invitation.",
                role="member",
                deadline=deadline,
            )
            env = Envelope.of(invite, sender=COORDINATOR, conversation=self.conversation)
            await self.conn.deliver(self.subjects.inbox(self.agent, "invite"), env)
            while True:
                answer = await self._within(answers.get())
                if answer is None:
                    return Check(name, False, f"no accept or decline within {self._wait}")
                if isinstance(answer, str):
                    return Check(name, False, f"it answered with an invalid message: {answer}")
                body = answer.body
                if not isinstance(body, TeamAccept | TeamDecline):
                    return Check(name, False, f"it answered with a {answer.type!r}")
                if body.conversation == self.conversation:
                    break
        finally:
            for sub in subs:
                await sub.unsubscribe()
        verdict = "accepted" if isinstance(body, TeamAccept) else f"declined ({body.reason!r})"
        who = "the tool stood in for the coordinator" if stand_in else "a coordinator answered"
        return Check(name, True, f"{verdict}; {who}")

    async def replies_in_group(self) -> Check:
        name = "replies in a group when named"
        text = f"{self.agent}, this is a conformance check; please reply briefly. {QUESTION}"
        turn = ChatMessage(text=text, next_speakers=[self.agent], mentions=[self.agent])
        posted = await self._post(turn)
        reply = await self._await_message(
            lambda env: env.type == "chat_message" and env.sender == self.agent
        )
        if reply is None:
            return Check(
                name, False, f"named in next_speakers, it posted nothing within {self._wait}"
            )
        linked = "" if reply.in_reply_to == posted.id else " (without in_reply_to)"
        return Check(name, True, f"said {_clip(reply.body.text)!r}{linked}")

    async def answers_task(self) -> Check:
        name = "returns a task result or a task failure"
        task_id = new_id()
        await self._post(TaskAssign(task_id=task_id, assignee=self.agent, description=QUESTION))
        outcome = await self._await_outcome(task_id)
        if outcome is None:
            return Check(name, False, f"no task_result or task_failed within {self._wait}")
        return Check(name, True, _describe_outcome(outcome))

    async def survives_malformed_input(self) -> Check:
        name = "survives malformed input"
        inbox = self.subjects.inbox(self.agent, "conformance")
        good = {"protocol": PROTOCOL, "sender": IDENTITY, "ts": _now(), "group": self.group}
        garbage: list[bytes] = [
            b"\xff\xfe this is not JSON",
            b"[1, 2, 3]",
            json.dumps({**good, "protocol": "ioa/9", "id": new_id(), "type": "chat_message",
                        "body": {"text": "from the future"}}).encode(),
            json.dumps({**good, "id": new_id(), "type": "no_such_kind", "body": {}}).encode(),
            json.dumps({**good, "id": "not a valid id!", "type": "chat_message",
                        "body": {"text": 42}}).encode(),
        ]  # fmt: skip
        for data in garbage:
            await self.conn.js.publish(inbox, data, headers={MSG_ID_HEADER: new_id()})
        task_id = new_id()
        await self._post(TaskAssign(task_id=task_id, assignee=self.agent, description=QUESTION))
        outcome = await self._await_outcome(task_id)
        if outcome is None:
            return Check(
                name,
                False,
                f"after {len(garbage)} malformed messages it no longer answered a task within "
                f"{self._wait}; did it crash?",
            )
        left = await self._inbox_backlog()
        if left:
            return Check(name, False, f"it answered, but left {left} inbox message(s) unacked")
        return Check(name, True, f"dropped {len(garbage)} malformed messages, then answered")

    async def answers_invalid_task_with_failure(self) -> Check:
        name = "answers an invalid task with task_failed"
        task_id = new_id()
        # A task whose body lacks its required description: the assignee can read who
        # it is for and its task id, so it must say it failed rather than stay silent.
        invalid = {
            "protocol": PROTOCOL,
            "id": new_id(),
            "type": TaskAssign.KIND,
            "sender": IDENTITY,
            "ts": _now(),
            "conversation": self.conversation,
            "group": self.group,
            "body": {"task_id": task_id, "assignee": self.agent, "mode": "sync"},
        }
        inbox = self.subjects.inbox(self.agent, "group", self.group)
        await self.conn.js.publish(
            inbox, json.dumps(invalid).encode(), headers={MSG_ID_HEADER: invalid["id"]}
        )
        outcome = await self._await_outcome(task_id)
        if outcome is None:
            return Check(
                name,
                False,
                f"a task_assign without a description got no answer within {self._wait}",
            )
        if outcome.type != "task_failed":
            return Check(name, False, f"it answered {outcome.type!r} to an invalid task")
        code = ErrorCode.INVALID_MESSAGE.value
        if not outcome.body.reason.startswith(code):
            return Check(
                name,
                False,
                f"{_describe_outcome(outcome)}: start the reason with the error code ({code!r})",
            )
        return Check(name, True, _describe_outcome(outcome))

    async def handles_redelivery_once(self) -> Check:
        name = "handles a redelivered message once"
        task_id = new_id()
        task = TaskAssign(task_id=task_id, assignee=self.agent, description=QUESTION)
        env = Envelope.of(task, sender=IDENTITY, conversation=self.conversation, group=self.group)
        inbox = self.subjects.inbox(self.agent, "group", self.group)
        # Count the agent's posts, not the log's entries: an agent that handles the
        # message twice but answers under the same (deterministic) id is stored once.
        answers: list[str] = []

        async def observe(msg: Msg) -> None:
            with contextlib.suppress(IoaError):
                post = decode(msg.data)
                if isinstance(post.body, TaskResult | TaskFailed) and post.body.task_id == task_id:
                    answers.append(post.id)

        sub = await self.conn.nc.subscribe(
            self.subjects.request(self.agent, CHAT, "post"), cb=observe
        )
        try:
            await flush(self.conn.nc)
            for copy in ("first", "again"):
                await self.conn.deliver(inbox, env, msg_id=f"{env.id}:{copy}")
            if await self._await_outcome(task_id) is None:
                return Check(name, False, f"no answer to the task within {self._wait}")
            await self._inbox_backlog()  # both copies taken and acked
            await asyncio.sleep(self.options.settle)
        finally:
            await sub.unsubscribe()
        if len(answers) != 1:
            ids = "the same id" if len(set(answers)) == 1 else f"{len(set(answers))} ids"
            return Check(
                name,
                False,
                f"message id {env.id} arrived twice and it posted {len(answers)} answers "
                f"({ids}); remember handled ids and skip them",
            )
        return Check(name, True, "the same envelope id twice, one answer")

    # --- plumbing -------------------------------------------------------------------
    @property
    def _wait(self) -> str:
        return f"{self.options.answer_wait:g} s"

    async def _within(self, awaitable: Any) -> Any:
        try:
            return await asyncio.wait_for(awaitable, self.options.answer_wait)
        except TimeoutError:
            return None

    async def _agent_info(self) -> AgentInfo:
        reply = await self.conn.request(REGISTRY, "get_agent", GetAgent(agent=self.agent))
        info: AgentInfo = reply.body
        return info

    async def _coordinator_running(self) -> bool:
        probe = GetConversation(conversation=self.conversation)
        try:
            await self.conn.request(COORDINATOR, "get", probe, timeout=2)
        except Unavailable:
            return False
        except IoaError:
            return True  # it answered (not_found: it does not know this conversation)
        return True

    async def _create_group(self) -> str:
        create = CreateGroup(
            conversation=self.conversation, title="ioa conformance", members=[self.agent]
        )
        info: GroupInfo = (await self.conn.request(CHAT, "create_group", create)).body
        return info.group

    async def _post(self, body: Any) -> Envelope[Any]:
        env = Envelope.of(body, sender=IDENTITY, conversation=self.conversation, group=self.group)
        await self.conn.send(CHAT, "post", env)
        return env

    async def _messages(self) -> list[Envelope[Any]]:
        envelopes: list[Envelope[Any]] = []
        after = 0
        while True:
            page: HistoryPage = (
                await self.conn.request(CHAT, "history", History(group=self.group, after=after))
            ).body
            for logged in page.messages:
                try:
                    envelopes.append(from_dict(logged.envelope))
                except IoaError:
                    continue
            if not page.messages:
                return envelopes
            after = page.last_seq

    async def _await_message(self, match: Callable[[Envelope[Any]], bool]) -> Envelope[Any] | None:
        deadline = time.monotonic() + self.options.answer_wait
        while time.monotonic() < deadline:
            for env in await self._messages():
                if match(env):
                    return env
            await asyncio.sleep(0.2)
        return None

    async def _await_outcome(self, task_id: str) -> Envelope[Any] | None:
        return await self._await_message(
            lambda env: (
                env.sender == self.agent
                and env.type in ("task_result", "task_failed")
                and env.body.task_id == task_id
            )
        )

    async def _inbox_backlog(self) -> int:
        """Messages of the agent's inbox not yet acked (after waiting a little for them)."""
        stream = inbox_stream(self.subjects).name
        mine = {self.subjects.inbox(self.agent), *self.subjects.inbox_filters(self.agent)}
        backlog = 0
        for _ in range(25):
            backlog = 0
            for info in await self.conn.js.consumers_info(stream):
                filters = {info.config.filter_subject, *(info.config.filter_subjects or [])}
                if filters & mine:
                    backlog += (info.num_pending or 0) + (info.num_ack_pending or 0)
            if not backlog:
                return 0
            await asyncio.sleep(0.2)
        return backlog


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe_outcome(env: Envelope[Any]) -> str:
    if env.type == "task_result":
        return f"task_result {_clip(env.body.text)!r}"
    return f"task_failed {_clip(env.body.reason)!r}"


def table(checks: list[Check]) -> str:
    """The verdicts as a plain-text table."""
    width = max(len(c.name) for c in checks)
    lines = [
        f"{'check':<{width}}  result  time     detail",
        f"{'-' * width}  ------  -------  ------",
    ]
    lines += [f"{c.name:<{width}}  {c.verdict:<6}  {c.seconds:5.1f} s  {c.detail}" for c in checks]
    return "\n".join(lines)


async def check_agent(
    settings: NatsSettings,
    agent: str,
    options: Options | None = None,
    *,
    connect_timeout: float = 5.0,
) -> list[Check]:
    """Connect as ``conformance`` and run every check against ``agent``."""
    conn = Connection(settings, IDENTITY)
    try:
        # The SDK connection waits for NATS forever (right for a service); a check gives up.
        await asyncio.wait_for(conn.__aenter__(), connect_timeout)
    except TimeoutError:
        raise Unavailable(
            f"cannot connect to NATS at {settings.nats_url} within {connect_timeout:g} s"
        ) from None
    async with conn:
        return await Conformance(conn, agent, options).run()


def main(
    agent: str, nats_url: str | None, root: str | None, options: Options, data_dir: Path
) -> int:
    """The CLI entry: print the table; 0 when every check passed, 1 otherwise."""
    overrides = {
        k: v for k, v in {"nats_url": nats_url, "subject_root": root}.items() if v is not None
    }
    settings = NatsSettings(**(local_network(data_dir) | overrides))
    # Logs go to stderr and only when they matter: stdout is the table.
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )
    try:
        checks = asyncio.run(check_agent(settings, agent, options))
    except (IoaError, nats.errors.Error) as exc:
        print(f"ioa conformance: {exc}")
        return 2
    return report(agent, checks)


def local_network(data_dir: Path) -> dict[str, Any]:
    """A local secured ``ioa up``'s URL and this tool's credentials, unless set already."""
    creds = creds_dir(data_dir) / f"{IDENTITY}.creds"
    if "IOA_NATS_CREDS" in os.environ or not creds.exists():
        return {}
    return {"nats_creds": creds, **local_url(data_dir)}


def passed(checks: list[Check]) -> bool:
    """Every check passed (and the agent was registered, so they all ran)."""
    return len(checks) > 1 and all(c.ok for c in checks)


def report(agent: str, checks: list[Check]) -> int:
    print(table(checks))
    failed = [c for c in checks if not c.ok]
    print(f"\n{agent}: {len(checks) - len(failed)} passed, {len(failed)} failed")
    return 0 if passed(checks) else 1
