"""Coordinator settings (environment variables with the ``IOA_`` prefix)."""

from pydantic import Field

from protocol.settings import ServiceSettings


class CoordinatorSettings(ServiceSettings):
    invite_seconds: float = Field(default=15.0, gt=0, description="How long an invitee may think.")
    candidates_per_query: int = Field(default=8, ge=1, le=100)
    stream_replicas: int = Field(default=1, ge=1, le=5)
    use_llm: bool = Field(
        default=True, description="False: rules alone form teams, steer and conclude."
    )
    lease_seconds: float = Field(
        default=10.0, gt=0, description="How long a replica holds a conversation unrenewed."
    )
    scan_seconds: float = Field(
        default=1.0, gt=0, description="How often a replica looks for conversations to adopt."
    )
