"""Every metric ioa reports, in one catalogue, and the few calls that record them.

The instruments come from the OpenTelemetry *API*: until a process sets up a
meter provider (:func:`protocol.telemetry.setup_telemetry` does, when a
Prometheus port or an OTLP endpoint is configured) they record nothing and
cost next to nothing, so the bare SDK of a third-party agent pays for none of it.

- ``ioa.messages.published`` / ``.handled`` / ``.failed`` (counters) and
  ``ioa.message.handling.duration`` (histogram, s), by ``ioa.subject.kind`` and
  ``ioa.message.type``: every publish and every handling, in :mod:`protocol.tracing`;
- ``ioa.inbox.pending`` (gauge) and ``ioa.inbox.delay`` (histogram, s), by
  ``ioa.agent``: the inbox lag of each agent;
- ``ioa.conversations`` by ``ioa.conversation.state`` and ``ioa.tasks`` by
  ``ioa.task.outcome`` (gauges, the coordinator);
- ``gen_ai.client.token.usage`` (histogram, by ``gen_ai.token.type``) and
  ``gen_ai.client.operation.duration`` (histogram, s), by ``gen_ai.request.model``
  and ``gen_ai.operation.name``: every LLM call (the GenAI conventions);
- ``ioa.registry.agents`` by ``ioa.agent.online`` (gauge, the registry).

The subject kind is the subject without its ids (``registry.search``,
``chat.post``, ``inbox``, ``group.log``, ``events.conversation``), so the number
of series stays small however many agents and groups there are. Prometheus
shows the names with ``_`` for ``.`` and unit suffixes:
``ioa_messages_handled_total``, ``ioa_message_handling_duration_seconds_bucket``.
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from opentelemetry import metrics

meter = metrics.get_meter("ioa")

# Seconds: a message's handling takes from a millisecond to an LLM's minute.
_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
# The GenAI conventions' advisory buckets for token counts.
_TOKENS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304)

published = meter.create_counter(
    "ioa.messages.published", unit="{message}", description="Messages published, by subject kind."
)
handled = meter.create_counter(
    "ioa.messages.handled",
    unit="{message}",
    description="Messages handled without an error, by subject kind.",
)
failed = meter.create_counter(
    "ioa.messages.failed",
    unit="{message}",
    description="Messages whose handling ended in an error (refused, invalid, crashed).",
)
handling_duration = meter.create_histogram(
    "ioa.message.handling.duration",
    unit="s",
    description="Time from receiving a message to the end of its handling.",
    explicit_bucket_boundaries_advisory=_SECONDS,
)
inbox_pending = meter.create_gauge(
    "ioa.inbox.pending",
    unit="{message}",
    description="Messages waiting in an agent's inbox behind the one being handled.",
)
inbox_delay = meter.create_histogram(
    "ioa.inbox.delay",
    unit="s",
    description="Time a message waited in an agent's inbox before its handling began.",
    explicit_bucket_boundaries_advisory=_SECONDS,
)
conversations = meter.create_gauge(
    "ioa.conversations", unit="{conversation}", description="Conversations by state."
)
tasks = meter.create_gauge("ioa.tasks", unit="{task}", description="Tasks by outcome.")
llm_tokens = meter.create_histogram(
    "gen_ai.client.token.usage",
    unit="{token}",
    description="Tokens per LLM call, input and output, by model.",
    explicit_bucket_boundaries_advisory=_TOKENS,
)
llm_duration = meter.create_histogram(
    "gen_ai.client.operation.duration",
    unit="s",
    description="Duration of LLM calls (chat, embeddings), by model.",
    explicit_bucket_boundaries_advisory=_SECONDS,
)
registry_agents = meter.create_gauge(
    "ioa.registry.agents", unit="{agent}", description="Registered agents, online or not."
)


def message_attributes(kind: str, message_type: str | None) -> dict[str, str]:
    attrs = {"ioa.subject.kind": kind}
    if message_type:
        attrs["ioa.message.type"] = message_type
    return attrs


def record_inbox(agent: str, pending: int, stored_at: datetime | None) -> None:
    """One message taken from ``agent``'s inbox: how many wait behind it, how long it waited."""
    attrs = {"ioa.agent": agent}
    inbox_pending.set(pending, attrs)
    if stored_at is not None:
        waited = (datetime.now(UTC) - stored_at).total_seconds()
        inbox_delay.record(max(0.0, waited), attrs)


def record_llm_call(
    operation: str,
    model: str,
    seconds: float,
    *,
    provider: str = "openai",
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    error: BaseException | None = None,
) -> None:
    """One LLM call's latency and tokens (the GenAI metric conventions)."""
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": model,
    }
    if error is not None:
        attrs["error.type"] = type(error).__name__
    llm_duration.record(seconds, attrs)
    for token_type, count in (("input", input_tokens), ("output", output_tokens)):
        if count is not None:
            llm_tokens.record(count, {**attrs, "gen_ai.token.type": token_type})


def set_counts(
    gauge: Any, attribute: str, counts: Mapping[str, int], known: Iterable[str] = ()
) -> None:
    """Set one series of ``gauge`` per value of ``attribute``; ``known`` values that are
    absent are set to zero (a series left at its last value would tell a stale story)."""
    for value in dict.fromkeys([*known, *counts]):
        gauge.set(counts.get(value, 0), {attribute: value})
