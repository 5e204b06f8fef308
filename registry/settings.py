"""The registry's settings: its database, lease sweeping, limits and semantic search."""

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from protocol.settings import ServiceSettings
from registry.credentials import UserLimits

HEADER_ROOM = 16 * 1024
"""Room for a message's headers (trace context, message id) above its largest body."""


class RegistrySettings(ServiceSettings):
    """Environment: ``IOA_DATABASE_URL`` (or ``DATABASE_URL``), ``IOA_SWEEP_SECONDS``,
    ``IOA_EMBEDDINGS_*``, ``IOA_HEARTBEAT_*``, ``IOA_MAX_CARD_BYTES``, ``IOA_ADMISSION_*``,
    ``IOA_CREDENTIAL_*`` (what an agent's credentials allow and how long), plus every
    :class:`~protocol.settings.ServiceSettings` variable."""

    model_config = SettingsConfigDict(env_prefix="IOA_", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default="sqlite:///.ioa/registry.db",
        validation_alias=AliasChoices("IOA_DATABASE_URL", "DATABASE_URL"),
        description="A SQLAlchemy URL: SQLite by default, PostgreSQL (postgresql+psycopg://).",
    )
    sweep_seconds: float = Field(
        default=1.0, gt=0, le=3600, description="How often expired leases are looked for."
    )
    max_card_bytes: int = Field(
        default=64 * 1024, ge=1024, description="The largest card (as JSON) the registry keeps."
    )
    heartbeat_rate: float = Field(
        default=1.0, gt=0, description="Heartbeats per second one agent may send, sustained."
    )
    heartbeat_burst: float = Field(
        default=5.0, ge=1, description="Heartbeats one agent may send at once."
    )
    embeddings_url: str | None = Field(
        default=None,
        description="An OpenAI-compatible base URL (…/v1) for card embeddings; "
        "semantic search is on when set.",
    )
    embeddings_model: str = Field(default="text-embedding-3-small", max_length=200)
    embeddings_api_key: SecretStr | None = None
    embeddings_local: bool = Field(
        default=False,
        description="Use the bundled all-MiniLM-L6-v2 (the 'embeddings' extra) when no URL is set.",
    )
    semantic_min_similarity: float = Field(
        default=0.2,
        ge=-1,
        le=1,
        description="Semantic matches below this cosine similarity are not hits.",
    )
    admission_account: str | None = Field(
        default=None,
        description="The NATS account (public key) admitted agents belong to; with "
        "IOA_ADMISSION_SIGNING_KEY, the registry serves 'admit' and 'revoke'.",
    )
    admission_signing_key: Path | None = Field(
        default=None, description="A file holding the account's signing key seed (a secret)."
    )
    credential_seconds: float = Field(
        default=24 * 3600,
        ge=0,
        description="How long an agent's user JWT lasts (0: it never expires); the SDK asks "
        "for a fresh one ('renew') about two thirds of the way through.",
    )
    credential_max_subscriptions: int = Field(
        default=100, ge=-1, description="Subscriptions an agent's NATS user may hold (-1: any)."
    )
    credential_max_payload: int | None = Field(
        default=None,
        ge=-1,
        description="The largest message (headers included) an agent may publish (-1: any); "
        "by default IOA_MAX_MESSAGE_BYTES and 16 KiB for headers.",
    )
    credential_max_data: int = Field(
        default=-1, ge=-1, description="Bytes an agent's NATS user may have in flight (-1: any)."
    )
    stream_replicas: int = Field(
        default=1,
        ge=1,
        le=5,
        description="Replicas of the EVENTS stream it ensures (3 on a NATS cluster, as the "
        "chat service and coordinator use): it brings an existing stream to this number.",
    )
    admins: list[str] = Field(
        default=["admin", "gateway"],
        description="Who may admit and revoke agents (NATS permissions prove the sender).",
    )

    @property
    def credential_limits(self) -> UserLimits:
        """What every agent's user JWT carries: its lifetime and the server's limits."""
        return UserLimits(
            lifetime=self.credential_seconds or None,
            subscriptions=self.credential_max_subscriptions,
            payload=(
                self.max_message_bytes + HEADER_ROOM
                if self.credential_max_payload is None
                else self.credential_max_payload
            ),
            data=self.credential_max_data,
        )

    @property
    def secured(self) -> bool:
        """The network runs with NATS authentication: the registry issues credentials."""
        return bool(self.admission_account and self.admission_signing_key)
