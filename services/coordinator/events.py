"""What agents tell the coordinator, written into the conversation's record.

Each function edits a record in place and returns True when it changed it;
the caller stores it (compare-and-set) and wakes the conversation's driver.
Applying the same message twice changes nothing the second time.
"""

import json
from datetime import datetime
from typing import Any

from protocol.envelope import Envelope
from protocol.errors import Conflict, RateLimited, TooLarge
from protocol.kinds import (
    ChatMessage,
    Conclusion,
    DataPart,
    TaskFailed,
    TaskProgress,
    TaskResult,
    TeamAccept,
    TokenUsage,
)
from protocol.llm import Usage
from services.coordinator.grounding import answer_of
from services.coordinator.state import Line, Record, Said, clip, now


def answer_invite(rec: Record, env: Envelope[Any]) -> bool:
    """An accept or decline from an invitee whose invitation is still open."""
    invite = next((i for i in rec.invites if i.agent == env.sender), None)
    if invite is None or invite.status != "pending" or rec.state != "forming":
        return False
    invite.status = "accepted" if isinstance(env.body, TeamAccept) else "declined"
    return True


def group_message(rec: Record, env: Envelope[Any]) -> bool:
    """A message of the conversation's group, as the coordinator received it."""
    body = env.body
    changed = False
    if isinstance(body, TaskResult | TaskFailed):
        task = rec.task(body.task_id)
        if task is not None and task.open and env.sender == task.assignee:
            if isinstance(body, TaskResult):
                task.outcome, task.result = "done", clip(body.text, RESULT_LIMIT)
                if body.data is not None and len(json.dumps(body.data)) <= DATA_LIMIT:
                    task.data = body.data
            else:
                task.outcome, task.result = "failed", clip(body.reason, RESULT_LIMIT)
            changed = True
    if isinstance(body, TaskProgress):
        task = rec.task(body.task_id)
        if task is not None and task.open and env.sender == task.assignee:
            task.progress_at = now()  # alive, whatever an offline report said
            changed = True
    answers_the_move = False
    if isinstance(body, ChatMessage) and rec.current is not None:
        move = rec.current
        if env.sender in move.speakers and env.sender not in move.answered:
            move.answered.append(env.sender)
            changed = answers_the_move = True
    text = _text_of(body)
    if text is not None and env.sender != "coordinator":
        new = rec.heard(
            Line(
                id=env.id,
                sender=env.sender,
                type=env.type,
                text=text[:2000],
                next_speakers=list(getattr(body, "next_speakers", [])),
                answer=_answer_in(body),
            )
        )
        member = env.sender in rec.member_ids()
        # A member's own LLM tokens count against the budget, once per message.
        reported: TokenUsage | None = getattr(body, "usage", None)
        if new and reported is not None and member:
            rec.spend(Usage(reported.prompt_tokens, reported.completion_tokens))
        if (
            new
            and member
            and isinstance(body, ChatMessage)
            and not answers_the_move
            and rec.policy == "autonomous"
        ):
            # Members who pass the word on may speak before the coordinator has watched
            # for them: a turn all the same, so the turn budget still ends the talk.
            rec.turns += 1
        changed = changed or new
    return changed


RESULT_LIMIT = 20_000
"""Characters of a task result kept: the record, its public state and the next tasks'
inputs all carry it, and each must stay within its message limit."""
DATA_LIMIT = 4_000
"""Characters of a result's structured data (as JSON) kept; larger data is dropped."""


MAX_SAID = 10
"""Messages that may wait for a conversation's group (each is kept in its record)."""
MAX_SAID_CHARS = 20_000


def said_early(rec: Record, env: Envelope[ChatMessage]) -> bool:
    """A message for the conversation sent through the coordinator, because its group
    may not exist yet: kept until the driver posts it to the group."""
    if rec.finished:
        raise Conflict(
            f"conversation {rec.id} is {rec.state}; continue it with a follow-up goal",
            in_reply_to=env.id,
        )
    if any(said.source == env.id for said in rec.said):
        return False  # a retry
    if len(env.body.text) > MAX_SAID_CHARS:
        raise TooLarge(
            f"a message sent before the team has formed may have at most "
            f"{MAX_SAID_CHARS:,} characters",
            in_reply_to=env.id,
        )
    if len(rec.said) >= MAX_SAID:
        raise RateLimited(
            f"{MAX_SAID} messages already wait for the team of conversation {rec.id} to "
            "form; send more once it has",
            in_reply_to=env.id,
        )
    speakers = list(env.body.next_speakers)
    rec.said.append(
        Said(
            id=rec.next_id("u"),
            source=env.id,
            sender=env.sender,
            text=env.body.text,
            next_speakers=speakers,
        )
    )
    # The moderator sees it at once, in the sender's name.
    rec.heard(
        Line(
            id=env.id,
            sender=env.sender,
            type=env.type,
            text=env.body.text[:2000],
            next_speakers=speakers,
        )
    )
    return True


def agent_offline(rec: Record, agent: str, reported: datetime) -> bool:
    """``agent`` was reported offline at ``reported``: its open tasks are suspect (the
    driver asks before it hands them on, see ``presence``)."""
    changed = False
    for task in rec.tasks:
        if task.open and task.assignee == agent and not task.assignee_offline:
            task.assignee_offline, task.offline_at = True, reported
            changed = True
    return changed


def _answer_in(body: Any) -> str | None:
    """The answer a tool attached to a chat message as data, if it did."""
    for part in getattr(body, "parts", []) if isinstance(body, ChatMessage) else []:
        if isinstance(part, DataPart) and (answer := answer_of(part.data)):
            return answer[:500]
    return None


def _text_of(body: Any) -> str | None:
    if isinstance(body, ChatMessage | TaskResult | TaskProgress | Conclusion):
        return body.text
    if isinstance(body, TaskFailed):
        return f"failed: {body.reason}"
    return None
