"""The gateway's settings: where it listens, who may call it from a browser."""

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from protocol.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    """Environment: ``IOA_GATEWAY_HOST``, ``IOA_GATEWAY_PORT``, ``IOA_CORS_ORIGINS``,
    ``IOA_SSE_KEEPALIVE_SECONDS``, ``IOA_SHUTDOWN_GRACE_SECONDS``, plus every
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

    user: str = Field(
        default="user:anonymous",
        pattern=r"^user:[A-Za-z0-9_-]{1,120}$",
        description="Who the gateway speaks for (until API keys name each user).",
    )

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]
