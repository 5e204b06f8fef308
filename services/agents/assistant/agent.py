"""The assistant agent: an LLM with a persona, answering tasks and discussion turns."""

from typing import Any

from protocol.agent import Agent
from protocol.envelope import Envelope
from protocol.kinds import ChatMessage, TaskAssign, TaskFailed, TaskResult
from protocol.llm import Llm
from services.agents.assistant.persona import Persona
from services.agents.assistant.prompt import build_messages
from services.agents.assistant.settings import AssistantSettings


def with_checked(description: str, checked: object) -> str:
    """The task with the answers the team's tools found (``inputs.checked``), which the
    note must keep exactly as they are."""
    answers = (
        [
            f"{c['answer']} (found by {c.get('agent', 'the team')})"
            for c in checked
            if isinstance(c, dict) and c.get("answer")
        ]
        if isinstance(checked, list)
        else []
    )
    if not answers:
        return description
    return f"{description}\n\nUse these results exactly as written: {'; '.join(answers)}."


class LlmUnavailable(Exception):
    """The LLM could not be reached or gave no answer; ``reason`` says which."""


class Assistant(Agent):
    """Answers with the LLM, in the voice of its persona; never invents an answer on failure.

    The caller owns ``llm`` and closes it.
    """

    def __init__(
        self, persona: Persona, settings: AssistantSettings, llm: Llm, **kwargs: Any
    ) -> None:
        kwargs.setdefault("lease_seconds", settings.agent_lease_seconds)
        super().__init__(persona.card(), settings, **kwargs)
        self.persona = persona
        self.llm = llm
        self.history_chars = settings.history_chars

    def messages_for(
        self, group: str | None, request: str, *, skip: str | None, label: str
    ) -> list[dict[str, str]]:
        """The prompt: persona, the group's recent history as data, then the request."""
        history = self.history(group) if group else []
        return build_messages(
            self.persona.system_prompt,
            history,
            request,
            skip=skip,
            max_chars=self.history_chars,
            label=label,
        )

    async def complete(self, messages: list[dict[str, str]]) -> str:
        """The LLM's answer, or :class:`LlmUnavailable` with the reason."""
        from openai import APIError

        try:
            completion = await self.llm.complete(
                messages,
                max_tokens=self.persona.max_tokens,
                temperature=self.persona.temperature,
            )
        except (APIError, TimeoutError, OSError) as exc:
            raise LlmUnavailable(
                f"the language model at {self.llm.settings.openai_base_url} is unavailable "
                f"({type(exc).__name__}: {exc})"
            ) from exc
        if not completion.text.strip():
            raise LlmUnavailable("the language model returned an empty answer")
        return completion.text.strip()

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed:
        task = env.body
        request = with_checked(task.description, task.inputs.get("checked"))
        messages = self.messages_for(env.group, request, skip=env.id, label="Your task")
        try:
            text = await self.complete(messages)
        except LlmUnavailable as exc:
            self.log.warning("task failed: no LLM answer", task=task.task_id, why=str(exc))
            return TaskFailed(task_id=task.task_id, reason=f"{self.id}: {exc}")
        return TaskResult(task_id=task.task_id, text=text)

    async def on_turn(self, env: Envelope[ChatMessage]) -> str | None:
        request = f"{env.sender}: {env.body.text}"
        messages = self.messages_for(env.group, request, skip=env.id, label="Your turn; answer")
        try:
            return await self.complete(messages)
        except LlmUnavailable as exc:
            # Say so plainly rather than stay silent and stall the discussion.
            self.log.warning("turn skipped: no LLM answer", why=str(exc))
            return f"({self.id} could not answer: {exc})"
