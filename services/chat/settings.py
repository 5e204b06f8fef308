"""The chat service's settings (environment variables with the ``IOA_`` prefix)."""

from pydantic import Field

from protocol.settings import ServiceSettings


class ChatSettings(ServiceSettings):
    """Where NATS is (inherited), plus how the chat service stores and delivers."""

    stream_replicas: int = Field(
        default=1,
        ge=1,
        le=5,
        description="Replicas of the INBOX and GROUPS streams and the chat KV buckets "
        "(groups, pending, the fan-out lease; 3 in a NATS cluster).",
    )
    max_members: int = Field(
        default=100, ge=1, le=1000, description="The most members one group may have."
    )
    post_rate: float = Field(
        default=200.0,
        gt=0,
        description="Posts per second one sender may make (token bucket per sender and "
        "replica); past it a post gets rate_limited.",
    )
    post_burst: float = Field(
        default=400.0, ge=1, description="Posts a sender may make at once after a pause."
    )
    max_in_flight: int = Field(
        default=64,
        ge=1,
        le=10_000,
        description="Requests one replica handles at once; past it a request is refused at "
        "once with rate_limited (shed), not queued (see bench/chat_overload.py).",
    )
    pending_ttl: float = Field(
        default=7 * 24 * 3600.0,
        gt=0,
        description="Seconds the 'waits for your answer' index keeps an entry.",
    )
    fanout_batch: int = Field(
        default=256,
        ge=1,
        le=1000,
        description="Log messages one fan-out step takes; their copies are published "
        "pipelined, in log order, and acknowledged together.",
    )
    fanout: bool = Field(
        default=True,
        description="Whether this replica takes part in the fan-out (false: it only serves "
        "requests).",
    )
    fanout_lease_ttl: float = Field(
        default=3.0,
        ge=1,
        le=60,
        description="Seconds after which a silent fan-out replica is replaced by another.",
    )
    fanout_ack_wait: float = Field(
        default=10.0,
        gt=0,
        le=110,
        description="Seconds before an unacknowledged log message goes to another replica. "
        "Kept below the INBOX stream's 120 s duplicate window so a redelivered fan-out "
        "is still recognised as a duplicate.",
    )
    history_timeout: float = Field(
        default=5.0, gt=0, le=60, description="Seconds one history read may take."
    )
