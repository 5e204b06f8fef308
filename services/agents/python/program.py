"""A program written by the model for a question asked in words, run in the sandbox.

The model's code is untrusted: it only ever runs in the sandbox, like code given in
a task. A program counts when it ran (exit 0, no limit hit) and printed one answer,
one non-empty line; otherwise what went wrong is told to the model, which tries
again, up to a number of attempts.

A program that ran is still the model's draft: it may compute another question than
the one asked (a small model's "25th Fibonacci term" printed 5). So the answer is
taken only when ``agreeing`` programs, each written afresh and each different from the
others, print the same answer; programs that disagree give no answer at all.
"""

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

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
    agreeing: int = 1
    """How many different programs printed this answer."""


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
    agreeing: int = 2,
    asker: str = "task",
    deadline: datetime | None = None,
) -> Written:
    """Ask the model for programs answering ``question``, each in a fresh conversation,
    run them, feed back what went wrong; the answer once ``agreeing`` different programs
    printed it, in at most ``attempts`` model calls. :class:`ProgramFailed` otherwise."""
    found: list[Written] = []
    used = 0
    problem = "no attempt was made"
    while used < attempts and len(found) < agreeing:
        written, problem, tries = await _one_program(
            llm, run, question, attempts - used, asker, deadline, others=found
        )
        used += tries
        if written is None:
            continue
        if found and not _same(found[0].answer, written.answer):
            raise ProgramFailed(
                "two programs the model wrote for it printed different answers, so neither "
                "can be taken as the answer"
            )
        found.append(written)
    if len(found) >= agreeing:
        return replace(found[0], attempts=used, agreeing=len(found))
    if found:
        raise ProgramFailed(
            f"only one of the model's programs gave an answer in {attempts} tries, and one "
            f"program is not enough to trust it (it takes {agreeing} that agree)"
        )
    raise ProgramFailed(
        f"the model's programs gave no single answer in {attempts} tries; last: {problem}"
    )


async def _one_program(
    llm: Llm,
    run: Runner,
    question: str,
    attempts: int,
    asker: str,
    deadline: datetime | None,
    *,
    others: list[Written],
) -> tuple[Written | None, str, int]:
    """One conversation with the model, up to ``attempts`` replies, for a program that
    gives one answer and is none of ``others``: (the program or None, the last problem,
    the replies used)."""
    from openai import APIError

    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"The question:\n{as_data(asker, question)}"},
    ]
    problem = "no attempt was made"
    for attempt in range(1, attempts + 1):
        left = None if deadline is None else (deadline - datetime.now(UTC)).total_seconds()
        if left is not None and left <= 0:
            raise ProgramFailed(f"the task's deadline passed ({problem})")
        try:
            async with asyncio.timeout(left):
                completion = await llm.complete(
                    messages, max_tokens=MAX_TOKENS, temperature=0.2 if not others else 0.8
                )
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
        elif any(_plain(code) == _plain(o.code) for o in others):
            problem = "it is the same program as before; a check needs another way to compute it"
        else:
            done = await run(code)
            answer, problem_found = one_answer(done)
            if answer is not None:
                return Written(answer=answer, code=code, run=done, attempts=attempt), "", attempt
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
    return None, problem, attempts


def _plain(code: str) -> str:
    return "".join(code.split())


def _same(one: str, other: str) -> bool:
    """Whether two printed answers are one: the same text, or the same number."""
    if one.strip().lower() == other.strip().lower():
        return True
    try:
        return Decimal(one.replace(",", "")) == Decimal(other.replace(",", ""))
    except InvalidOperation:
        return False
