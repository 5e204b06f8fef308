"""The docs agent: answers a question from a folder of documents, citing its passages."""

from typing import Any

from protocol.agent import Agent
from protocol.envelope import Envelope
from protocol.kinds import (
    AgentCard,
    ChatMessage,
    DataPart,
    TaskAssign,
    TaskFailed,
    TaskProgress,
    TaskResult,
    TextPart,
)
from protocol.llm import Llm
from services.agents.docs.answer import Answer, phrase
from services.agents.docs.retrieval import Library
from services.agents.docs.settings import DocsSettings


class NothingRelevant(LookupError):
    """No passage of the documents is relevant to the question."""


class DocsAgent(Agent):
    """Retrieval first; the LLM (if any) only phrases what the passages say.

    The caller owns ``library`` (and its embedder) and ``llm``.
    """

    def __init__(
        self,
        card: AgentCard,
        settings: DocsSettings,
        library: Library,
        llm: Llm | None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("lease_seconds", settings.agent_lease_seconds)
        super().__init__(card, settings, **kwargs)
        self.library = library
        self.llm = llm
        self.passages = settings.docs_passages
        self.max_tokens = settings.docs_max_tokens

    async def ask(self, question: str) -> Answer:
        await self.library.refresh()
        hits = await self.library.search(question, limit=self.passages)
        if not hits:
            raise NothingRelevant(
                f"{self.id}: nothing in {self.library.folder.name}/ is relevant to this "
                "question; I will not guess"
            )
        return await phrase(self.llm, question, hits, self.max_tokens)

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed:
        task = env.body
        given = task.inputs.get("question")
        question = given if isinstance(given, str) and given.strip() else task.description
        if self.library.stale() and env.group is not None:
            # Indexing (and embedding) a folder can take a while: say so.
            note = TaskProgress(task_id=task.task_id, text="indexing the documents", percent=10)
            await self.post(env.group, note, conversation=env.conversation, in_reply_to=env.id)
        try:
            answer = await self.ask(question)
        except NothingRelevant as exc:
            return TaskFailed(task_id=task.task_id, reason=str(exc))
        data = answer.data()
        return TaskResult(
            task_id=task.task_id,
            text=answer.text,
            data=data,
            parts=[TextPart(text=answer.text), DataPart(data=data)],
        )

    async def on_turn(self, env: Envelope[ChatMessage]) -> ChatMessage | None:
        try:
            answer = await self.ask(env.body.text)
        except NothingRelevant as exc:
            return ChatMessage(text=str(exc))
        data = answer.data()
        return ChatMessage(text=answer.text, parts=[DataPart(data=data)])
