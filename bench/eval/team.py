"""Ask the network: post a goal to the gateway (``POST /v1/conversations``) and read
the conversation (``GET /v1/conversations/{id}``) until it is terminal."""

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from protocol.kinds import TERMINAL_STATES

POLL_SECONDS = 1.0


@dataclass(slots=True)
class TeamAnswer:
    conversation: str
    state: str
    seconds: float
    members: list[str] = field(default_factory=list)
    conclusion: str | None = None
    reason: str | None = None
    tokens: int = 0

    @property
    def terminal_with_reason(self) -> bool:
        """Ended, and says how: a conclusion, or a reason for failing."""
        if self.state == "concluded":
            return bool((self.conclusion or "").strip())
        return self.state in TERMINAL_STATES and bool((self.reason or "").strip())

    @property
    def text(self) -> str | None:
        """What is judged: only a concluded conversation's conclusion; a failed one is
        unanswered whatever it wrote."""
        return self.conclusion if self.state == "concluded" else None


async def ask_team(client: httpx.AsyncClient, goal: str, timeout: float) -> TeamAnswer:
    """The conversation for ``goal`` once terminal, or as it stood after ``timeout`` s."""
    began = time.monotonic()
    try:
        return await _converse(client, goal, timeout, began)
    except httpx.HTTPError as exc:
        reason = f"the gateway could not be reached ({exc!r}); see the run's gateway.log"
        return TeamAnswer("", "error", time.monotonic() - began, reason=reason)


async def _converse(
    client: httpx.AsyncClient, goal: str, timeout: float, began: float
) -> TeamAnswer:
    started = await client.post("/v1/conversations", json={"goal": goal})
    if started.status_code >= 300:
        return TeamAnswer(
            "", "refused", time.monotonic() - began,
            reason=f"the gateway answered {started.status_code}: {started.text[:300]}",
        )  # fmt: skip
    conversation = started.json()["conversation"]
    state: dict[str, Any] = started.json()
    while state.get("state") not in TERMINAL_STATES and time.monotonic() - began < timeout:
        await asyncio.sleep(POLL_SECONDS)
        got = await client.get(f"/v1/conversations/{conversation}")
        if got.status_code == 200:
            state = got.json()
    answer = TeamAnswer(
        conversation,
        state.get("state", "unknown"),
        time.monotonic() - began,
        members=[m["agent"] for m in state.get("members", [])],
        conclusion=state.get("conclusion"),
        reason=state.get("reason"),
        tokens=state.get("tokens", 0),
    )
    if answer.state not in TERMINAL_STATES:
        answer.reason = f"still {answer.state} after {timeout:g} s (the evaluation stopped waiting)"
    return answer
