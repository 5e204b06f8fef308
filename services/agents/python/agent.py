"""The python agent: runs the code in a task in the sandbox and returns what it did."""

import asyncio
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
from services.agents.python.code import NoCode, find_code
from services.agents.python.sandbox import (
    Isolation,
    Limits,
    Run,
    SandboxError,
    inline,
    run_code,
)
from services.agents.python.settings import PythonSettings

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
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("lease_seconds", settings.agent_lease_seconds)
        super().__init__(card, settings, **kwargs)
        self.limits: Limits = settings.limits
        self.isolation = isolation
        self.interpreter = interpreter
        self.require_isolation = settings.python_require_isolation
        self.progress_seconds = settings.python_progress_seconds
        self._slots = asyncio.Semaphore(settings.python_max_concurrent)

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

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed:
        task = env.body
        try:
            code = find_code(task.description, task.inputs)
        except NoCode as exc:
            return TaskFailed(task_id=task.task_id, reason=f"python: {exc}")

        async def progress(seconds: float) -> None:
            assert env.group is not None
            note = TaskProgress(
                task_id=task.task_id,
                text=f"still running after {seconds:.0f} s",
                percent=min(99.0, 100 * seconds / self.limits.wall_seconds),
            )
            await self.post(env.group, note, conversation=env.conversation, in_reply_to=env.id)

        try:
            run = await self.run(code, progress)
        except SandboxError as exc:
            return TaskFailed(task_id=task.task_id, reason=f"python: {exc}")
        self.log.info("code ran", task=task.task_id, status=run.exit_status, limit=run.limit)
        if run.limit is not None:
            return TaskFailed(task_id=task.task_id, reason=refusal(run, self.limits))
        return TaskResult(
            task_id=task.task_id, text=summary(run), data=run.record(), parts=parts_of(run)
        )

    async def on_turn(self, env: Envelope[ChatMessage]) -> ChatMessage | None:
        try:
            code = find_code(env.body.text)
        except NoCode:
            return None
        try:
            run = await self.run(code)
        except SandboxError as exc:
            return ChatMessage(text=f"I cannot run code here: {exc}")
        text = refusal(run, self.limits) if run.limit else summary(run)
        return ChatMessage(text=text, parts=parts_of(run))


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
