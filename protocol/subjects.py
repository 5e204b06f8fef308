"""The subject catalogue: every NATS subject and stream name of the system is built here.

The scheme lets plain NATS permissions enforce who may say what:

- ``<root>.from.<agent>.<service>.<op>``: what an agent asks of a service; the
  ``<agent>`` token is the authenticated sender.
- ``<root>.to.<agent>`` and below: durable delivery to one agent's inbox.
- ``<root>.group.<group>.log``: a group's ordered, durable log.
- ``<root>.events.<kind>``: system events for observers.

The root is ``ioa.v1`` in production; tests give each test its own root so one
nats-server serves a whole session.
"""

from dataclasses import dataclass

from protocol.ids import check_id

DEFAULT_ROOT = "ioa.v1"

REGISTRY = "registry"
CHAT = "chat"
COORDINATOR = "coordinator"
SERVICES = (REGISTRY, CHAT, COORDINATOR)
GATEWAY = "gateway"
ADMIN = "admin"
"""The identity of the network's administrators (admission, revocation)."""


@dataclass(frozen=True, slots=True)
class RequestSubject:
    """The parts of a parsed ``<root>.from.<agent>.<service>.<op>`` subject."""

    sender: str
    service: str
    op: str


@dataclass(frozen=True, slots=True)
class Subjects:
    """Builds subjects and stream names under one root."""

    root: str = DEFAULT_ROOT

    def __post_init__(self) -> None:
        if not self.root or any(not token for token in self.root.split(".")):
            raise ValueError(f"subject root {self.root!r} is not a valid subject prefix")
        if any(c in self.root for c in " *>"):
            raise ValueError(f"subject root {self.root!r} may not contain spaces or wildcards")

    # --- requests to services -------------------------------------------------
    def request(self, sender: str, service: str, op: str) -> str:
        check_id(sender, "sender")
        return f"{self.root}.from.{sender}.{service}.{op}"

    def service_requests(self, service: str) -> str:
        """What a service subscribes to (in a queue group named after it)."""
        return f"{self.root}.from.*.{service}.>"

    def agent_requests(self, agent: str) -> str:
        """Everything one agent may publish (its NATS permission)."""
        return f"{self.root}.from.{check_id(agent, 'agent')}.>"

    def parse_request(self, subject: str) -> RequestSubject:
        prefix = f"{self.root}.from."
        if not subject.startswith(prefix):
            raise ValueError(f"{subject!r} is not a request subject under {self.root!r}")
        parts = subject[len(prefix) :].split(".")
        if len(parts) != 3:
            raise ValueError(f"{subject!r} is not <root>.from.<agent>.<service>.<op>")
        return RequestSubject(*parts)

    # --- inboxes --------------------------------------------------------------
    def inbox(self, agent: str, *below: str) -> str:
        return ".".join((f"{self.root}.to.{check_id(agent, 'agent')}", *below))

    def inbox_filters(self, agent: str) -> list[str]:
        """The filter subjects of an agent's durable inbox consumer."""
        return [self.inbox(agent), self.inbox(agent, ">")]

    @property
    def all_inboxes(self) -> str:
        return f"{self.root}.to.>"

    # --- group logs -----------------------------------------------------------
    def group_log(self, group: str) -> str:
        return f"{self.root}.group.{check_id(group, 'group')}.log"

    @property
    def all_group_logs(self) -> str:
        return f"{self.root}.group.*.log"

    def group_of(self, log_subject: str) -> str:
        prefix, suffix = f"{self.root}.group.", ".log"
        if not (log_subject.startswith(prefix) and log_subject.endswith(suffix)):
            raise ValueError(f"{log_subject!r} is not a group log subject")
        return log_subject[len(prefix) : -len(suffix)]

    # --- events ---------------------------------------------------------------
    def event(self, *kind: str) -> str:
        return ".".join((f"{self.root}.events", *kind))

    @property
    def all_events(self) -> str:
        return f"{self.root}.events.>"

    # --- replies ------------------------------------------------------------------
    @staticmethod
    def reply_prefix(identity: str) -> str:
        """Where ``identity``'s replies come back (its NATS user may read only these)."""
        return f"_INBOX.{check_id(identity, 'identity')}"

    # --- JetStream names (streams and KV buckets cannot contain dots) --------------
    def stream(self, name: str) -> str:
        return f"{self.root.replace('.', '_').upper()}_{name.upper()}"

    def bucket(self, name: str) -> str:
        return f"{self.root.replace('.', '_')}_{name}"


# --- NATS's own API subjects, for permissions -------------------------------------
# JetStream and the micro framework are NATS's, not ours, but their subjects appear
# in our permissions, so they are spelled here too.
SERVICE_API = "$SRV.>"
JETSTREAM_API = "$JS.API.>"
JETSTREAM_ACKS = "$JS.ACK.>"
KV_PUTS = "$KV.>"


def consumer_api(stream: str, consumer: str, op: str) -> str:
    """``$JS.API.CONSUMER.<op>.<stream>.<consumer>`` (INFO, MSG.NEXT)."""
    return f"$JS.API.CONSUMER.{op}.{stream}.{consumer}"


def consumer_acks(stream: str, consumer: str) -> str:
    return f"$JS.ACK.{stream}.{consumer}.>"


def kv_api(bucket: str) -> list[str]:
    """What reading and writing one existing KV bucket takes (no creating or deleting)."""
    stream = f"KV_{bucket}"
    return [
        f"$JS.API.STREAM.INFO.{stream}",
        f"$JS.API.DIRECT.GET.{stream}.>",
        f"$JS.API.STREAM.MSG.GET.{stream}",
        f"$KV.{bucket}.>",
    ]
