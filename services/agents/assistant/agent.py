"""The assistant agent: an LLM with a persona, answering tasks and discussion turns."""

from typing import Any

from protocol.agent import Agent
from protocol.drafts import problems
from protocol.envelope import Envelope
from protocol.kinds import ChatMessage, TaskAssign, TaskFailed, TaskResult
from protocol.llm import Llm
from services.agents.assistant.notes import (
    Checked,
    checked_answers,
    not_a_note,
    note_data,
    plain_note,
    with_checked,
)
from services.agents.assistant.persona import Persona
from services.agents.assistant.prompt import build_messages
from services.agents.assistant.settings import AssistantSettings


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
        self.draft_attempts = settings.draft_attempts

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
        checked = checked_answers(task.inputs.get("checked"))
        try:
            if checked:
                return await self.write_note(task, checked)
            messages = self.messages_for(
                env.group, task.description, skip=env.id, label="Your task"
            )
            return TaskResult(task_id=task.task_id, text=await self.complete(messages))
        except LlmUnavailable as exc:
            self.log.warning("task failed: no LLM answer", task=task.task_id, why=str(exc))
            return TaskFailed(task_id=task.task_id, reason=f"{self.id}: {exc}")

    async def write_note(self, task: TaskAssign, checked: list[Checked]) -> TaskResult:
        """A note that states the answers it was handed: the model's first draft that
        passes the checks, else a plain note of the writer's own. The task and the answers
        are all it needs, so the group's history stays out of the prompt."""
        request = with_checked(task.description, checked)
        answers = [c.answer for c in checked]
        messages = build_messages(self.persona.system_prompt, [], request)
        why: list[str] = []
        for attempt in range(1, self.draft_attempts + 1):
            draft = await self.complete(messages)
            why = problems(draft, [request], answers) + not_a_note(draft, task.description)
            if not why:
                return TaskResult(
                    task_id=task.task_id, text=draft, data=note_data("model", attempt)
                )
            self.log.info("draft not sent", task=task.task_id, attempt=attempt, why=why)
            messages = [
                *messages,
                {"role": "assistant", "content": draft},
                {
                    "role": "user",
                    "content": f"That draft cannot be sent: {'; '.join(why)}. Write it again.",
                },
            ]
        return TaskResult(
            task_id=task.task_id,
            text=plain_note(task.description, checked),
            data=note_data("plain note", self.draft_attempts, why),
        )

    async def on_turn(self, env: Envelope[ChatMessage]) -> str | None:
        request = f"{env.sender}: {env.body.text}"
        messages = self.messages_for(env.group, request, skip=env.id, label="Your turn; answer")
        try:
            return await self.complete(messages)
        except LlmUnavailable as exc:
            # Say so plainly rather than stay silent and stall the discussion.
            self.log.warning("turn skipped: no LLM answer", why=str(exc))
            return f"({self.id} could not answer: {exc})"
