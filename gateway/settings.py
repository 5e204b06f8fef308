"""The gateway's settings: where it listens, who may call it from a browser."""

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from protocol.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    """Environment: ``IOA_GATEWAY_HOST``, ``IOA_GATEWAY_PORT``, ``IOA_CORS_ORIGINS``,
    ``IOA_GATEWAY_DATABASE_URL``, ``IOA_GATEWAY_RATE_PER_SECOND``, ``IOA_GATEWAY_RATE_BURST``,
    ``IOA_GATEWAY_MAX_BODY_BYTES``, ``IOA_KEY_CACHE_SECONDS``, ``IOA_ANSWER_SECONDS``,
    ``IOA_SSE_KEEPALIVE_SECONDS``, ``IOA_READER_CACHE_SECONDS``, ``IOA_SHUTDOWN_GRACE_SECONDS``,
    ``IOA_PERSON_LEASE_SECONDS``, ``IOA_PEOPLE_SYNC_SECONDS``, plus every
    :class:`~protocol.settings.ServiceSettings` variable (``IOA_REQUEST_TIMEOUT`` is
    how long the gateway waits for a service's answer before it answers 504)."""

    model_config = SettingsConfigDict(env_prefix="IOA_", extra="ignore", populate_by_name=True)

    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("IOA_GATEWAY_HOST"))
    port: int = Field(
        default=8000, ge=0, le=65535, validation_alias=AliasChoices("IOA_GATEWAY_PORT")
    )
    cors_origins: str = Field(
        default="",
        description="Comma-separated origins a browser may call the API from ('*' for any).",
    )
    sse_keepalive_seconds: float = Field(
        default=15.0, gt=0, le=300, description="A comment line this often keeps proxies open."
    )
    shutdown_grace_seconds: int = Field(
        default=3, ge=0, le=120, description="How long open requests and streams may finish."
    )

    database_url: str = Field(
        default="sqlite:///.ioa/gateway.db",
        validation_alias=AliasChoices("IOA_GATEWAY_DATABASE_URL"),
        description="API keys, admin grants, the audit log and people (SQLModel; SQLite or "
        "PostgreSQL).",
    )
    rate_per_second: float = Field(
        default=20.0,
        gt=0,
        validation_alias=AliasChoices("IOA_GATEWAY_RATE_PER_SECOND"),
        description="Requests per second one API key may make on average.",
    )
    rate_burst: int = Field(
        default=60,
        ge=1,
        validation_alias=AliasChoices("IOA_GATEWAY_RATE_BURST"),
        description="How many requests one key may make at once before 429.",
    )
    max_body_bytes: int = Field(
        default=262_144,
        ge=1024,
        validation_alias=AliasChoices("IOA_GATEWAY_MAX_BODY_BYTES"),
        description="Larger request bodies get 413.",
    )
    key_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long a checked key is trusted without the database (revocation lag).",
    )
    reader_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long a user feed trusts the coordinator's answer on whether the "
        "user may read a conversation (a member who left stops hearing it this late).",
    )
    answer_seconds: float = Field(
        default=300.0,
        gt=0,
        le=3600,
        description="How long /v1/chat/completions and A2A SendMessage wait for a conclusion.",
    )
    person_lease_seconds: float = Field(
        default=3600.0,
        gt=0,
        le=3600,
        description=(
            "The lease of a person's card, renewed whenever they use /v1/me: how long "
            "after their last visit they still count as reachable (the registry's most)."
        ),
    )
    people_sync_seconds: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="How often the people table is read again (who registered elsewhere).",
    )

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]
