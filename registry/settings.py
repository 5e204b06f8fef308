"""The registry's settings: where its database is and how often leases are checked."""

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from protocol.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    """Environment: ``IOA_DATABASE_URL`` (or ``DATABASE_URL``), ``IOA_SWEEP_SECONDS``,
    plus every :class:`~protocol.settings.ServiceSettings` variable."""

    model_config = SettingsConfigDict(env_prefix="IOA_", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default="sqlite:///.ioa/registry.db",
        validation_alias=AliasChoices("IOA_DATABASE_URL", "DATABASE_URL"),
        description="Any SQLAlchemy URL; SQLite by default, PostgreSQL in compose and k8s.",
    )
    sweep_seconds: float = Field(
        default=1.0, gt=0, le=3600, description="How often expired leases are looked for."
    )
