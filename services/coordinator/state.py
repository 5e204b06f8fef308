"""Conversation records, kept in a JetStream KV bucket with compare-and-set updates."""

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from protocol.errors import NotFound
from protocol.kinds import TERMINAL_STATES, Budget, ConversationState, Member


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Conversation:
    """The coordinator's own record of one conversation."""

    id: str
    goal: str
    requester: str
    budget: Budget
    min_team: int
    max_team: int
    observers: list[str]
    state: str = "forming"
    group: str | None = None
    members: list[Member] = field(default_factory=list)
    conclusion: str | None = None
    reason: str | None = None
    turns: int = 0
    trace_id: str | None = None
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    revision: int = 0

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL_STATES

    def public(self) -> ConversationState:
        return ConversationState(
            conversation=self.id,
            goal=self.goal,
            state=self.state,  # type: ignore[arg-type]
            group=self.group,
            members=self.members,
            conclusion=self.conclusion,
            reason=self.reason,
            turns=self.turns,
            trace_id=self.trace_id,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )

    def to_json(self) -> bytes:
        data = asdict(self)
        data.pop("revision")
        data["budget"] = self.budget.model_dump()
        data["members"] = [m.model_dump() for m in self.members]
        data["created_at"] = self.created_at.isoformat()
        data["updated_at"] = self.updated_at.isoformat()
        return json.dumps(data).encode()

    @classmethod
    def from_json(cls, raw: bytes, revision: int) -> "Conversation":
        data: dict[str, Any] = json.loads(raw)
        data["budget"] = Budget.model_validate(data["budget"])
        data["members"] = [Member.model_validate(m) for m in data["members"]]
        data["created_at"] = datetime.fromisoformat(data["created_at"])
        data["updated_at"] = datetime.fromisoformat(data["updated_at"])
        return cls(**data, revision=revision)


class ConversationStore:
    """Conversations by id. Writes are compare-and-set on the KV revision, so two
    coordinator replicas can never overwrite each other's changes unseen."""

    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def create(self, conv: Conversation) -> None:
        conv.revision = await self._kv.create(conv.id, conv.to_json())

    async def save(self, conv: Conversation) -> None:
        conv.updated_at = now()
        conv.revision = await self._kv.update(conv.id, conv.to_json(), last=conv.revision)

    async def get(self, conversation: str) -> Conversation:
        try:
            entry = await self._kv.get(conversation)
        except KeyNotFoundError:
            raise NotFound(f"no conversation {conversation!r}") from None
        assert entry.value is not None
        return Conversation.from_json(entry.value, entry.revision or 0)

    async def unfinished(self) -> list[Conversation]:
        try:
            keys = await self._kv.keys()
        except Exception:  # nats-py raises NoKeysError for an empty bucket
            return []
        found = [await self.get(key) for key in keys]
        return [conv for conv in found if not conv.finished]
