"""Talk to a remote A2A agent: send a message, follow the task, map its states to ours.

A2A state → what the bridge does:

- ``working`` / ``submitted`` → :class:`Progress` (a ``task_progress`` note);
- ``completed`` → :class:`Done` with the artifacts' text and data;
- ``failed`` / ``rejected`` / ``canceled`` / ``auth-required`` → :class:`Failed`;
- ``input-required`` → :class:`NeedsInput` with the remote agent's question;
- a plain ``Message`` answer (no task) → :class:`Done`.

Streaming is used when the remote card says it streams; otherwise one
``SendMessage`` returns the final task.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import httpx
from a2a.client import A2ACardResolver, Client, ClientConfig, ClientFactory
from a2a.types import AgentCard, Message, Part, Role, SendMessageRequest, TaskState
from google.protobuf.json_format import MessageToDict


@dataclass(slots=True)
class Progress:
    text: str


@dataclass(slots=True)
class Done:
    text: str
    data: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Failed:
    reason: str


@dataclass(slots=True)
class NeedsInput:
    question: str
    task_id: str
    context_id: str


Event = Progress | Done | Failed | NeedsInput

_FAILED = {
    TaskState.TASK_STATE_FAILED: "failed",
    TaskState.TASK_STATE_REJECTED: "rejected the task",
    TaskState.TASK_STATE_CANCELED: "cancelled the task",
    TaskState.TASK_STATE_AUTH_REQUIRED: "needs authorisation the bridge cannot give",
}


def text_of(parts: Any) -> str:
    return "\n".join(p.text for p in parts if p.HasField("text"))


def data_of(parts: Any) -> list[dict[str, Any]]:
    out = []
    for p in parts:
        if p.HasField("data"):
            value = MessageToDict(p.data)
            out.append(value if isinstance(value, dict) else {"value": value})
        elif p.HasField("url"):
            out.append({"file": {"url": p.url, "name": p.filename, "media_type": p.media_type}})
    return out


class A2ARelay:
    """One remote A2A agent: its card and a client; an async context manager."""

    def __init__(self, url: str, timeout: float = 120.0) -> None:
        self.url = url
        self.timeout = timeout
        self.card: AgentCard | None = None
        self._http = httpx.AsyncClient(timeout=timeout)
        self._client: Client | None = None

    async def __aenter__(self) -> "A2ARelay":
        try:
            self.card = await A2ACardResolver(self._http, self.url).get_agent_card()
            streaming = bool(self.card.capabilities.streaming)
            config = ClientConfig(httpx_client=self._http, streaming=streaming)
            self._client = ClientFactory(config).create(self.card)
        except BaseException:
            await self._http.aclose()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.close()
        await self._http.aclose()

    @property
    def streaming(self) -> bool:
        return bool(self.card and self.card.capabilities.streaming)

    async def send(
        self,
        text: str,
        *,
        data: dict[str, Any] | None = None,
        context_id: str | None = None,
        task_id: str | None = None,
    ) -> AsyncIterator[Event]:
        """Send one message (continuing a task when ``task_id`` is given); yield our events."""
        assert self._client is not None, "use A2ARelay as an async context manager"
        parts = [Part(text=text)]
        if data:
            from google.protobuf.struct_pb2 import Value

            value = Value()
            value.struct_value.update(data)
            parts.append(Part(data=value))
        message = Message(
            message_id=str(uuid4()),
            role=Role.ROLE_USER,
            parts=parts,
            context_id=context_id or "",
            task_id=task_id or "",
        )
        texts: list[str] = []
        datas: list[dict[str, Any]] = []
        async for response in self._client.send_message(SendMessageRequest(message=message)):
            kind = response.WhichOneof("payload")
            if kind == "message":
                yield Done(text_of(response.message.parts), data_of(response.message.parts))
                return
            if kind == "artifact_update":
                texts.append(text_of(response.artifact_update.artifact.parts))
                datas.extend(data_of(response.artifact_update.artifact.parts))
                continue
            if kind == "task":
                task = response.task
                status, ids = task.status, (task.id, task.context_id)
                if task.artifacts and not texts:
                    for artifact in task.artifacts:
                        texts.append(text_of(artifact.parts))
                        datas.extend(data_of(artifact.parts))
            elif kind == "status_update":
                update = response.status_update
                status, ids = update.status, (update.task_id, update.context_id)
            else:
                continue
            said = text_of(status.message.parts) if status.HasField("message") else ""
            state = status.state
            if state in (TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING):
                if said:
                    yield Progress(said)
            elif state == TaskState.TASK_STATE_COMPLETED:
                answer = "\n".join(t for t in texts if t) or said
                yield Done(answer, datas)
                return
            elif state == TaskState.TASK_STATE_INPUT_REQUIRED:
                yield NeedsInput(said or "The remote agent needs more input.", *ids)
                return
            elif state in _FAILED:
                name = self.card.name if self.card else "the remote agent"
                yield Failed(f"{name} {_FAILED[state]}" + (f": {said}" if said else ""))
                return
        yield Failed("the remote agent ended the exchange without a final state")
