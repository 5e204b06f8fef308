"""The A2A bridge's settings (environment variables with the ``IOA_`` prefix)."""

from pydantic import Field

from protocol.settings import ServiceSettings


class A2ABridgeSettings(ServiceSettings):
    a2a_url: str = Field(description="The remote agent's base URL (its card is under it).")
    a2a_agent_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_:-]{0,127}$",
        description="Our id for it; default: a slug of its name.",
    )
    a2a_timeout: float = Field(default=120.0, gt=0, description="Seconds per remote exchange.")
    agent_lease_seconds: float = Field(default=15.0, gt=0)
