"""Conversations as A2A tasks: one conversation is one task and is its own context
(``taskId`` = ``contextId`` = the conversation id).

States: ``forming``, ``discussing``, ``executing``, ``paused``, ``concluding`` → working;
``concluded`` → completed, with the conclusion as the artifact ``conclusion`` and as the
status message; ``failed`` → failed and ``cancelled`` → canceled, the reason as the status
message. The history is the group chat: the users' posts with role user, everyone else's
with role agent, each with its sender, kind and log seq in the message's metadata.
"""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from a2a.types import (
    Artifact,
    Message,
    Part,
    Role,
    Task,
    TaskArtifactUpdateEvent,
    TaskState,
    TaskStatus,
    TaskStatusUpdateEvent,
)

from protocol.ids import is_person
from protocol.kinds import ConversationState
from protocol.kinds.conversation import ConversationStatus

STATES: dict[ConversationStatus, TaskState] = {
    "forming": TaskState.TASK_STATE_WORKING,
    "discussing": TaskState.TASK_STATE_WORKING,
    "executing": TaskState.TASK_STATE_WORKING,
    "paused": TaskState.TASK_STATE_WORKING,
    "concluding": TaskState.TASK_STATE_WORKING,
    "concluded": TaskState.TASK_STATE_COMPLETED,
    "failed": TaskState.TASK_STATE_FAILED,
    "cancelled": TaskState.TASK_STATE_CANCELED,
}

CONCLUSION = "conclusion"

# The field that carries a group message's words, by message kind; other kinds (invites,
# joins, a pause without a reason) say nothing an A2A client could read.
_TEXT_OF: dict[str, str] = {
    "chat_message": "text",
    "task_assign": "description",
    "task_progress": "text",
    "task_result": "text",
    "task_failed": "reason",
    "task_cancelled": "reason",
    "pause": "reason",
    "conclude": "reason",
    "conclusion": "text",
}


def conversation_states(state: TaskState) -> list[ConversationStatus]:
    """Our states that show as ``state`` (none for states we never reach)."""
    return [ours for ours, theirs in STATES.items() if theirs == state]


def _text_message(conversation: str, text: str) -> Message:
    return Message(
        message_id=uuid4().hex,
        context_id=conversation,
        task_id=conversation,
        role=Role.ROLE_AGENT,
        parts=[Part(text=text)],
    )


def status_of(state: ConversationState) -> TaskStatus:
    """The task's status: the conclusion, the reason it ended, or what the team is at."""
    if state.state == "concluded":
        said = state.conclusion or ""
    elif state.state in ("failed", "cancelled"):
        said = state.reason or state.state
    else:
        team = ", ".join(m.agent for m in state.members)
        said = f"{state.state} (team: {team})" if team else state.state
    status = TaskStatus(state=STATES[state.state], message=_text_message(state.conversation, said))
    status.timestamp.FromDatetime(state.updated_at)
    return status


def conclusion_artifact(state: ConversationState) -> Artifact:
    return Artifact(
        artifact_id=f"{state.conversation}-{CONCLUSION}",
        name=CONCLUSION,
        description="The team's conclusion",
        parts=[Part(text=state.conclusion or "")],
    )


def _about(state: ConversationState) -> dict[str, Any]:
    """Our view of the conversation, for clients that want more than the A2A state."""
    return {
        "ioa": {
            "state": state.state,
            "goal": state.goal,
            "members": [m.agent for m in state.members],
            "turns": state.turns,
            "tokens": state.tokens,
            "trace_id": state.trace_id,
        }
    }


def task_of(state: ConversationState, history: list[Message] | None = None) -> Task:
    task = Task(
        id=state.conversation,
        context_id=state.conversation,
        status=status_of(state),
        history=history or [],
    )
    if state.state == "concluded":
        task.artifacts.append(conclusion_artifact(state))
    task.metadata.update(_about(state))
    return task


def status_update(state: ConversationState) -> TaskStatusUpdateEvent:
    """A change of the conversation's state, as a streamed event."""
    event = TaskStatusUpdateEvent(
        task_id=state.conversation, context_id=state.conversation, status=status_of(state)
    )
    event.metadata.update({"ioa": {"state": state.state}})
    return event


def artifact_update(state: ConversationState) -> TaskArtifactUpdateEvent:
    """The conclusion, streamed before the completed status."""
    return TaskArtifactUpdateEvent(
        task_id=state.conversation,
        context_id=state.conversation,
        artifact=conclusion_artifact(state),
        last_chunk=True,
    )


def message_of(conversation: str, seq: int, envelope: dict[str, Any]) -> Message | None:
    """A logged group message as an A2A message, or None when it has no words."""
    kind = envelope.get("type")
    body = envelope.get("body")
    field = _TEXT_OF.get(kind) if isinstance(kind, str) else None
    if field is None or not isinstance(body, dict):
        return None
    text = body.get(field)
    if not isinstance(text, str) or not text.strip():
        return None
    sender = str(envelope.get("sender", ""))
    message = Message(
        message_id=str(envelope.get("id") or f"{conversation}-{seq}"),
        context_id=conversation,
        task_id=conversation,
        role=Role.ROLE_USER if is_person(sender) else Role.ROLE_AGENT,
        parts=[Part(text=text)],
    )
    about: dict[str, Any] = {"sender": sender, "kind": kind, "seq": seq}
    if isinstance(body.get("assignee"), str):
        about["assignee"] = body["assignee"]
    message.metadata.update(about)
    return message


def said_update(conversation: str, message: Message) -> TaskStatusUpdateEvent:
    """Someone spoke in the group chat: the task is working, and this is what was said."""
    status = TaskStatus(state=TaskState.TASK_STATE_WORKING, message=message)
    status.timestamp.FromDatetime(datetime.now(UTC))
    return TaskStatusUpdateEvent(task_id=conversation, context_id=conversation, status=status)
