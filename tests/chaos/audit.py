"""After a fault: what was acknowledged, stored, delivered and done, checked against each
other.

The evidence comes from the outside of the services: the group logs and the inboxes as
JetStream holds them, each member's inbox consumer, the work files of the recording
members, the posts the clients saw answered, and the conversations' final states. The
guarantees checked:

- every acknowledged post is in its group log, once, at the sequence it was answered with;
- every logged message is in every other member's inbox once and was handled by it
  (a recording member wrote it down; another member's consumer acknowledged it);
- each question gets one answer, each task is assigned once, has at most one outcome,
  and is done once by its member;
- every conversation ended, a concluded one with its conclusion, another with a reason.

Work is done again only where at-least-once handling must redo it: a member SIGKILLed
after doing a piece of work and before recording it as handled does it again after its
restart (its result has the same id, so it is stored once). That is allowed for work
finished within :data:`REDO_WINDOW` seconds before the kill, counted as ``redone``, and a
failure anywhere else.
"""

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nats.js.errors import NotFoundError

from protocol.connection import Connection
from protocol.inbox import consumer_name
from protocol.kinds import GetGroup, GroupInfo
from protocol.streams import group_stream, inbox_stream
from protocol.subjects import CHAT
from tests.chaos.traffic import Acked
from tests.deploy.test_nats_cluster import read_all

REDO_WINDOW = 2.0


@dataclass(slots=True, frozen=True)
class Logged:
    seq: int
    id: str
    sender: str
    type: str
    body: dict[str, Any]
    in_reply_to: str | None


@dataclass
class Evidence:
    logs: dict[str, list[Logged]]
    """group → its log, in order."""
    members: dict[str, list[str]]
    copies: dict[tuple[str, str], list[tuple[int, str]]]
    """(member, group) → (inbox stream seq, envelope id) of each copy in its inbox."""
    ack_floor: dict[str, int | None]
    """member → the stream seq its inbox consumer has acknowledged up to (None: no consumer)."""
    work: list[dict[str, Any]]
    """The recording members' records, in the order each wrote them."""
    recorders: frozenset[str]


async def group_members(conn: Connection, groups: Iterable[str]) -> dict[str, list[str]]:
    members = {}
    for group in groups:
        info = (await conn.request(CHAT, "get_group", GetGroup(group=group))).body
        assert isinstance(info, GroupInfo)
        members[group] = info.members
    return members


async def gather(
    conn: Connection, members: dict[str, list[str]], work: Path, recorders: tuple[str, ...]
) -> Evidence:
    subjects = conn.subjects
    logs: dict[str, list[Logged]] = {g: [] for g in members}
    for msg in await read_all(conn.js, group_stream(subjects).name, subjects.all_group_logs):
        group = subjects.group_of(msg.subject)
        if group in logs:
            env = json.loads(msg.data)
            logs[group].append(
                Logged(
                    msg.metadata.sequence.stream,
                    env["id"],
                    env["sender"],
                    env["type"],
                    env.get("body") or {},
                    env.get("in_reply_to"),
                )
            )
    inboxes = {subjects.inbox(m, "group", g): (m, g) for g, ms in members.items() for m in ms}
    copies: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for msg in await read_all(conn.js, inbox_stream(subjects).name, subjects.all_inboxes):
        if msg.subject in inboxes:
            copies[inboxes[msg.subject]].append(
                (msg.metadata.sequence.stream, json.loads(msg.data)["id"])
            )
    ack_floor: dict[str, int | None] = {}
    for member in {m for ms in members.values() for m in ms}:
        try:
            info = await conn.js.consumer_info(inbox_stream(subjects).name, consumer_name(member))
        except NotFoundError:  # nobody reads this inbox (a person, through the gateway)
            ack_floor[member] = None
        else:
            ack_floor[member] = info.ack_floor.stream_seq if info.ack_floor else 0
    records = []
    for agent in recorders:
        path = work / f"{agent}.jsonl"
        if path.exists():
            records += [json.loads(line) for line in path.read_text().splitlines() if line]
    return Evidence(logs, members, dict(copies), ack_floor, records, frozenset(recorders))


@dataclass
class Counts:
    accepted: int = 0
    """Messages in the round's group logs (each one acknowledged by the chat service)."""
    acked_seen: int = 0
    """Of those, the posts whose answer the test saw (the user's and the members')."""
    delivered: int = 0
    """(message, member) deliveries: in the inbox once and handled."""
    duplicates_suppressed: int = 0
    """Posts answered as duplicates of a stored one, and redeliveries a member skipped."""
    redone: int = 0
    """Work a killed member had done and not yet recorded, done again after its restart."""
    lost: int = 0


@dataclass
class Audit:
    counts: Counts = field(default_factory=Counts)
    problems: list[str] = field(default_factory=list)
    """Broken guarantees: something stored, delivered or done twice, a wrong answer."""
    missing: list[str] = field(default_factory=list)
    """What has not arrived: still on its way while settling, lost after that."""
    redone: list[str] = field(default_factory=list)


def audit(
    evidence: Evidence,
    acked: list[Acked],
    states: dict[str, dict[str, Any]],
    kills: dict[int, float],
    since: float,
) -> Audit:
    """Check ``evidence`` against the clients' ``acked`` posts and the final ``states``;
    ``since``: when the round began (the members' counters are cumulative)."""
    result = Audit()
    work = [r for r in evidence.work if r.get("group") in evidence.logs or r["e"] == "counts"]
    acked = acked + _members_acked(work, result)
    result.counts.acked_seen = len({a.id for a in acked})
    _check_logs(evidence, acked, result)
    _check_delivery(evidence, work, kills, result)
    _check_tasks(evidence, states, work, kills, result)
    _check_conversations(evidence, states, result)
    result.counts.duplicates_suppressed += _inbox_skips(evidence.work, since)
    result.counts.lost = len(result.missing)
    result.counts.redone = len(result.redone)
    return result


def _members_acked(work: list[dict[str, Any]], result: Audit) -> list[Acked]:
    found = []
    for r in work:
        if r["e"] == "posted":
            found.append(Acked(r["id"], r["group"], r["seq"], r["agent"]))
            if r["duplicate"]:
                result.counts.duplicates_suppressed += 1
    return found


def _check_logs(evidence: Evidence, acked: list[Acked], result: Audit) -> None:
    for group, log in evidence.logs.items():
        result.counts.accepted += len(log)
        for message, times in Counter(m.id for m in log).items():
            if times > 1:
                result.problems.append(f"{message} is in the log of {group} {times} times")
    stored = {(g, m.id): m.seq for g, log in evidence.logs.items() for m in log}
    for post in acked:
        seq = stored.get((post.group, post.id))
        if seq is None:
            result.missing.append(
                f"{post.sender}'s acknowledged post {post.id} is not in {post.group}"
            )
        elif seq != post.seq:
            result.problems.append(
                f"{post.sender}'s post {post.id} was answered with seq {post.seq}, "
                f"but is stored at {seq}"
            )
        for member in [m for m in post.asks if m in evidence.members[post.group]]:
            answers = [
                m
                for m in evidence.logs[post.group]
                if m.sender == member and m.in_reply_to == post.id
            ]
            if not answers:
                result.missing.append(f"{member} has not answered {post.id} in {post.group}")
            elif len(answers) > 1:
                result.problems.append(f"{member} answered {post.id} {len(answers)} times")


def _check_delivery(
    evidence: Evidence, work: list[dict[str, Any]], kills: dict[int, float], result: Audit
) -> None:
    handled = _by_key(work, "got", "id")
    for group, log in evidence.logs.items():
        for member in evidence.members[group]:
            copies = evidence.copies.get((member, group), [])
            copied = Counter(i for _, i in copies)
            where = {i: seq for seq, i in copies}
            floor = evidence.ack_floor.get(member)
            for message in log:
                if message.sender == member:
                    continue
                times = copied[message.id]
                if times == 0:
                    result.missing.append(f"{message.id} is not in {member}'s inbox ({group})")
                    continue
                if times > 1:
                    result.problems.append(f"{message.id} is in {member}'s inbox {times} times")
                if member in evidence.recorders:
                    done = handled.get((member, message.id), [])
                    if not done:
                        result.missing.append(f"{member} has not handled {message.id} ({group})")
                        continue
                    _once(done, f"{member} handled {message.id}", kills, result)
                elif floor is not None and where[message.id] > floor:
                    result.missing.append(f"{member} has not acknowledged {message.id} ({group})")
                    continue
                result.counts.delivered += 1


def _check_tasks(
    evidence: Evidence,
    states: dict[str, dict[str, Any]],
    work: list[dict[str, Any]],
    kills: dict[int, float],
    result: Audit,
) -> None:
    done = _by_key(work, "done", "task")
    for conversation, state in states.items():
        log = evidence.logs.get(state.get("group") or "", [])
        for task in state.get("tasks", []):
            task_id, assignee = task["task_id"], task["assignee"]
            assigned = [
                m for m in log if m.type == "task_assign" and m.body.get("task_id") == task_id
            ]
            if len(assigned) != 1:
                result.problems.append(
                    f"task {task_id} is assigned {len(assigned)} times in the log"
                )
            outcomes = [
                m
                for m in log
                if m.type in ("task_result", "task_failed")
                and m.body.get("task_id") == task_id
                and m.sender == assignee
            ]
            if len(outcomes) > 1:
                result.problems.append(
                    f"task {task_id} has {len(outcomes)} outcomes from {assignee}"
                )
            if task["outcome"] == "done" and [m.type for m in outcomes] != ["task_result"]:
                result.problems.append(
                    f"task {task_id} of {conversation} is done, but its log has {outcomes}"
                )
            runs = done.get((assignee, task_id), [])
            if task["outcome"] == "done" and runs:
                _once(runs, f"{assignee} did task {task_id}", kills, result)


def _check_conversations(
    evidence: Evidence, states: dict[str, dict[str, Any]], result: Audit
) -> None:
    for conversation, state in states.items():
        log = evidence.logs.get(state.get("group") or "", [])
        if state["state"] == "concluded":
            conclusions = [m for m in log if m.type == "conclusion"]
            if not (state.get("conclusion") or "").strip() or len(conclusions) != 1:
                result.problems.append(
                    f"{conversation} concluded with {len(conclusions)} conclusion messages "
                    f"and conclusion {state.get('conclusion')!r}"
                )
        elif state["state"] in ("failed", "cancelled"):
            if not (state.get("reason") or "").strip():
                result.problems.append(f"{conversation} {state['state']} without a reason")
        else:
            result.problems.append(f"{conversation} did not end: {state['state']}")


def _by_key(
    work: list[dict[str, Any]], event: str, key: str
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    found: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in work:
        if r["e"] == event:
            found[(r["agent"], r[key])].append(r)
    return found


def _once(runs: list[dict[str, Any]], what: str, kills: dict[int, float], result: Audit) -> None:
    """``what`` was done ``len(runs)`` times: fine once; again only after a kill that came
    right after an earlier run (redone), a problem otherwise."""
    *earlier, _ = runs
    for run in earlier:
        killed = kills.get(run["pid"])
        if killed is None or not 0 <= killed - run["t"] <= REDO_WINDOW:
            result.problems.append(f"{what} {len(runs)} times (pids {[r['pid'] for r in runs]})")
            return
    result.redone += [f"{what} again after pid {run['pid']} was killed" for run in earlier]


def _inbox_skips(work: list[dict[str, Any]], since: float) -> int:
    """Redeliveries the members skipped as handled since ``since`` (per process counters)."""
    before: dict[int, int] = {}
    after: dict[int, int] = {}
    for r in work:
        if r["e"] == "counts":
            (before if r["t"] < since else after)[r["pid"]] = r["duplicates"]
    return sum(n - before.get(pid, 0) for pid, n in after.items())
