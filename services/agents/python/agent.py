"""The python agent: runs the code in a task in the sandbox and returns what it did.

A task in words, without code, is answered by an exact routine when one knows the
question, else by a program the model writes and the sandbox runs; the result's
``data["path"]`` says which of the three answered.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from protocol.agent import Agent
from protocol.envelope import Envelope
from protocol.kinds import (
    AgentCard,
    ChatMessage,
    DataPart,
    Part,
    TaskAssign,
    TaskFailed,
    TaskProgress,
    TaskResult,
    TextPart,
)
from protocol.llm import Llm
from services.agents.python import routines
from services.agents.python.code import CodeAbsent, NoCode, find_code
from services.agents.python.program import ProgramFailed, one_answer, write_and_run
from services.agents.python.sandbox import (
    Isolation,
    Limits,
    Run,
    SandboxError,
    inline,
    run_code,
)
from services.agents.python.settings import PythonSettings

GIVEN_CODE = "given code"
EXACT_ROUTINE = "exact routine"
WRITTEN_PROGRAM = "program written by the model"
NOTHING_TO_RUN = "no Python code found, and no routine or model could write one"

Progress = Callable[[float], Awaitable[None]]


@dataclass(slots=True)
class Computed:
    """An answer to a question in words, by an exact routine or a model's program."""

    text: str
    data: dict[str, Any]
    parts: list[Part] = field(default_factory=list)


class NotComputed(Exception):
    """Neither path answered; ``reason`` says why, ``computation`` whether it was one."""

    def __init__(self, reason: str, *, computation: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.computation = computation


LIMIT_WORDS = {
    "cpu": "its CPU time limit",
    "wall": "its wall-time limit",
    "memory": "its memory limit",
    "processes": "its process limit",
    "output": "its output-size limit",
    "file size": "its file-size limit",
}


class PythonRunner(Agent):
    """Runs Python under limits; a program stopped by a limit is a task failure."""

    def __init__(
        self,
        card: AgentCard,
        settings: PythonSettings,
        isolation: Isolation,
        interpreter: str,
        *,
        llm: Llm | None = None,
        **kwargs: Any,
    ) -> None:
        """``llm`` (owned and closed by the caller) writes programs for tasks in words;
        None: only given code and the exact routines answer."""
        kwargs.setdefault("lease_seconds", settings.agent_lease_seconds)
        super().__init__(card, settings, **kwargs)
        self.limits: Limits = settings.limits
        self.isolation = isolation
        self.interpreter = interpreter
        self.require_isolation = settings.python_require_isolation
        self.progress_seconds = settings.python_progress_seconds
        self._slots = asyncio.Semaphore(settings.python_max_concurrent)
        self.llm = llm
        # sympy's prime sieve is shared and grows in place: one routine at a time.
        self._routine = asyncio.Lock()
        self.program_attempts = settings.python_program_attempts
        self.programs_agreeing = settings.python_programs_agreeing

    async def run(self, code: str, progress: Any = None) -> Run:
        """One run in the sandbox (at most ``python_max_concurrent`` at a time)."""
        if self.require_isolation and not self.isolation.network:
            raise SandboxError(
                f"network isolation is required but unavailable: {self.isolation.detail}"
            )
        async with self._slots:
            return await run_code(
                code,
                self.limits,
                isolate_network=self.isolation.network,
                python=self.interpreter,
                progress=progress,
                progress_every=self.progress_seconds,
            )

    async def compute(
        self,
        question: str,
        progress: Progress | None = None,
        *,
        asker: str = "task",
        deadline: datetime | None = None,
    ) -> Computed:
        """Answer a question in words: an exact routine, else a program by the model;
        :class:`NotComputed` (or :class:`SandboxError`) says why neither did."""
        try:
            async with self._routine:
                found = await asyncio.to_thread(routines.answer, question)
        except Exception:  # a routine's bug must not cost the task: let a program try
            self.log.exception("exact routine failed", question=question[:200])
            found = None
        if found is not None:
            self.log.info("answered by an exact routine", routine=found.routine)
            return Computed(
                text=f"{found.sentence} (exact routine: {found.library})\nAnswer: {found.value}",
                data={
                    "path": EXACT_ROUTINE,
                    "answer": found.value,
                    "routine": found.routine,
                    "library": found.library,
                },
            )
        if self.llm is None:
            raise NotComputed(NOTHING_TO_RUN, computation=False)

        async def run(code: str) -> Run:
            return await self.run(code, progress)

        try:
            written = await write_and_run(
                self.llm,
                run,
                question,
                attempts=self.program_attempts,
                agreeing=self.programs_agreeing,
                asker=asker,
                deadline=deadline,
            )
        except ProgramFailed as exc:
            raise NotComputed(
                "no Python code found, no exact routine knows this question, and the model "
                f"wrote no program that answers it: {exc.reason}",
                computation=exc.computation,
            ) from exc
        self.log.info("answered by the model's program", attempts=written.attempts)
        data = written.run.record() | {
            "path": WRITTEN_PROGRAM,
            "answer": written.answer,
            "code": written.code,
            "attempts": written.attempts,
            "programs_agreeing": written.agreeing,
        }
        text = (
            f"Answer: {written.answer} ({_programs(written.agreeing)} written by the model ran "
            f"in the sandbox and printed it; code below)\n```python\n{written.code.rstrip()}\n```"
        )
        return Computed(text=text, data=data, parts=parts_of(written.run))

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed:
        task = env.body

        async def progress(seconds: float) -> None:
            assert env.group is not None
            note = TaskProgress(
                task_id=task.task_id,
                text=f"still running after {seconds:.0f} s",
                percent=min(99.0, 100 * seconds / self.limits.wall_seconds),
            )
            await self.post(env.group, note, conversation=env.conversation, in_reply_to=env.id)

        try:
            code = find_code(task.description, task.inputs)
        except CodeAbsent:
            try:
                done = await self.compute(
                    task.description, progress, asker=env.sender, deadline=task.deadline
                )
            except (NotComputed, SandboxError) as exc:
                why = exc.reason if isinstance(exc, NotComputed) else str(exc)
                return TaskFailed(task_id=task.task_id, reason=f"python: {why}"[:4900])
            return TaskResult(
                task_id=task.task_id, text=done.text, data=done.data, parts=done.parts
            )
        except NoCode as exc:
            return TaskFailed(task_id=task.task_id, reason=f"python: {exc}")

        try:
            run = await self.run(code, progress)
        except SandboxError as exc:
            return TaskFailed(task_id=task.task_id, reason=f"python: {exc}")
        self.log.info("code ran", task=task.task_id, status=run.exit_status, limit=run.limit)
        if run.limit is not None:
            return TaskFailed(task_id=task.task_id, reason=refusal(run, self.limits))
        return TaskResult(
            task_id=task.task_id, text=summary(run), data=given_record(run), parts=parts_of(run)
        )

    async def on_turn(self, env: Envelope[ChatMessage]) -> ChatMessage | None:
        try:
            code = find_code(env.body.text)
        except CodeAbsent:
            try:
                done = await self.compute(env.body.text, asker=env.sender)
            except NotComputed as exc:
                if not exc.computation:
                    return None  # not a computation, or no model to write one: stay quiet
                return ChatMessage(text=f"(python could not compute this: {exc.reason})")
            except SandboxError as exc:
                return ChatMessage(text=f"I cannot run code here: {exc}")
            return ChatMessage(text=done.text, parts=done.parts)
        except NoCode:
            return None
        try:
            run = await self.run(code)
        except SandboxError as exc:
            return ChatMessage(text=f"I cannot run code here: {exc}")
        text = refusal(run, self.limits) if run.limit else summary(run)
        return ChatMessage(text=text, parts=parts_of(run))


def given_record(run: Run) -> dict[str, Any]:
    """The run record of given code, with its one answer when it printed one line."""
    answer, _ = one_answer(run)
    return run.record() | {"path": GIVEN_CODE} | ({"answer": answer} if answer else {})


def refusal(run: Run, limits: Limits) -> str:
    limit = run.limit or ""
    detail = {
        "cpu": f"{limits.cpu_seconds} s",
        "wall": f"{limits.wall_seconds:g} s",
        "memory": f"{limits.memory_bytes // 2**20} MB",
        "processes": f"{limits.processes}",
        "output": f"{limits.output_bytes} bytes",
        "file size": f"{limits.file_bytes} bytes",
    }.get(limit, "")
    tail = run.stderr.strip().splitlines()[-1:] if run.stderr.strip() else []
    said = f" Last error line: {tail[0][:300]}" if tail else ""
    return (
        f"python: the program was stopped: it exceeded {LIMIT_WORDS.get(limit, limit)} "
        f"({detail}).{said}"
    )


def summary(run: Run) -> str:
    """The run for people: status, output, errors, files."""
    lines = [f"Exit status {run.exit_status} after {run.seconds:.2f} s."]
    if run.stdout:
        cut = " (truncated)" if run.stdout_truncated else ""
        lines.append(f"stdout{cut}:\n{run.stdout.rstrip()}")
    if run.stderr:
        cut = " (truncated)" if run.stderr_truncated else ""
        lines.append(f"stderr{cut}:\n{run.stderr.rstrip()}")
    if run.files:
        lines.append("files: " + ", ".join(f"{f.name} ({f.size} bytes)" for f in run.files))
    if not run.network_isolated:
        lines.append("(note: this run was not cut off from the network)")
    return "\n".join(lines)


def parts_of(run: Run) -> list[Part]:
    """stdout and stderr as text parts; each small file inline as a data part."""
    parts: list[Part] = []
    if run.stdout:
        parts.append(TextPart(text=run.stdout[:200_000]))
    if run.stderr:
        parts.append(TextPart(text=run.stderr[:200_000]))
    for file in run.files:
        if file.content is not None:
            parts.append(DataPart(data={"file": inline(file)}))
    listed = [f for f in run.files if f.content is None]
    if listed:
        parts.append(
            DataPart(data={"files_not_inline": [{"name": f.name, "size": f.size} for f in listed]})
        )
    return parts[:100]


def _programs(agreeing: int) -> str:
    return "a program" if agreeing == 1 else f"{agreeing} different programs"
