"""The calculator agent's hooks: a result with steps, or a failure with a reason."""

from protocol.envelope import Envelope
from protocol.kinds import ChatMessage, DataPart, TaskAssign, TaskFailed, TaskResult
from services.agents.calculator.agent import Calculator
from services.agents.calculator.card import calculator_card
from services.agents.calculator.settings import CalculatorSettings


def calculator() -> Calculator:
    # Constructing an agent does not connect; the hooks are plain coroutines.
    return Calculator(calculator_card(), CalculatorSettings())


def assign(description: str, **inputs: object) -> Envelope[TaskAssign]:
    task = TaskAssign(task_id="t1", assignee="calculator", description=description, inputs=inputs)
    return Envelope.of(task, sender="coordinator", group="g1", conversation="c1")


async def test_a_task_with_arithmetic_gets_a_result_with_steps_and_data() -> None:
    result = await calculator().on_task(assign("What is 17.5% of 2,480 plus 36?"))
    assert isinstance(result, TaskResult)
    assert result.task_id == "t1"
    assert result.text == "17.5% of 2480 = 434; 434 + 36 = 470. Answer: 470"
    assert result.data is not None and result.data["value"] == "470"


async def test_an_expression_given_in_the_inputs_wins_over_the_description() -> None:
    result = await calculator().on_task(assign("Work out the invoice total", expression="3*4"))
    assert isinstance(result, TaskResult)
    assert result.data is not None and result.data["value"] == "12"


async def test_a_task_without_arithmetic_fails_with_a_reason_and_no_made_up_answer() -> None:
    result = await calculator().on_task(assign("Write a note to the customer"))
    assert isinstance(result, TaskFailed)
    assert "no arithmetic found" in result.reason


async def test_a_hostile_task_fails_with_the_limit_as_reason() -> None:
    result = await calculator().on_task(assign("What is 9**9**9**9?"))
    assert isinstance(result, TaskFailed)
    assert "too large" in result.reason


async def test_limits_come_from_the_settings() -> None:
    settings = CalculatorSettings(calculator_max_chars=10)
    agent = Calculator(calculator_card(), settings)
    result = await agent.on_task(assign("Compute 1+2+3+4+5+6+7"))
    assert isinstance(result, TaskFailed) and "limit is 10" in result.reason


async def test_a_turn_with_arithmetic_is_answered_and_one_without_is_skipped() -> None:
    agent = calculator()
    ask = Envelope.of(
        ChatMessage(text="what is 6 times 7?", next_speakers=["calculator"]),
        sender="coordinator",
        group="g1",
    )
    chat = Envelope.of(
        ChatMessage(text="hello team", next_speakers=["calculator"]),
        sender="coordinator",
        group="g1",
    )
    answer = await agent.on_turn(ask)
    assert isinstance(answer, ChatMessage) and answer.text == "6 \u00d7 7 = 42. Answer: 42"
    assert [part.data["value"] for part in answer.parts if isinstance(part, DataPart)] == ["42"]
    assert await agent.on_turn(chat) is None


def test_the_card_describes_the_skills_that_search_matches_on() -> None:
    card = calculator_card()
    assert card.id == "calculator"
    assert {skill.id for skill in card.skills} == {"arithmetic", "percentages", "units"}
    text = card.search_text()
    for word in ("math", "arithmetic", "calculate", "percent", "numbers", "convert", "miles"):
        assert word in text


async def test_a_word_problem_task_carries_its_answer_and_value_as_data() -> None:
    result = await calculator().on_task(assign("18% tip on a $64 bill"))
    assert isinstance(result, TaskResult) and result.data is not None
    assert (result.data["answer"], result.data["value"]) == ("11.52", "11.52")
    assert result.text == "18% of 64 = 11.52. Answer: 11.52"


async def test_an_expression_task_and_turn_carry_the_answer_as_data_too() -> None:
    result = await calculator().on_task(assign("What is 1 divided by 3?"))
    assert isinstance(result, TaskResult) and result.data is not None
    assert (result.data["answer"], result.data["value"]) == ("0.3333", "0.333333333333")
    ask = Envelope.of(
        ChatMessage(text="what day of the week is 2025-07-04?", next_speakers=["calculator"]),
        sender="coordinator",
        group="g1",
    )
    answer = await calculator().on_turn(ask)
    assert isinstance(answer, ChatMessage)
    data = [part.data for part in answer.parts if isinstance(part, DataPart)]
    assert data[0]["answer"] == "Friday" and "value" not in data[0]


async def test_a_word_problem_it_cannot_place_fails_with_a_reason() -> None:
    result = await calculator().on_task(assign("Split $100 between me and 3 friends"))
    assert isinstance(result, TaskFailed)
    assert result.reason.startswith("calculator: no arithmetic found")


def test_the_card_is_found_for_everyday_problems() -> None:
    text = calculator_card().search_text().lower()
    for words in ("average", "numbers", "discount", "tip", "convert", "units", "days", "dates"):
        assert words in text


async def test_a_question_it_reads_only_in_part_fails_with_a_reason_and_no_number() -> None:
    # 2^50 is in it, but the sum of its digits is asked: 1125899906842624 would be wrong.
    text = "What is the sum of the digits of 2 raised to the power 50?"
    result = await calculator().on_task(assign(text))
    assert isinstance(result, TaskFailed)
    assert result.reason.startswith("calculator: the question asks about the digits")
    assert "1125899906842624" not in result.reason
    turn = Envelope.of(ChatMessage(text=text), sender="alice", group="g1", conversation="c1")
    assert await calculator().on_turn(turn) is None
