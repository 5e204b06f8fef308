"""The group chat as lines for a terminal: what ``ioa demo`` prints as it happens.

The gateway may hand out a message as an envelope, as a logged message
(``{"seq", "envelope"}``), or a conversation's state as a plain
``ConversationState`` body; :func:`normalize` turns each into envelopes.
"""

from typing import Any

from protocol.kinds import TERMINAL_STATES

STATE = "conversation_state"


def normalize(data: Any) -> list[dict[str, Any]]:
    """Envelope-shaped dicts (``type``, ``sender``, ``body``) found in ``data``."""
    if isinstance(data, list):
        return [env for item in data for env in normalize(item)]
    if not isinstance(data, dict):
        return []
    if isinstance(data.get("envelope"), dict):
        return normalize(data["envelope"])
    if isinstance(data.get("messages"), list):
        return normalize(data["messages"])
    if "type" in data and isinstance(data.get("body"), dict):
        return [data]
    if "state" in data and "conversation" in data:
        return [{"type": STATE, "sender": "coordinator", "body": data}]
    return []


def _short(text: Any, limit: int = 400) -> str:
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def describe(env: dict[str, Any]) -> str | None:
    """One line for a message, or None for kinds the chat view leaves out."""
    body = env.get("body") or {}
    sender = str(env.get("sender", "?"))
    kind = env.get("type")
    if kind == "chat_message":
        text = _short(body.get("text"))
    elif kind == "task_assign":
        text = f"→ {body.get('assignee')}: {_short(body.get('description'))}"
    elif kind in ("task_result", "conclusion"):
        text = _short(body.get("text"))
    elif kind == "task_failed":
        text = _short(body.get("reason"))
    elif kind == STATE:
        return describe_state(body)
    else:
        return None
    return f"  {sender:<12} {kind:<13} {text}"


def describe_state(state: dict[str, Any]) -> str:
    line = f"  · {state.get('state')}"
    members = [m.get("agent") for m in state.get("members") or [] if isinstance(m, dict)]
    if members and state.get("state") != "concluded":
        line += f" (team: {', '.join(str(m) for m in members)})"
    if state.get("reason"):
        line += f": {_short(state['reason'], 200)}"
    return line


class ChatPrinter:
    """Prints each message once and each state change once, in arrival order."""

    def __init__(self, write: Any = print) -> None:
        self.write = write
        self.seen: set[str] = set()
        self.state: dict[str, Any] | None = None

    def show(self, env: dict[str, Any]) -> None:
        if env.get("type") == STATE:
            body = env.get("body") or {}
            changed = self.state is None or body.get("state") != self.state.get("state")
            self.state = body
            if changed:
                self.write(describe_state(body))
            return
        key = str(env.get("id") or id(env))
        if key in self.seen:
            return
        self.seen.add(key)
        line = describe(env)
        if line:
            self.write(line)

    @property
    def finished(self) -> bool:
        return self.state is not None and self.state.get("state") in TERMINAL_STATES
