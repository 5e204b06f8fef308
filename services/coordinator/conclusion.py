"""The conclusion of a conversation, from its record: the checked results, an LLM's
summary only when it passes the same checks (``grounding``), else the results' own
words; and which parts of the goal went unanswered, and why."""

from dataclasses import dataclass

import structlog

from protocol.drafts import problems
from protocol.figures import unfounded
from protocol.framing import DATA_RULE, as_data
from protocol.llm import Llm, Usage
from services.coordinator.grounding import Finding, answer_of, compose, grounded
from services.coordinator.state import Record, Task

log = structlog.get_logger("ioa.coordinator.conclusion")


@dataclass(slots=True)
class Checked:
    """The members' results sorted by what the checks made of them."""

    facts: list[str]
    """The goal and every result that passed: what a draft may state."""
    kept: list[Finding]
    left_out: list[tuple[Finding, str]]
    unanswered: list[str]

    @property
    def answers(self) -> list[str]:
        return [f.answer for f in self.kept if f.answer]


@dataclass(slots=True, frozen=True)
class Written:
    text: str
    unanswered: list[str]
    unchecked: str | None = None
    """Why nothing the team said could be checked (the conversation fails), if so."""


def given_answers(rec: Record, task: Task | None = None) -> list[Finding]:
    """The tools' answers of the tasks done before ``task`` (all, without one), oldest
    first: what a later step is handed, and must keep unchanged."""
    found = []
    for done in rec.tasks:
        if task is not None and done.task_id == task.task_id:
            break
        answer = answer_of(done.data) if done.outcome == "done" else None
        if answer:
            found.append(Finding(done.assignee, done.description, done.result or "", answer))
    return found


def check(rec: Record) -> Checked:
    """Every result, in order: a tool's answer is a fact; prose (an LLM's note, a
    discussion turn) is kept only when its figures are facts and it keeps the answers it
    was given."""
    checked = Checked(facts=[rec.goal], kept=[], left_out=[], unanswered=[])
    members = set(rec.member_ids())
    for task in rec.tasks:
        if task.outcome == "failed" and not _done_by_another(rec, task):
            checked.unanswered.append(f"{task.description.strip()[:300]} ({why_failed(task)})")
        if task.outcome != "done":
            continue
        finding = Finding(task.assignee, task.description, task.result or "", answer_of(task.data))
        own = [str(task.data)] if task.data else []
        given = [f.answer for f in given_answers(rec, task) if f.answer]
        # A sub-team's conclusion passed these checks in its own conversation; a person's
        # answer is theirs to give (the checks are for what a model wrote).
        already = task.sub_team is not None or grounded(task.data) or rec.is_human(task.assignee)
        _sort(checked, finding, own, given, checked_already=already)
    for line in rec.transcript:
        if line.sender in members and line.type == "chat_message":
            finding = Finding(line.sender, "", line.text, line.answer)
            _sort(checked, finding, [], [], checked_already=rec.is_human(line.sender))
    return checked


def _sort(
    checked: Checked,
    finding: Finding,
    own: list[str],
    given: list[str],
    *,
    checked_already: bool = False,
) -> None:
    if finding.answer or checked_already:
        checked.kept.append(finding)
        checked.facts += [finding.text, finding.answer or ""]
        return
    why = problems(finding.text, [*checked.facts, *own], given)
    if why:
        checked.left_out.append((finding, "; ".join(why)))
        log.info(
            "a result left out of the conclusion",
            agent=finding.agent,
            why="; ".join(why),
            unfounded=[format(f, "f") for f in unfounded(finding.text, checked.facts)],
        )
        return
    checked.kept.append(finding)
    checked.facts.append(finding.text)


def _done_by_another(rec: Record, task: Task) -> bool:
    """Whether another task (a reassignment, or a second member on the same part) did
    what ``task`` failed to do: that part is answered."""
    return any(
        t.outcome == "done" and t.description == task.description
        for t in rec.tasks
        if t is not task
    )


def why_failed(task: Task) -> str:
    """Why a task failed, in its first line: what follows may quote a model's draft (a
    program's output, its traceback), whose figures are no fact."""
    lines = (task.result or "no reason given").strip().splitlines()
    return lines[0][:300] if lines else "no reason given"


async def write(rec: Record, llm: Llm | None, usage: Usage) -> Written:
    """The conclusion's text: the LLM's summary when it passes the checks, else the
    checked results composed in order (also when the LLM is down or its tokens spent)."""
    checked = check(rec)
    if llm is not None and rec.tokens < rec.budget.max_tokens and checked.kept:
        summary = await _summary(rec, llm, checked, usage)
        why = problems(summary, checked.facts, checked.answers) if summary else ["no summary"]
        if not why:
            kept = "\n".join(f"- {f.agent}: {' '.join(f.text.split())[:400]}" for f in checked.kept)
            return Written(f"{summary.strip()}\n\nFrom the team:\n{kept}", checked.unanswered)
        log.info(
            "llm conclusion not used",
            conversation=rec.id,
            why="; ".join(why),
            unfounded=[format(f, "f") for f in unfounded(summary, checked.facts)],
        )
    text = compose(checked.kept, checked.left_out, checked.unanswered)
    unchecked = None
    if not checked.kept:
        whys = "; ".join(f"{f.agent}: {why}" for f, why in checked.left_out)
        unchecked = f"no member's result could be checked ({whys or 'none came'})"
    return Written(text, checked.unanswered, unchecked)


def handed_over(rec: Record, task: Task) -> list[dict[str, str]]:
    """The tools' answers found before ``task``, for its inputs (``checked``): a writer
    puts them in its note, and must keep them unchanged."""
    return [{"agent": f.agent, "answer": f.answer or ""} for f in given_answers(rec, task)]


async def _summary(rec: Record, llm: Llm, checked: Checked, usage: Usage) -> str:
    framed = "\n".join(as_data(f.agent, " ".join(f.text.split())[:400]) for f in checked.kept)
    try:
        completion = await llm.complete(
            [
                {
                    "role": "system",
                    "content": (
                        "You write the conclusion of a team's work. CONCLUSION: answer the "
                        "goal in a few sentences, using only the results below, and keep "
                        "every figure exactly as it is written there. " + DATA_RULE
                    ),
                },
                {"role": "user", "content": f"Goal: {rec.goal}\nResults:\n{framed}"},
            ],
            max_tokens=300,
            usage=usage,
        )
    except Exception as exc:  # the LLM is down: the results speak for themselves
        log.warning("llm conclusion failed", error=str(exc))
        return ""
    return completion.text
