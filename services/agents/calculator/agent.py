"""The calculator agent: answers tasks and discussion turns that contain arithmetic."""

from typing import Any

from protocol.agent import Agent
from protocol.envelope import Envelope
from protocol.kinds import AgentCard, ChatMessage, DataPart, TaskAssign, TaskFailed, TaskResult
from services.agents.calculator.arithmetic import CalculationError
from services.agents.calculator.settings import CalculatorSettings
from services.agents.calculator.solver import NotArithmetic, Solution, solve


class Calculator(Agent):
    """Computes the arithmetic in a task exactly; fails with a reason when there is none."""

    def __init__(self, card: AgentCard, settings: CalculatorSettings, **kwargs: Any) -> None:
        kwargs.setdefault("lease_seconds", settings.agent_lease_seconds)
        super().__init__(card, settings, **kwargs)
        self.limits = settings.limits

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed:
        task = env.body
        # A coordinator may hand over the expression itself; otherwise read the words.
        given = task.inputs.get("expression")
        text = given if isinstance(given, str) and given.strip() else task.description
        try:
            solution = solve(text, self.limits)
        except CalculationError as exc:
            self.log.info("task has no computable arithmetic", task=task.task_id, why=str(exc))
            return TaskFailed(task_id=task.task_id, reason=f"calculator: {exc}")
        self.log.info(
            "task computed",
            task=task.task_id,
            value=solution.data.get("value"),
            answer=solution.answer,
        )
        return TaskResult(task_id=task.task_id, text=solution.text, data=_data(solution))

    async def on_turn(self, env: Envelope[ChatMessage]) -> str | ChatMessage | None:
        try:
            solution = solve(env.body.text, self.limits)
        except NotArithmetic:
            return None
        except CalculationError as exc:
            return f"I cannot compute that: {exc}"
        # The answer as data too: a reader (the coordinator) takes it as a tool's answer.
        return ChatMessage(text=solution.text, parts=[DataPart(data=_data(solution))])


def _data(solution: Solution) -> dict[str, Any]:
    """The result's data, always with ``answer``: what a reader takes as the tool's answer."""
    return {**solution.data, "answer": solution.answer}
