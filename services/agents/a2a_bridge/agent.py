"""The A2A bridge: a remote A2A agent as a member of our groups.

A task or a discussion turn becomes an A2A ``SendMessage``; the remote task's
states come back as ours. When the remote agent needs input, its question
goes to the group as a chat message, and the next message in that group that
names or mentions the bridge is sent on as the answer; the original task then
ends with the remote task's outcome.
"""

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
from services.agents.a2a_bridge.relay import A2ARelay, Done, Failed, NeedsInput, Progress
from services.agents.a2a_bridge.waiting import Waiting, WaitingStore


class A2ABridge(Agent):
    """Relays to one remote A2A agent; the caller owns ``relay``."""

    def __init__(self, card: AgentCard, settings: Any, relay: A2ARelay, **kwargs: Any) -> None:
        kwargs.setdefault("lease_seconds", settings.agent_lease_seconds)
        super().__init__(card, settings, **kwargs)
        self.relay = relay
        self.timeout = settings.a2a_timeout
        self._contexts: dict[str, str] = {}
        self._waiting = WaitingStore(self.conn, self.id)

    async def _exchange(
        self,
        env: Envelope[Any],
        text: str,
        data: dict[str, Any] | None,
        task_id: str | None,
        continuing: Waiting | None = None,
    ) -> Done | Failed | NeedsInput:
        """One remote exchange; progress notes go to the group when there is a task."""
        group = env.group or ""
        context = continuing.remote_context if continuing else self._contexts.get(group)
        remote_task = continuing.remote_task if continuing else None
        try:
            async with asyncio.timeout(self.timeout):
                async for event in self.relay.send(
                    text, data=data, context_id=context, task_id=remote_task
                ):
                    if isinstance(event, Progress):
                        if task_id and env.group:
                            note = TaskProgress(task_id=task_id, text=event.text[:20_000])
                            await self.post(env.group, note, conversation=env.conversation)
                        continue
                    if isinstance(event, NeedsInput):
                        self._contexts[group] = event.context_id
                    return event
        except TimeoutError:
            return Failed(f"{self.card.name} did not answer within {self.timeout:g} s")
        except Exception as exc:  # the remote end: HTTP, JSON-RPC and protocol errors
            self.log.warning("a2a exchange failed", error=str(exc))
            return Failed(f"{self.card.name} could not be reached: {type(exc).__name__}: {exc}")
        return Failed(f"{self.card.name} gave no answer")

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        task = env.body
        outcome = await self._exchange(env, task.description, task.inputs or None, task.task_id)
        return await self._settle(env, outcome)

    async def _settle(
        self, assignment: Envelope[TaskAssign], outcome: Done | Failed | NeedsInput
    ) -> TaskResult | TaskFailed | None:
        task_id = assignment.body.task_id
        if isinstance(outcome, Done):
            return TaskResult(
                task_id=task_id,
                text=outcome.text or "(the remote agent answered without text)",
                data={"results": outcome.data} if outcome.data else None,
                parts=_parts(outcome),
            )
        if isinstance(outcome, Failed):
            return TaskFailed(task_id=task_id, reason=outcome.reason[:5000])
        await self._ask_group(assignment, outcome, assignment)
        return None  # the task ends when the group has answered the question

    async def _ask_group(
        self,
        env: Envelope[Any],
        question: NeedsInput,
        assignment: Envelope[TaskAssign] | None,
    ) -> None:
        assert env.group is not None
        waiting = Waiting(question.task_id, question.context_id, assignment)
        await self._waiting.put(env.group, waiting)
        await self.post(
            env.group,
            ChatMessage(text=question.question, mentions=[env.sender]),
            conversation=env.conversation,
            in_reply_to=env.id,
        )

    async def on_group_message(self, env: Envelope[Any]) -> None:
        # An answer to our question: a chat message that mentions us but did not already
        # get a turn (a turn is answered in on_turn).
        body = env.body
        if (
            isinstance(body, ChatMessage)
            and env.sender != self.id
            and env.group is not None
            and self.id in body.mentions
            and self.id not in body.next_speakers
            and (waiting := await self._waiting.get(env.group)) is not None
        ):
            await self._answer_waiting(env, waiting)

    async def on_turn(self, env: Envelope[ChatMessage]) -> str | ChatMessage | None:
        if env.group is not None and (waiting := await self._waiting.get(env.group)):
            await self._answer_waiting(env, waiting)
            return None
        outcome = await self._exchange(env, env.body.text, None, None)
        if isinstance(outcome, Done):
            return ChatMessage(text=outcome.text or "(no text)", parts=_parts(outcome))
        if isinstance(outcome, Failed):
            return f"({outcome.reason})"
        await self._ask_group(env, outcome, None)
        return None

    async def _answer_waiting(self, env: Envelope[ChatMessage], waiting: Waiting) -> None:
        """Send the group's answer on; the question stays stored until its outcome is out,
        so a crash in between sends the answer again after the restart."""
        assert env.group is not None
        task_id = waiting.assignment.body.task_id if waiting.assignment else None
        outcome = await self._exchange(env, env.body.text, None, task_id, continuing=waiting)
        if isinstance(outcome, NeedsInput):
            await self._ask_group(env, outcome, waiting.assignment)  # replaces the question
            return
        if waiting.assignment is None:
            text = outcome.text if isinstance(outcome, Done) else f"({outcome.reason})"
            await self.post(env.group, ChatMessage(text=text), conversation=env.conversation)
        else:
            final = await self._settle(waiting.assignment, outcome)
            assert final is not None  # settled: done or failed
            await self.answer(env, final, to=waiting.assignment)
        await self._waiting.drop(env.group)


def _parts(outcome: Done) -> list[Part]:
    parts: list[Part] = [TextPart(text=outcome.text[:200_000])] if outcome.text else []
    parts += [DataPart(data=d) for d in outcome.data[:99]]
    return parts
