"""The registry's settings: its database, lease sweeping, limits and semantic search."""

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from protocol.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    """Environment: ``IOA_DATABASE_URL`` (or ``DATABASE_URL``), ``IOA_SWEEP_SECONDS``,
    ``IOA_EMBEDDINGS_*``, ``IOA_HEARTBEAT_*``, ``IOA_MAX_CARD_BYTES``, plus every
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
    def secured(self) -> bool:
        """The network runs with NATS authentication: the registry issues credentials."""
        return bool(self.admission_account and self.admission_signing_key)
