"""Who may publish and subscribe to what: the NATS permissions of every role.

The subject scheme exists so that these lists can be short. An agent may
publish only requests that carry its own id as the sender token, read only the
replies addressed to it, and use (never create) its own durable inbox consumer
and handled-ids bucket: its messages reach it through the consumer, so it needs
no subscription to ``<root>.to.<agent>`` at all. Each service may serve its own
requests, reply to them, and write what it owns (the chat service the group
logs and inboxes, the coordinator invitations and conversation events, the
registry agent events).

These are plain data; ``registry/credentials.py`` signs them into user JWTs.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from protocol.inbox import consumer_name, handled_bucket
from protocol.streams import inbox_stream
from protocol.subjects import (
    ADMIN,
    CHAT,
    COORDINATOR,
    GATEWAY,
    JETSTREAM_ACKS,
    JETSTREAM_API,
    KV_PUTS,
    REGISTRY,
    SERVICE_API,
    Subjects,
    consumer_acks,
    consumer_api,
    kv_api,
)


@dataclass(frozen=True, slots=True)
class Permissions:
    publish: list[str] = field(default_factory=list)
    subscribe: list[str] = field(default_factory=list)
    responses: bool = False
    """May answer the requests it receives (publish once to each one's reply subject)."""


def agent(subjects: Subjects, agent_id: str) -> Permissions:
    """An agent: speaks as itself, reads its replies and its own inbox, nothing else."""
    stream, durable = inbox_stream(subjects).name, consumer_name(agent_id)
    return Permissions(
        publish=[
            subjects.agent_requests(agent_id),
            consumer_api(stream, durable, "INFO"),
            consumer_api(stream, durable, "MSG.NEXT"),
            consumer_acks(stream, durable),
            *kv_api(handled_bucket(subjects, agent_id)),
        ],
        subscribe=[f"{subjects.reply_prefix(agent_id)}.>"],
    )


def admin(subjects: Subjects) -> Permissions:
    """An administrator's tools (``ioa agents admit``, health checks): requests as
    ``admin``, and the micro framework's PING/INFO/STATS of every service."""
    own = agent(subjects, ADMIN)
    return Permissions(publish=[*own.publish, SERVICE_API], subscribe=own.subscribe)


CONFORMANCE = "conformance"
"""``ioa conformance``: a test tool that plays coordinator and peer to one agent."""

# What each role writes besides its replies, and what it reads besides its requests.
SubjectList = Callable[[Subjects], list[str]]
_WRITES: dict[str, SubjectList] = {
    REGISTRY: lambda s: [s.event(">")],
    CHAT: lambda s: [s.all_group_logs, s.all_inboxes, s.event(">")],
    COORDINATOR: lambda s: [s.request(COORDINATOR, "*", "*"), s.all_inboxes, s.event(">")],
    # The gateway speaks for the people it authenticated (``user:<id>``), whose ids
    # cannot be matched by a subject wildcard of their own: it may send any request,
    # and the services check that a person's request is one a person may make.
    GATEWAY: lambda s: [f"{s.root}.from.>"],
    # Invites and tasks go straight into the agent's inbox, as the coordinator's do.
    CONFORMANCE: lambda s: [s.request(CONFORMANCE, "*", "*"), s.all_inboxes],
}
_READS: dict[str, SubjectList] = {
    REGISTRY: lambda s: [],
    CHAT: lambda s: [],
    COORDINATOR: lambda s: [s.all_events],
    GATEWAY: lambda s: [s.all_events],
    # It watches what the agent asks of the coordinator and the chat service.
    CONFORMANCE: lambda s: [f"{s.root}.from.>"],
}


def service(subjects: Subjects, name: str) -> Permissions:
    """A service of ours: its requests, its outputs, and JetStream for the streams it owns."""
    if name not in _WRITES:
        raise ValueError(f"no service {name!r}; services are {sorted(_WRITES)}")
    return Permissions(
        publish=[*_WRITES[name](subjects), JETSTREAM_API, JETSTREAM_ACKS, KV_PUTS, SERVICE_API],
        subscribe=[
            subjects.service_requests(name),
            *_READS[name](subjects),
            f"{subjects.reply_prefix(name)}.>",
            SERVICE_API,
        ],
        responses=True,
    )


SERVICE_ROLES = tuple(_WRITES)
