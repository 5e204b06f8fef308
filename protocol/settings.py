"""Settings every process shares: where NATS is, the subject root, telemetry.

Each service subclasses :class:`ServiceSettings` in its own ``settings.py``;
values come from environment variables only (prefix ``IOA_``).
"""

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from protocol.envelope import DEFAULT_MAX_BYTES
from protocol.subjects import DEFAULT_ROOT, Subjects


class NatsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IOA_", extra="ignore")

    nats_url: str = "nats://127.0.0.1:4222"
    nats_user: str | None = None
    nats_password: SecretStr | None = None
    nats_creds: Path | None = None
    subject_root: str = DEFAULT_ROOT
    request_timeout: float = Field(default=5.0, gt=0)
    max_message_bytes: int = Field(default=DEFAULT_MAX_BYTES, ge=1024)

    @property
    def subjects(self) -> Subjects:
        return Subjects(self.subject_root)


class TelemetrySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IOA_", extra="ignore")

    log_level: str = "INFO"
    log_format: str = Field(default="auto", pattern="^(auto|json|console)$")
    trace_dir: Path | None = Field(
        default=None, description="Write spans as OTLP JSON lines into this folder."
    )
    trace_sample_ratio: float = Field(
        default=1.0,
        ge=0.0,
        le=1.0,
        description="Share of new traces recorded; a message's trace follows its sender's choice.",
    )
    otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("IOA_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"),
    )
    metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Serve Prometheus metrics on this port (GET /metrics); off when unset.",
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        description="Address the metrics port listens on (0.0.0.0 in a container).",
    )


class ServiceSettings(NatsSettings, TelemetrySettings):
    """The base of every service's settings."""

    instance_file: Path | None = Field(
        default=None,
        description="Where the service writes its NATS micro instance id once it serves "
        "(removed when it stops), so that 'ioa health' asks this very process, not any "
        "replica, whether it serves (a Kubernetes readiness probe).",
    )
