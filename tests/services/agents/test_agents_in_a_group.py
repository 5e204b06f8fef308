"""The agents in a real flow: registry and chat service running, a task posted to a group."""

from protocol.connection import Connection
from protocol.kinds import AgentInfo, GetAgent, TaskFailed, TaskResult
from protocol.llm import Llm, LlmSettings
from protocol.settings import ServiceSettings
from protocol.subjects import REGISTRY
from services.agents.assistant.agent import Assistant
from services.agents.assistant.persona import PERSONAS, Persona
from services.agents.assistant.settings import AssistantSettings
from services.agents.calculator.agent import Calculator
from services.agents.calculator.card import calculator_card
from services.agents.calculator.settings import CalculatorSettings
from tests.services.agents.conftest import assign, create_group, outcome_of
from tests.support.scripted_llm import Rule, Script, scripted_llm


def calculator_settings(settings: ServiceSettings) -> CalculatorSettings:
    return CalculatorSettings(nats_url=settings.nats_url, subject_root=settings.subject_root)


async def test_the_calculator_answers_a_task_posted_to_its_group(
    settings: ServiceSettings, coordinator: Connection
) -> None:
    async with Calculator(calculator_card(), calculator_settings(settings)):
        info = (await coordinator.request(REGISTRY, "get_agent", GetAgent(agent="calculator"))).body
        assert isinstance(info, AgentInfo) and info.online

        group = await create_group(coordinator, ["calculator"])
        await assign(coordinator, group, "sum", "calculator", "What is 17.5% of 2,480 plus 36?")
        await assign(coordinator, group, "prose", "calculator", "Write a poem about spring")
        result = await outcome_of(coordinator, group, "sum")
        failure = await outcome_of(coordinator, group, "prose")

    assert result.sender == "calculator"
    assert isinstance(result.body, TaskResult)
    assert result.body.text == "17.5% of 2480 = 434; 434 + 36 = 470. Answer: 470"
    assert result.body.data is not None and result.body.data["value"] == "470"
    assert isinstance(failure.body, TaskFailed) and "no arithmetic" in failure.body.reason


async def test_the_writer_answers_with_the_llm_using_the_calculators_result_as_context(
    settings: ServiceSettings, coordinator: Connection
) -> None:
    script = Script(
        rules=[
            Rule(
                when='<data from="calculator">17.5% of 2480 = 434; 434 + 36 = 470',
                reply="Dear customer, your invoice total is 470. Thank you!",
            )
        ],
        default="",
    )
    writer_settings = AssistantSettings(
        nats_url=settings.nats_url,
        subject_root=settings.subject_root,
        assistant_persona=PERSONAS / "writer.json",
    )
    persona = Persona.load(writer_settings.assistant_persona)
    with scripted_llm(script) as url:
        llm = Llm(LlmSettings(openai_base_url=url))
        try:
            async with (
                Calculator(calculator_card(), calculator_settings(settings)),
                Assistant(persona, writer_settings, llm),
            ):
                group = await create_group(coordinator, ["calculator", "writer"])
                await assign(coordinator, group, "t1", "calculator", "Compute 17.5% of 2,480 + 36")
                await outcome_of(coordinator, group, "t1")
                await assign(coordinator, group, "t2", "writer", "Write the customer a note.")
                note = await outcome_of(coordinator, group, "t2")
        finally:
            await llm.close()

    assert note.sender == "writer"
    assert note.body == TaskResult(
        task_id="t2", text="Dear customer, your invoice total is 470. Thank you!"
    )
    prompt = script.requests[-1]["messages"]
    assert prompt[0]["content"].startswith("You are the writer")
    assert "Messages so far in the group:" in prompt[1]["content"]
    assert prompt[1]["content"].endswith("Your task:\nWrite the customer a note.")
