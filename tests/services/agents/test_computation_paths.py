"""The python agent's three paths for a task: given code, an exact routine, and programs
the model writes (the scripted OpenAI-compatible server stands in for the model), which
run in the real sandbox; an answer is taken only when two different programs printed it."""

import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from protocol.envelope import Envelope
from protocol.kinds import ChatMessage, TaskAssign, TaskFailed, TaskResult
from protocol.llm import Llm, LlmSettings
from services.agents.python.agent import PythonRunner
from services.agents.python.card import python_card
from services.agents.python.sandbox import Isolation, pick_interpreter, probe_isolation
from services.agents.python.settings import PythonSettings
from tests.support.scripted_llm import Rule, Script, scripted_llm

QUESTION = "How many primes below 10,000 end in the digit 3?"
"""No routine knows it (the ending digit is more than a prime count): a program answers."""
ENDING_IN_3 = sum(1 for n in range(3, 10_000, 10) if all(n % d for d in range(2, int(n**0.5) + 1)))
GOOD = (
    "```python\n"
    "def is_prime(n):\n"
    "    return n > 1 and all(n % d for d in range(2, int(n ** 0.5) + 1))\n"
    "print(sum(1 for n in range(10000) if n % 10 == 3 and is_prime(n)))\n"
    "```"
)
OTHER_WAY = (
    "```python\n"
    "primes = [n for n in range(2, 10000) if all(n % p for p in range(2, n) if p * p <= n)]\n"
    "print(len([p for p in primes if str(p).endswith('3')]))\n"
    "```"
)
WRONG = "```python\nprint(5)\n```"
FAILING = "```python\nprint(sum(1 for n in range(10000) if n % 10 == 3 and is_prime(n)))\n```"
TWO_LINES = "```python\nprint('counting primes ending in 3')\nprint(411)\n```"


@pytest.fixture(scope="module")
async def isolation() -> Isolation:
    return await probe_isolation(pick_interpreter())


@asynccontextmanager
async def runner(
    isolation: Isolation, url: str | None = None, **settings: Any
) -> AsyncIterator[PythonRunner]:
    """An agent that is called directly (no network needed), with a model at ``url``."""
    agent_settings = PythonSettings(python_cpu_seconds=5, python_wall_seconds=10, **settings)
    llm = Llm(LlmSettings(openai_base_url=url, timeout=5)) if url else None
    card = python_card(agent_settings.limits, isolation)
    try:
        yield PythonRunner(card, agent_settings, isolation, pick_interpreter(), llm=llm)
    finally:
        if llm is not None:
            await llm.close()


@contextmanager
def model(*replies: str) -> Iterator[tuple[Script, str]]:
    """The scripted model: answers the question with ``replies`` in turn (the last repeats)."""
    script = Script(rules=[Rule(when="primes below", reply=replies[0], then=list(replies[1:]))])
    with scripted_llm(script) as url:
        yield script, url


def task(description: str, **fields: Any) -> Envelope[TaskAssign]:
    body = TaskAssign(task_id="t1", assignee="python", description=description, **fields)
    return Envelope.of(body, sender="coordinator", group="g1", conversation="c1")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_an_exact_routine_answers_a_question_in_words_before_any_model(
    isolation: Isolation,
) -> None:
    with model(GOOD) as (script, url):
        async with runner(isolation, url) as agent:
            result = await agent.on_task(task("What is the sum of the first 100 primes?"))

    assert isinstance(result, TaskResult)
    assert result.text.startswith(
        "The sum of the first 100 primes is 24133. (exact routine: sympy)"
    )
    assert result.text.endswith("Answer: 24133")
    assert result.data is not None
    assert result.data["path"] == "exact routine" and result.data["answer"] == "24133"
    assert script.requests == []


async def test_the_model_gets_its_error_back_and_two_different_programs_agree(
    isolation: Isolation,
) -> None:
    with model(FAILING, GOOD, OTHER_WAY) as (script, url):
        async with runner(isolation, url) as agent:
            result = await agent.on_task(task(QUESTION))

    assert isinstance(result, TaskResult), result
    assert result.data is not None
    assert result.data["path"] == "program written by the model"
    assert result.data["answer"] == str(ENDING_IN_3)
    assert result.data["attempts"] == 3 and result.data["programs_agreeing"] == 2
    assert result.data["exit_status"] == 0
    assert result.data["network_isolated"] is isolation.network
    assert result.text.startswith(
        f"Answer: {ENDING_IN_3} (2 different programs written by the model ran in the sandbox "
        "and printed it; code below)"
    )
    assert "def is_prime(n):" in result.text and result.data["code"] in result.text
    # The first program's traceback went back to the model with the question.
    assert len(script.requests) == 3
    feedback = script.requests[1]["messages"]
    assert feedback[-2] == {"role": "assistant", "content": FAILING}
    assert (
        "NameError" in feedback[-1]["content"] and "exited with status 1" in feedback[-1]["content"]
    )
    assert "end in the digit 3" in feedback[1]["content"]
    # The second program was asked for afresh: a new conversation, not the first one's.
    assert len(script.requests[2]["messages"]) == 2


async def test_one_program_is_a_draft_the_same_one_again_is_no_check_and_disagreement_fails(
    isolation: Isolation,
) -> None:
    with model(GOOD) as (script, url):  # the same program every time
        async with runner(isolation, url) as agent:
            same = await agent.on_task(task(QUESTION))
    assert isinstance(same, TaskFailed)
    assert "only one of the model's programs gave an answer in 4 tries" in same.reason
    assert "same program as before" in script.requests[-1]["messages"][-1]["content"]

    with model(GOOD, WRONG) as (script, url):
        async with runner(isolation, url) as agent:
            disagree = await agent.on_task(task(QUESTION))
    assert isinstance(disagree, TaskFailed)
    assert "printed different answers" in disagree.reason
    assert "5" not in disagree.reason.split(":", 1)[1]  # neither figure is told as an answer


async def test_a_program_printing_two_lines_is_not_taken_as_an_answer(
    isolation: Isolation,
) -> None:
    with model(TWO_LINES) as (script, url):
        async with runner(isolation, url) as agent:
            result = await agent.on_task(task(QUESTION))

    assert isinstance(result, TaskFailed)
    assert "no single answer in 4 tries" in result.reason
    assert "printed 2 lines" in result.reason
    assert len(script.requests) == 4  # IOA_PYTHON_PROGRAM_ATTEMPTS' default
    assert "printed 2 lines" in script.requests[1]["messages"][-1]["content"]


async def test_two_lines_then_one_is_accepted_and_the_attempts_are_settings(
    isolation: Isolation,
) -> None:
    trust_one = {"python_program_attempts": 2, "python_programs_agreeing": 1}
    with model(TWO_LINES, GOOD) as (script, url):
        async with runner(isolation, url, **trust_one) as agent:
            result = await agent.on_task(task(QUESTION))
    assert isinstance(result, TaskResult) and result.data is not None
    assert result.data["answer"] == str(ENDING_IN_3) and result.data["attempts"] == 2
    assert result.text.startswith(f"Answer: {ENDING_IN_3} (a program written by the model")

    with model(TWO_LINES) as (script, url):
        async with runner(isolation, url, **trust_one) as agent:
            failed = await agent.on_task(task(QUESTION))
    assert isinstance(failed, TaskFailed) and "in 2 tries" in failed.reason
    assert len(script.requests) == 2


async def test_without_a_model_a_task_no_routine_knows_fails_as_before(
    isolation: Isolation,
) -> None:
    async with runner(isolation) as agent:
        result = await agent.on_task(task(QUESTION))
    assert isinstance(result, TaskFailed)
    assert result.reason == "python: no Python code found, and no routine or model could write one"


async def test_a_model_that_says_no_program_or_is_unreachable_makes_the_task_fail(
    isolation: Isolation,
) -> None:
    with model("NO PROGRAM") as (script, url):
        async with runner(isolation, url) as agent:
            refused = await agent.on_task(task(QUESTION))
    assert isinstance(refused, TaskFailed) and "no program can answer this" in refused.reason
    assert len(script.requests) == 1

    url = f"http://127.0.0.1:{closed_port()}/v1"
    async with runner(isolation, url) as agent:
        unreachable = await agent.on_task(task(QUESTION))
    assert isinstance(unreachable, TaskFailed)
    assert "unavailable" in unreachable.reason and url in unreachable.reason


async def test_a_task_past_its_deadline_asks_the_model_nothing(isolation: Isolation) -> None:
    with model(GOOD) as (script, url):
        async with runner(isolation, url) as agent:
            late = task(QUESTION, deadline=datetime.now(UTC) - timedelta(seconds=1))
            result = await agent.on_task(late)
    assert isinstance(result, TaskFailed) and "deadline passed" in result.reason
    assert script.requests == []


async def test_given_code_runs_as_before_and_says_its_path(isolation: Isolation) -> None:
    with model(GOOD) as (script, url):
        async with runner(isolation, url) as agent:
            one = await agent.on_task(task("run it", inputs={"code": "print(6 * 7)"}))
            two = await agent.on_task(task("Run this:\n```python\nprint(1)\nprint(2)\n```"))

    assert isinstance(one, TaskResult) and one.data is not None
    assert one.data["path"] == "given code" and one.data["answer"] == "42"
    assert one.text.startswith("Exit status 0")
    assert isinstance(two, TaskResult) and two.data is not None
    assert two.data["path"] == "given code" and "answer" not in two.data
    assert script.requests == []


async def test_a_chat_turn_in_words_is_answered_by_a_routine_or_the_model(
    isolation: Isolation,
) -> None:
    def turn(text: str) -> Envelope[ChatMessage]:
        return Envelope.of(
            ChatMessage(text=text, next_speakers=["python"]), sender="coordinator", group="g1"
        )

    async with runner(isolation) as agent:
        routine = await agent.on_turn(turn("Is 1,000,003 prime?"))
        silent = await agent.on_turn(turn("Write me a poem"))
    assert routine is not None and routine.text.endswith("Answer: yes")
    assert silent is None

    with model(GOOD, OTHER_WAY) as (_, url):
        async with runner(isolation, url) as agent:
            written = await agent.on_turn(turn(QUESTION))
    assert written is not None and written.text.startswith(f"Answer: {ENDING_IN_3} ")
