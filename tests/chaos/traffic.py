"""The user's side of a fault round, through the gateway's HTTP API: start conversations,
say things in their groups, wait for them to end. Every post the gateway answered with a
sequence number is written down: those are the messages that must not be lost.

While a fault lasts, calls fail (connection refused, 503, 504, 429); a call that did not
get its answer is tried again later, and a post tried again is a new message, since the
gateway gives each post its own id.
"""

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx

from protocol.kinds import TERMINAL_STATES
from tests.chaos.stack import MEMBERS

RETRY_SECONDS = 0.5


@dataclass(slots=True, frozen=True)
class Acked:
    """A post answered with its place in the group log."""

    id: str
    group: str
    seq: int
    sender: str
    asks: tuple[str, ...] = ()
    """The members it names as next speakers: each owes it one answer."""


class Unanswered(Exception):
    """The gateway did not answer (yet): the fault is still on."""


@dataclass
class User:
    """``user:local``, the run's own user, with its API key."""

    http: httpx.AsyncClient
    acked: list[Acked] = field(default_factory=list)
    refused: int = 0
    """Calls that got no answer or an error while a fault lasted."""

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise Unanswered(f"{method} {path}: {exc!r}") from exc
        if response.status_code in (429, 502, 503, 504):
            raise Unanswered(f"{method} {path}: {response.status_code} {response.text[:200]}")
        assert response.status_code < 300, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        return response.json()

    async def until_answered(self, method: str, path: str, seconds: float, **kwargs: Any) -> Any:
        deadline = asyncio.get_running_loop().time() + seconds
        while True:
            try:
                return await self.call(method, path, **kwargs)
            except Unanswered:
                self.refused += 1
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(RETRY_SECONDS)

    async def start(self, goal: str) -> str:
        body = {"goal": goal, "required": list(MEMBERS), "min_team": 2, "max_team": 2}
        state = await self.until_answered("POST", "/v1/conversations", 30, json=body)
        return str(state["id"])

    async def states(self) -> dict[str, dict[str, Any]]:
        """Every conversation of this user, by id (one call: the gateway limits the rate)."""
        page = await self.call("GET", "/v1/conversations", params={"limit": 500})
        return {c["id"]: c for c in page["conversations"]}

    async def say(
        self, conversation: str, group: str, text: str, asks: tuple[str, ...], seconds: float
    ) -> None:
        """Post until the gateway answers with a sequence number (each try a new message)."""
        body = {"text": text, "next_speakers": list(asks)}
        path = f"/v1/conversations/{conversation}/messages"
        posted = await self.until_answered("POST", path, seconds, json=body)
        self.acked.append(Acked(posted["id"], group, int(posted["seq"]), "user:local", asks))

    async def wait(
        self, conversations: list[str], done: Any, seconds: float
    ) -> dict[str, dict[str, Any]]:
        """Poll until ``done(state)`` holds for every one of ``conversations``; their states."""
        deadline = asyncio.get_running_loop().time() + seconds
        states: dict[str, dict[str, Any]] = {}
        while True:
            try:
                states = await self.states()
            except Unanswered:
                self.refused += 1
            else:
                if all(c in states and done(states[c]) for c in conversations):
                    return {c: states[c] for c in conversations}
            if asyncio.get_running_loop().time() > deadline:
                stuck = {c: states.get(c, {}).get("state") for c in conversations}
                raise AssertionError(f"conversations still not there after {seconds:g}s: {stuck}")
            await asyncio.sleep(1.0)


def ended(state: dict[str, Any]) -> bool:
    return state.get("state") in TERMINAL_STATES


def has_group(state: dict[str, Any]) -> bool:
    return state.get("group") is not None or ended(state)
