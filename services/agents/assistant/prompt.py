"""Prompts: the persona's system prompt, the group's recent history as data, then the ask."""

from typing import Any

from protocol.envelope import Envelope
from protocol.framing import DATA_RULE, as_data
from protocol.kinds import ChatMessage, Conclusion, TaskAssign, TaskFailed, TaskResult

HISTORY_HEADER = "Messages so far in the group:"


def describe(env: Envelope[Any]) -> str | None:
    """One message as a data element naming its sender, or ``None`` for kinds that carry
    no content."""
    body = env.body
    if isinstance(body, ChatMessage):
        text = body.text
    elif isinstance(body, TaskAssign):
        text = f"(task for {body.assignee}) {body.description}"
    elif isinstance(body, TaskResult):
        text = body.text
    elif isinstance(body, TaskFailed):
        text = f"(task failed) {body.reason}"
    elif isinstance(body, Conclusion):
        text = f"(conclusion) {body.text}"
    else:
        return None
    return as_data(env.sender, " ".join(text.split()))


def history_block(history: list[Envelope[Any]], *, skip: str | None, max_chars: int) -> str:
    """The newest messages that fit in ``max_chars``, oldest first; ``skip`` is left out."""
    lines: list[str] = []
    used = 0
    for env in reversed(history):
        if env.id == skip:
            continue
        line = describe(env)
        if line is None:
            continue
        if used + len(line) > max_chars:
            break
        lines.append(line)
        used += len(line) + 1
    if not lines:
        return ""
    return "\n".join([HISTORY_HEADER, *reversed(lines)])


def build_messages(
    system_prompt: str,
    history: list[Envelope[Any]],
    request: str,
    *,
    skip: str | None = None,
    max_chars: int = 6000,
    label: str = "Your task",
) -> list[dict[str, str]]:
    """The chat messages for one LLM call.

    The group's messages come first and are framed as data, so that text other
    members wrote is context for the answer and never an instruction to follow.
    """
    context = history_block(history, skip=skip, max_chars=max_chars)
    parts = [context, f"{label}:\n{request.strip()}"] if context else [request.strip()]
    return [
        {"role": "system", "content": f"{system_prompt}\n\n{DATA_RULE}"},
        {"role": "user", "content": "\n\n".join(parts)},
    ]
