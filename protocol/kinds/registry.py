"""Messages to and from the registry: cards, leases and search."""

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from protocol.ids import Id
from protocol.kinds.base import Body, Label
from protocol.kinds.cards import AgentCard


class Register(Body):
    """Register (or update) the sender's card; the card's id must be the sender."""

    KIND: ClassVar[str] = "register"

    card: AgentCard
    lease_seconds: float = Field(default=15.0, gt=0, le=3600)


class Update(Body):
    """Replace the sender's card (it must be registered already); the lease is kept."""

    KIND: ClassVar[str] = "update"

    card: AgentCard


class Heartbeat(Body):
    """Renew the sender's lease."""

    KIND: ClassVar[str] = "heartbeat"


class Deregister(Body):
    KIND: ClassVar[str] = "deregister"


class Lease(Body):
    """The registry's answer to register, update and heartbeat."""

    KIND: ClassVar[str] = "lease"

    agent: Id
    lease_seconds: float
    expires_at: datetime


class Search(Body):
    """Find agents for a free-text need; an empty query lists agents."""

    KIND: ClassVar[str] = "search"

    query: str = Field(default="", max_length=2000)
    skills: list[Label] = Field(default_factory=list, max_length=32)
    tags: list[Label] = Field(default_factory=list, max_length=32)
    online_only: bool = True
    limit: int = Field(default=10, ge=1, le=500)
    protocol_version: str | None = Field(
        default=None,
        max_length=64,
        description="Only agents whose card lists this protocol version (e.g. 'ioa/1').",
    )


class GetAgent(Body):
    KIND: ClassVar[str] = "get_agent"

    agent: Id


class AgentInfo(Body):
    """A card with what the registry knows of its agent."""

    KIND: ClassVar[str] = "agent_info"

    card: AgentCard
    online: bool
    last_seen: datetime | None = None


class SearchHit(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    card: AgentCard
    online: bool
    score: float
    lexical_score: float | None = Field(
        default=None, description="The full-text (BM25) score, when the lexical ranking found it."
    )
    semantic_score: float | None = Field(
        default=None, description="The embedding cosine similarity, when semantic ranking ran."
    )


class SearchResults(Body):
    KIND: ClassVar[str] = "search_results"

    hits: list[SearchHit]


class AgentStatus(Body):
    """Event: an agent came online or went offline."""

    KIND: ClassVar[str] = "agent_status"

    agent: Id
    online: bool
    reason: str = Field(default="", max_length=2000)
