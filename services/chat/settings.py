"""The chat service's settings (environment variables with the ``IOA_`` prefix)."""

from pydantic import Field

from protocol.settings import ServiceSettings


class ChatSettings(ServiceSettings):
    """Where NATS is (inherited), plus how the chat service stores and delivers."""

    stream_replicas: int = Field(
        default=1,
        ge=1,
        le=5,
        description="Replicas of the INBOX and GROUPS streams and the groups KV bucket "
        "(3 in a NATS cluster).",
    )
    max_members: int = Field(
        default=100, ge=1, le=1000, description="The most members one group may have."
    )
    fanout_batch: int = Field(
        default=16, ge=1, le=1000, description="Log messages one fan-out fetch asks for."
    )
    fanout_ack_wait: float = Field(
        default=30.0,
        gt=0,
        le=110,
        description="Seconds before an unacknowledged log message goes to another replica. "
        "Kept below the INBOX stream's 120 s duplicate window so a redelivered fan-out "
        "is still recognised as a duplicate.",
    )
    fanout_max_ack_pending: int = Field(
        default=1,
        ge=1,
        le=100_000,
        description="Log messages in flight across all replicas. 1 keeps every inbox in log "
        "order even with several replicas; raise it for throughput when order may vary.",
    )
    history_timeout: float = Field(
        default=5.0, gt=0, le=60, description="Seconds one history read may take."
    )
