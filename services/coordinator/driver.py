"""The driver: moves one conversation forward, a step at a time, from its stored record.

Every step reads the record, does one thing, and writes the record back
(compare-and-set). What is sent is decided and stored *before* it is sent,
under a deterministic id, so a crash between the two is repaired by sending
the same envelope again, which JetStream and the chat service drop as a
duplicate: a restarted coordinator picks every conversation up where it stood
and no task is handed out twice.

States: forming → executing (tasks) / discussing (turns) ⇄ paused → concluding →
concluded, or failed / cancelled with a reason a user can read.

A step runs under the conversation's deadline (``protocol.deadline``): every LLM call,
registry search and request in it gets at most what is left of ``max_seconds``, and
the step is cut off when it is spent. The next step then ends the conversation at once,
with a conclusion composed from what the team has (no LLM call: no time is left).
"""

import functools
from datetime import datetime, timedelta
from typing import Any

import structlog
from opentelemetry import trace

from protocol import deadline
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import Conflict, Forbidden, IoaError, NotFound, Timeout, Unavailable
from protocol.ids import is_person
from protocol.kinds import (
    Body,
    ChatMessage,
    CloseGroup,
    Conclusion,
    CreateGroup,
    GetGroup,
    Member,
    Pause,
    SetTurns,
    TaskAssign,
    TaskCancelled,
    TaskResult,
    TeamInvite,
)
from protocol.kinds.tasks import REASON_CHARS
from protocol.llm import Llm, Usage
from protocol.subjects import CHAT, COORDINATOR
from services.coordinator import conclusion, policies, presence
from services.coordinator.state import (
    ConversationStore,
    Invite,
    Line,
    Move,
    Record,
    Spare,
    Task,
    clip,
    now,
)
from services.coordinator.team import TeamFormer, formation

log = structlog.get_logger("ioa.coordinator.driver")
tracer = trace.get_tracer("ioa.coordinator")

Wake = datetime | None
"""A step returns when to look again (it is waiting), or None to step again at once."""


class Driver:
    def __init__(
        self,
        conn: Connection,
        store: ConversationStore,
        team: TeamFormer,
        llm: Llm | None,
        *,
        invite_seconds: float,
    ) -> None:
        self.conn = conn
        self.store = store
        self.team = team
        self.llm = llm
        self.invite_seconds = invite_seconds
        # The scope of each step in flight, by conversation: a cancel cuts it short.
        self._steps: dict[str, deadline.Scope] = {}

    def interrupt(self, conversation: str) -> None:
        """Abandon what the step in flight for ``conversation`` waits for (an LLM call, a
        request); the next step reads the record again."""
        scope = self._steps.get(conversation)
        if scope is not None:
            scope.cut()

    # --- one step -------------------------------------------------------------------
    async def step(self, rec: Record) -> Wake:
        if rec.finished:
            return None if rec.settled else await self._settle(rec)
        if rec.cancel is not None:
            return await self._cancel(rec)
        if now() >= rec.deadline:
            return await self._run_out(rec)
        scope = self._steps[rec.id] = deadline.within(rec.deadline)
        try:
            async with scope:
                wake = await self._advance(rec)
        except deadline.Expired:
            return None  # cut off in the middle (out of time, or cancelled): the next step ends it
        finally:
            if self._steps.get(rec.id) is scope:
                del self._steps[rec.id]
        return None if wake is None else min(wake, rec.deadline)

    async def _advance(self, rec: Record) -> Wake:
        if rec.state == "forming":
            return await self._form(rec)
        if rec.state == "concluding":
            return await self._conclude(rec)
        return await self._work(rec)

    # --- forming ----------------------------------------------------------------------
    async def _form(self, rec: Record) -> Wake:
        if not rec.planned:
            return await self._plan(rec)
        unsent = [i for i in rec.invites if not i.sent]
        if unsent:
            for invite in unsent:
                await self._send_invite(rec, invite)
                invite.sent = True
            await self.store.save(rec)
            return None
        pending = [i for i in rec.invites if i.status == "pending"]
        waiting = [i.deadline for i in pending if i.deadline and i.deadline > now()]
        if self._required_refused(rec):
            return await self._refused_by_required(rec)
        if waiting:
            return min(waiting)
        for invite in pending:  # silence until the deadline counts as a decline
            invite.status = "declined"
        if self._required_refused(rec):
            return await self._refused_by_required(rec)
        if self._replace_declined(rec):
            await self.store.save(rec)
            return None
        return await self._open_group(rec)

    async def _plan(self, rec: Record) -> Wake:
        usage = Usage()
        queries = await self.team.queries(rec.goal, usage=usage)
        found = await self.team.search(queries, excluded=set(rec.excluded))
        choice = await self.team.choose(
            rec.goal, found, min_team=rec.min_team, max_team=rec.max_team, usage=usage
        )
        rec.formation = formation(rec.goal, found, choice)
        try:
            picks = await self.team.with_required(
                choice.picks, rec.required, rec.goal, rec.max_team
            )
        except IoaError as exc:
            return await self._end(rec, "failed", exc.message)
        rec.spend(usage)
        if not picks:
            return await self._end(
                rec, "failed", "no online agent matches this goal; register one that can help"
            )
        rec.invites = [
            Invite(
                agent=p.agent,
                reason=p.reason,
                task=p.task,
                score=p.score,
                deadline=self._answer_by(rec, p.human, self.invite_seconds),
                human=p.human,
            )
            for p in picks
        ]
        picked = {p.agent for p in picks}
        rec.spares = [
            Spare(agent=agent, score=c.score, human=c.card.human)
            for agent, c in found.best().items()
            if agent not in picked and agent not in rec.excluded
        ]
        rec.planned = True
        await self.store.save(rec)
        return None

    @staticmethod
    def _answer_by(rec: Record, person: bool, seconds: float) -> datetime:
        """When an answer is due: a person has the conversation's remaining time (people
        answer in minutes, from a web page or a program of theirs), an agent ``seconds``.
        Past it the usual rules apply: a silent invitee is replaced, a late task is
        reassigned, and a person's silence ends with the conversation's time. Nobody's
        answer is due after the conversation's deadline."""
        return rec.deadline if person else min(rec.deadline, now() + timedelta(seconds=seconds))

    def _turn_due(self, rec: Record, *agents: str) -> datetime:
        """When ``agents``' answer to a turn or task is due (see :meth:`_answer_by`)."""
        person = any(rec.is_human(agent) for agent in agents)
        return self._answer_by(rec, person, rec.budget.turn_seconds)

    @staticmethod
    def _required_refused(rec: Record) -> list[Invite]:
        return [i for i in rec.invites if i.agent in rec.required and i.status == "declined"]

    async def _refused_by_required(self, rec: Record) -> Wake:
        """A required member is never replaced: without it there is no team."""
        names = ", ".join(i.agent for i in self._required_refused(rec))
        return await self._end(
            rec,
            "failed",
            f"required member {names} declined the invitation or did not answer it within "
            f"{self.invite_seconds:g} s; start again when it is free, or do not require it",
        )

    def _replace_declined(self, rec: Record) -> bool:
        """Each decline (or silence) is replaced once by the next best candidate."""
        invited = {i.agent for i in rec.invites} | set(rec.excluded)
        changed = False
        for invite in [i for i in rec.invites if i.status == "declined"]:
            if invite.stands_in_for is not None or any(
                i.stands_in_for == invite.agent for i in rec.invites
            ):
                continue
            spare = next((s for s in rec.spares if s.agent not in invited), None)
            if spare is None:
                break
            invited.add(spare.agent)
            rec.invites.append(
                Invite(
                    agent=spare.agent,
                    reason=f"stands in for {invite.agent}",
                    task=invite.task,
                    score=spare.score,
                    deadline=self._answer_by(rec, spare.human, self.invite_seconds),
                    stands_in_for=invite.agent,
                    human=spare.human,
                )
            )
            changed = True
        return changed

    async def _send_invite(self, rec: Record, invite: Invite) -> None:
        env = Envelope.of(
            TeamInvite(
                conversation=rec.id, goal=rec.goal, role=invite.task[:500], deadline=invite.deadline
            ),
            sender=COORDINATOR,
            conversation=rec.id,
            id=f"{rec.id}-invite-{invite.agent.replace(':', '_')}",
        )
        await self.conn.deliver(self.conn.subjects.inbox(invite.agent, "invite"), env)

    async def _open_group(self, rec: Record) -> Wake:
        accepted = [i for i in rec.invites if i.status == "accepted"]
        if len(accepted) < rec.min_team:
            declined = ", ".join(i.agent for i in rec.invites if i.status == "declined")
            return await self._end(
                rec,
                "failed",
                f"only {len(accepted)} agent(s) accepted; the team needs at least "
                f"{rec.min_team} (declined or silent: {declined or 'nobody'})",
            )
        # The order the team was chosen in, with stand-ins in the place of those they replace.
        order = {i.agent: n for n, i in enumerate(rec.invites)}
        accepted.sort(key=lambda i: order.get(i.stands_in_for or i.agent, order[i.agent]))
        members = [i.agent for i in accepted]
        humans = [rec.requester] if is_person(rec.requester) else []
        try:
            await self.conn.request(
                CHAT,
                "create_group",
                CreateGroup(
                    group=rec.id,
                    conversation=rec.id,
                    title=rec.goal[:200],
                    members=members + humans,
                    observers=rec.observers,
                    max_turns=rec.budget.max_turns,
                ),
            )
        except Conflict:
            await self.conn.request(
                CHAT, "get_group", GetGroup(group=rec.id)
            )  # made before a crash
        rec.group = rec.id
        rec.members = [Member(agent=i.agent, reason=i.reason, score=i.score) for i in accepted]
        rec.state = "discussing" if rec.policy in ("round_robin", "autonomous") else "executing"
        roster = "\n".join(f"- {i.agent}: {i.reason}" for i in accepted)
        rec.current = Move(
            kind="watch",  # the roster needs no answer; it is posted with the first move
            envelope_id=rec.next_id("m"),
            text=f"Goal: {rec.goal}\nTeam ({rec.policy}):\n{roster}",
            deadline=now(),
        )
        await self.store.save(rec)
        await self.announce(rec)
        return None

    # --- working ----------------------------------------------------------------------
    async def _work(self, rec: Record) -> Wake:
        if rec.group and rec.group_round != rec.round:  # a follow-up goal: turns again
            await self._give_turns(rec, rec.budget.max_turns)
            rec.group_round = rec.round
            await self.store.save(rec)
            return None
        retried = await self._retry_late_tasks(rec)
        if retried:
            return None
        move = rec.current
        if move is not None and not move.posted:
            await self._post_move(rec, move)
            move.posted = True
            await self.store.save(rec)
            return None
        if rec.said:
            return await self._relay(rec)
        if move is not None:
            wake = self._still_waiting(rec, move)
            if wake is not None:
                return wake
            rec.current = None
            if rec.state == "paused":
                rec.state = "executing"
            await self.store.save(rec)
            return None
        return await self._decide(rec)

    async def _decide(self, rec: Record) -> Wake:
        spent = budget_spent(rec)
        if spent is not None:
            # A rule-driven flow that was done anyway did not end early; a moderator
            # decides for itself when it is done, and did not get to.
            done_anyway = rec.policy != "moderated" and policies.by_rules(rec).kind == "conclude"
            if not done_anyway:
                rec.reason = spent
                rec.heard(
                    Line(
                        id=f"{rec.id}-budget{rec.round}",
                        sender=COORDINATOR,
                        type="note",
                        text=spent,
                    )
                )
            return await self._to_conclusion(rec)
        usage = Usage()
        if rec.policy == "moderated":
            decision = await policies.moderated(rec, self.llm, usage)
        else:
            decision = policies.by_rules(rec)
        rec.spend(usage)
        if decision.kind == "conclude":
            return await self._to_conclusion(rec)
        turn_ends = min(rec.deadline, now() + timedelta(seconds=rec.budget.turn_seconds))
        if decision.kind == "pause":
            rec.state = "paused"
            rec.current = Move(
                kind="pause",
                envelope_id=rec.next_id("m"),
                triggers=decision.agents,
                text=decision.text or "Waiting for the background tasks to finish.",
                deadline=max(
                    (t.deadline for t in rec.tasks if t.task_id in decision.agents),
                    default=turn_ends,
                ),
            )
        elif decision.kind in ("assign", "assign_async"):
            mode = "async" if decision.kind == "assign_async" else "sync"
            assignee = decision.agents[0]
            task = Task(
                task_id=rec.next_id("t"),
                assignee=assignee,
                description=decision.text,
                mode=mode,
                deadline=self._turn_due(rec, assignee),
                step=decision.step,
            )
            rec.tasks.append(task)
            rec.current = Move(
                kind="assign",
                envelope_id=rec.next_id("m"),
                speakers=decision.agents,
                text=decision.text,
                task_id=task.task_id,
                deadline=task.deadline,
            )
            rec.turns += 1
            rec.cursor += 1
        else:  # ask or watch
            rec.current = Move(
                kind=decision.kind,
                envelope_id=rec.next_id("m"),
                speakers=decision.agents,
                text=decision.text,
                deadline=self._turn_due(rec, *decision.agents),
                posted=decision.kind == "watch",
                answered=[],
            )
            rec.turns += 1
            rec.cursor += 1
        if decision.cursor is not None:  # a plan's step passed over (a pause with no wait)
            rec.cursor = decision.cursor
        await self.store.save(rec)
        return None

    def _still_waiting(self, rec: Record, move: Move) -> Wake:
        """When to look again, or None once ``move`` is answered (or out of time)."""
        if move.kind == "assign":
            task = rec.task(move.task_id or "")
            if task is None or not task.open or task.mode == "async":
                return None
            return task.deadline  # past it, _retry_late_tasks reassigns or fails the task
        if move.kind == "pause":
            if all(not (t := rec.task(tid)) or not t.open for tid in move.triggers):
                return None
            return move.deadline if move.deadline > now() else None
        if move.kind in ("ask", "watch"):
            if set(move.speakers) <= set(move.answered) or move.deadline <= now():
                return None
            return move.deadline
        return None

    async def _retry_late_tasks(self, rec: Record) -> bool:
        """A task whose assignee is gone (``presence.gone``: reported offline, its lease
        run out now, no progress since) or missed its deadline is given to another member
        once; the second time it is marked failed."""
        changed = False
        for task in [t for t in rec.tasks if t.open and t.sub_team is None]:
            late = task.deadline <= now()
            if not (late or task.assignee_offline):
                continue
            if not late and not await presence.gone(self.conn, task):
                log.info("an assignee reported offline is there: its task stays", task=task.task_id)
                task.assignee_offline, changed = False, True
                continue
            why = "went offline" if task.assignee_offline else "missed its deadline"
            others = [m for m in rec.member_ids() if m != task.assignee]
            task.outcome, task.result = "failed", f"{task.assignee} {why}"
            await self._post(
                rec, TaskCancelled(task_id=task.task_id, reason=why), f"{task.task_id}-x"
            )
            if task.attempt == 1 and others:
                again = Task(
                    task_id=rec.next_id("t"),
                    assignee=others[0],
                    description=task.description,
                    mode=task.mode,
                    deadline=self._turn_due(rec, others[0]),
                    attempt=2,
                    step=task.step,
                )
                rec.tasks.append(again)
                if rec.current and rec.current.task_id == task.task_id:
                    rec.current = Move(
                        kind="assign",
                        envelope_id=rec.next_id("m"),
                        speakers=[again.assignee],
                        text=again.description,
                        task_id=again.task_id,
                        deadline=again.deadline,
                    )
                else:  # an async task: hand it over right away
                    await self._post_task(rec, again, rec.next_id("m"))
                log.info("task reassigned", task=task.task_id, to=again.assignee, why=why)
            changed = True
        if changed:
            await self.store.save(rec)
        return changed

    async def _relay(self, rec: Record) -> Wake:
        """Post, in order, what people sent before the group existed (after the roster)."""
        members = set(rec.member_ids())
        for said in rec.said:
            speakers = [agent for agent in said.next_speakers if agent in members]
            text = f"{said.sender} wrote while the team was forming: {said.text}"
            message = ChatMessage(text=text, next_speakers=speakers, mentions=speakers)
            await self._post(rec, message, said.id)
        rec.said = []
        await self.store.save(rec)
        return None

    async def _post_move(self, rec: Record, move: Move) -> None:
        if move.kind == "watch" and move.text:
            await self._post(rec, ChatMessage(text=move.text), move.envelope_id)
        elif move.kind == "ask":
            await self._post(
                rec,
                ChatMessage(text=move.text, next_speakers=move.speakers, mentions=move.speakers),
                move.envelope_id,
            )
        elif move.kind == "assign":
            task = rec.task(move.task_id or "")
            assert task is not None
            await self._post_task(rec, task, move.envelope_id)
        elif move.kind == "pause":
            await self._post(rec, Pause(triggers=move.triggers, reason=move.text), move.envelope_id)

    async def _post_task(self, rec: Record, task: Task, envelope_id: str) -> None:
        await self._post(
            rec,
            TaskAssign(
                task_id=task.task_id,
                assignee=task.assignee,
                description=task.description,
                mode=task.mode,
                inputs={
                    "goal": rec.goal,
                    "previous": _previous(rec, task),
                    "checked": conclusion.handed_over(rec, task),
                },
                deadline=task.deadline,
            ),
            envelope_id,
        )

    # --- concluding -------------------------------------------------------------------
    async def _to_conclusion(self, rec: Record) -> Wake:
        # The members' turns end here: the group takes no more of their chat messages
        # (a task's result still), however fast they name each other.
        await self._give_turns(rec, 0)
        rec.state, rec.current = "concluding", None
        await self.store.save(rec)
        await self.announce(rec)
        return None

    async def _conclude(self, rec: Record) -> Wake:
        if rec.said:
            return await self._relay(rec)
        if rec.conclusion is None:
            if not _has_results(rec):
                return await self._end(rec, "failed", _nothing_done(rec))
            usage = Usage()
            llm = self.llm if rec.conclusion_policy == "summary" else None
            written = await conclusion.write(rec, llm, usage)
            rec.spend(usage)
            rec.conclusion = written.text
            if written.unchecked is not None:
                return await self._end(rec, "failed", written.unchecked)
            if written.unanswered:
                unanswered = "; ".join(written.unanswered)
                rec.reason = "; ".join(filter(None, [rec.reason, f"not answered: {unanswered}"]))
            await self.store.save(rec)
            return None
        await self._post(rec, Conclusion(text=rec.conclusion), f"{rec.id}-conclusion{rec.round}")
        early = rec.reason and f"{rec.reason}; concluded with what the team has"
        return await self._end(rec, "concluded", early or None)

    # --- endings ----------------------------------------------------------------------
    async def _run_out(self, rec: Record) -> Wake:
        """The wall-clock budget is spent: end now. With results in hand, the conclusion
        is composed from them (or the one written already is posted), never asked of the
        LLM; with none, the conversation fails. Either way the reason names whom it still
        waited for. One step, saved only at its end, so a crash in between repeats it."""
        why = _out_of_time(rec)
        await self._call_off_tasks(rec, why)
        if rec.group is None or not _has_results(rec):
            return await self._end(rec, "failed", why)
        text = rec.conclusion
        if text is None:
            written = await conclusion.write(rec, None, Usage())
            if written.unchecked is not None:
                return await self._end(rec, "failed", f"{why}; {written.unchecked}")
            text = written.text
        rec.conclusion = text
        await self._post(rec, Conclusion(text=text), f"{rec.id}-conclusion{rec.round}")
        early = "; ".join(filter(None, [why, rec.reason]))
        return await self._end(rec, "concluded", f"{early}; concluded with what the team has")

    async def _cancel(self, rec: Record) -> Wake:
        """Cancelled: the open tasks are called off, the members told, and the group
        closed, so it takes no more posts (a crash after it closed skips the posts: they
        were made before it was)."""
        why = rec.cancel or "cancelled"
        if rec.group:
            try:
                await self._call_off_tasks(rec, why)
                told = ChatMessage(text=f"This conversation is cancelled: {why}")
                await self._post(rec, told, f"{rec.id}-cancelled{rec.round}")
            except Forbidden:
                log.info("the group was closed already", conversation=rec.id)
            await self.conn.request(CHAT, "close_group", CloseGroup(group=rec.group))
        for task in [t for t in rec.tasks if t.open]:
            task.outcome = "cancelled"
        return await self._end(rec, "cancelled", rec.cancel)

    async def _call_off_tasks(self, rec: Record, why: str) -> None:
        """Cancel every open task, telling its assignee in the group (if there is one)."""
        for task in [t for t in rec.tasks if t.open]:
            task.outcome = "cancelled"
            if rec.group:
                called_off = TaskCancelled(task_id=task.task_id, reason=clip(why, REASON_CHARS))
                await self._post(rec, called_off, f"{task.task_id}-x")

    async def _end(self, rec: Record, state: str, reason: str | None) -> Wake:
        rec.state, rec.reason, rec.current = state, reason, None
        await self.store.save(rec)
        log.info("conversation ended", conversation=rec.id, state=state, reason=reason)
        return await self._settle(rec)

    async def _settle(self, rec: Record) -> Wake:
        """What follows the end, done again by whichever replica finds it undone: each
        part is idempotent (one event id per ending, a sub-team asked to cancel once, the
        parent's task resolved once, spending counted by what is new)."""
        await self.announce(rec)
        await self._call_off_children(rec)
        if rec.parent and rec.parent_task:
            try:
                await self._report_to_parent(rec)
            except (Unavailable, Timeout):
                raise  # transient: the step is tried again
            except IoaError as exc:
                log.warning("could not report to the parent conversation", error=str(exc))
        rec.settled = True
        await self.store.save(rec)
        return None

    async def _call_off_children(self, rec: Record) -> None:
        """A sub-team works for its parent's task: once the parent has ended, nobody waits
        for it. Each child's driver cancels it, and its own children in turn."""
        why = rec.calls_off_children()
        for child in rec.children:
            try:
                await self.store.change(child, lambda c: c.ask_to_cancel(why))
            except NotFound:
                log.warning("a sub-team's record is missing", child=child)

    async def _report_to_parent(self, rec: Record) -> None:
        """A sub-team's conclusion is its parent task's result (while that task is open),
        and what it spent is the parent's spending (always)."""
        ok = rec.state == "concluded"
        text = rec.conclusion if ok else f"the sub-team {rec.state}: {rec.reason}"
        answers = conclusion.check(rec).answers if ok else []
        data = {"sub_team": rec.id, **({"answer": "; ".join(answers)} if answers else {})}

        def resolve(parent: Record) -> bool:
            changed = parent.spent_by_child(rec)
            task = parent.task(rec.parent_task or "")
            if task is not None and task.open:
                task.outcome, task.result = ("done" if ok else "failed"), text
                task.data = data
                changed = True
            return changed

        parent = await self.store.change(rec.parent or "", resolve)
        task = parent.task(rec.parent_task or "")
        # Posted while the task holds this outcome, so a retry after a crash posts it too.
        if parent.group and task is not None and task.result == text:
            await self._post(
                parent,
                TaskResult(task_id=rec.parent_task or "", text=text or "", data=data),
                f"{rec.parent_task}-sub",
            )
        # A parent that has ended already has reported its spending to its own parent:
        # what this child added is passed up the chain.
        while parent.finished and parent.parent:
            count = functools.partial(Record.spent_by_child, child=parent)
            parent = await self.store.change(parent.parent, count)

    # --- plumbing ---------------------------------------------------------------------
    async def _give_turns(self, rec: Record, turns: int) -> None:
        """Give the group ``turns`` more chat messages of its members (chat counts them)."""
        if rec.group is not None:
            await self.conn.request(CHAT, "set_turns", SetTurns(group=rec.group, max_turns=turns))

    async def _post(self, rec: Record, body: Body, envelope_id: str) -> None:
        assert rec.group is not None
        env = Envelope.of(
            body, sender=COORDINATOR, conversation=rec.id, group=rec.group, id=envelope_id
        )
        await self.conn.send(CHAT, "post", env)

    async def announce(self, rec: Record) -> None:
        # An ending has one event id, so announcing it again (see _settle) adds nothing.
        ending = f"{rec.id}-{rec.state}{rec.round}" if rec.finished else None
        env: Envelope[Any] = Envelope.of(
            rec.public(), sender=COORDINATOR, conversation=rec.id, id=ending
        )
        await self.conn.deliver(self.conn.subjects.event("conversation", rec.id), env)


PREVIOUS_TASKS = 10
PREVIOUS_CHARS = 4_000


def _previous(rec: Record, task: Task) -> list[dict[str, Any]]:
    """The results of the tasks done before ``task``, oldest first, for its inputs: a
    program (a calculator, a tool) reads its predecessor's output from here rather than
    from the chat. Only the last few, clipped, so the assignment stays within its limit."""
    done = [t for t in rec.tasks if t.outcome == "done" and t.task_id != task.task_id]
    return [
        {
            "task_id": t.task_id,
            "agent": t.assignee,
            "result": clip(t.result or "", PREVIOUS_CHARS),
            **({"data": t.data} if t.data is not None else {}),
        }
        for t in done[-PREVIOUS_TASKS:]
    ]


def _out_of_time(rec: Record) -> str:
    """Why a conversation failed on its wall-clock budget, naming whom it waited for."""
    if rec.state == "forming":
        waiting = [f"{i.agent} (invitation)" for i in rec.invites if i.status == "pending"]
    else:
        waiting = [f"{t.assignee} (task {t.task_id})" for t in rec.tasks if t.open]
        move = rec.current
        if move is not None and move.kind == "ask":
            waiting += [f"{a} (question)" for a in move.speakers if a not in move.answered]
    still = f"; still waiting for {', '.join(waiting)}" if waiting else ""
    return f"ran out of time: the budget is {rec.budget.max_seconds:g} s{still}"


def _has_results(rec: Record) -> bool:
    """Whether anything is there to conclude with: a task done or a member's word."""
    members = set(rec.member_ids())
    return any(t.outcome == "done" for t in rec.tasks) or any(
        line.sender in members and line.type == "chat_message" for line in rec.transcript
    )


def _nothing_done(rec: Record) -> str:
    """Why a conversation in which no member did its part fails: what went wrong with
    each task, and the budget that stopped it (``rec.reason``) if one did."""
    failures = "; ".join(f"{t.assignee}: {conclusion.why_failed(t)}" for t in rec.tasks)
    if failures:
        stopped = f"; {rec.reason}" if rec.reason else ""
        return f"no member could do its part ({failures}){stopped}"
    if rec.reason:
        return f"{rec.reason} before any member did its part"
    return "no member could do its part (nobody answered)"


def budget_spent(rec: Record) -> str | None:
    """Which budget that leads to the conclusion is spent, in words; None while none is."""
    if rec.turns >= rec.budget.max_turns:
        return f"the budget of {rec.budget.max_turns} turns is spent"
    if rec.tokens >= rec.budget.max_tokens:
        return f"the budget of {rec.budget.max_tokens} LLM tokens is spent ({rec.tokens} used)"
    return None
