"""A program written by the model for a question asked in words, run in the sandbox.

The model's code is untrusted: it only ever runs in the sandbox, like code given in
a task. It is accepted when it ran (exit 0, no limit hit) and printed one answer,
one non-empty line; otherwise what went wrong is told to the model, which tries
again, up to a number of attempts.
"""

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from protocol.framing import DATA_RULE, as_data
from protocol.llm import Llm
from services.agents.python.sandbox import Run

NOT_A_COMPUTATION = "NO PROGRAM"
MAX_ANSWER_CHARS = 5000
MAX_TOKENS = 1024

SYSTEM = (
    "You write short Python 3 programs that compute the answer to a question. Use only the "
    "standard library. The program reads no input, uses no network and writes no files; it "
    "prints exactly one line: the answer alone (a number, a yes or no, or a list on one "
    "line), without words around it. Reply with the program only, in one ```python block. "
    f"If no program can compute an answer to the question, reply with exactly {NOT_A_COMPUTATION}."
    f"\n\n{DATA_RULE}"
)

_FENCE = re.compile(r"```(?:python|py|python3)?[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)

Runner = Callable[[str], Awaitable[Run]]
"""Runs code in the sandbox (the agent's, with its limits and its concurrency)."""


class ProgramFailed(Exception):
    """No program gave one answer; ``reason`` says why (for the task's failure)."""

    def __init__(self, reason: str, *, computation: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.computation = computation
        """False when the model said the question is no computation."""


@dataclass(slots=True, frozen=True)
class Written:
    """A program that gave one answer: the answer, the code, its run and the tries taken."""

    answer: str
    code: str
    run: Run
    attempts: int


def code_in(reply: str) -> str:
    """The program in the model's reply: its fenced block(s), or the whole reply."""
    blocks = _FENCE.findall(reply)
    return "\n".join(blocks).strip() if blocks else reply.strip()


def one_answer(run: Run) -> tuple[str | None, str | None]:
    """The run's one answer, or what is wrong with it: ``(answer, None)`` or ``(None, problem)``."""
    if run.limit is not None:
        return None, f"it was stopped by the sandbox's {run.limit} limit"
    if run.exit_status != 0:
        tail = "\n".join(run.stderr.strip().splitlines()[-12:])[-2000:]
        return None, f"it exited with status {run.exit_status}" + (f":\n{tail}" if tail else "")
    if run.stdout_truncated:
        return None, "it printed too much"
    lines = [line.strip() for line in run.stdout.splitlines() if line.strip()]
    if not lines:
        return None, "it printed nothing"
    if len(lines) > 1:
        shown = "\n".join(lines[:5])[:500]
        return None, f"it printed {len(lines)} lines, not one answer:\n{shown}"
    if len(lines[0]) > MAX_ANSWER_CHARS:
        return None, f"its answer is {len(lines[0])} characters long"
    return lines[0], None


async def write_and_run(
    llm: Llm,
    run: Runner,
    question: str,
    *,
    attempts: int,
    asker: str = "task",
    deadline: datetime | None = None,
) -> Written:
    """Ask the model for a program answering ``question``, run it, feed back what went
    wrong, up to ``attempts`` times; :class:`ProgramFailed` when none gave one answer."""
    from openai import APIError

    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"The question:\n{as_data(asker, question)}"},
    ]
    problem = "no attempt was made"
    for attempt in range(1, attempts + 1):
        left = None if deadline is None else (deadline - datetime.now(UTC)).total_seconds()
        if left is not None and left <= 0:
            raise ProgramFailed(f"the task's deadline passed after {attempt - 1} tries ({problem})")
        try:
            async with asyncio.timeout(left):
                completion = await llm.complete(messages, max_tokens=MAX_TOKENS, temperature=0.2)
        except (APIError, TimeoutError, OSError) as exc:
            raise ProgramFailed(
                f"the language model at {llm.settings.openai_base_url} is unavailable "
                f"({type(exc).__name__}: {exc})"
            ) from exc
        reply = completion.text.strip()
        if reply.strip("`. \n").upper() == NOT_A_COMPUTATION:
            raise ProgramFailed("the model says no program can answer this", computation=False)
        code = code_in(reply)
        if not code:
            problem = "the reply held no program"
        else:
            done = await run(code)
            answer, problem_found = one_answer(done)
            if answer is not None:
                return Written(answer=answer, code=code, run=done, attempts=attempt)
            problem = problem_found or "it gave no answer"
        messages += [
            {"role": "assistant", "content": reply},
            {
                "role": "user",
                "content": (
                    f"That program did not give one answer: {problem}\n"
                    "Write the corrected program: it must print only the answer, on one "
                    "line. Reply with the program only, in one ```python block."
                ),
            },
        ]
    raise ProgramFailed(
        f"the model's programs gave no single answer in {attempts} tries; last: {problem}"
    )
