"""The JetStream streams behind inboxes, group logs and events.

Streams are created by the services that own them (the chat service owns
inboxes and group logs); :func:`ensure_stream` is idempotent, so every replica
may call it at start.
"""

import asyncio
from dataclasses import dataclass

import nats.errors
import structlog
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NoStreamResponseError, ServiceUnavailableError

from protocol.subjects import Subjects

DAY = 24 * 3600.0

# A JetStream that is still starting answers 503 (no meta leader yet, or, in operator
# mode, an account its resolver has not yet heard of) or not at all; a service started
# with its cluster (a Kubernetes rollout, ``ioa up``) waits for it this long.
READY_SECONDS = 30.0
NOT_READY = (ServiceUnavailableError, NoStreamResponseError, nats.errors.TimeoutError)

log = structlog.get_logger("ioa.streams")


@dataclass(frozen=True, slots=True)
class StreamSpec:
    name: str
    subjects: list[str]
    max_age: float
    duplicate_window: float = 120.0

    def config(self, replicas: int) -> StreamConfig:
        return StreamConfig(
            name=self.name,
            subjects=self.subjects,
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            max_age=self.max_age,
            duplicate_window=self.duplicate_window,
            num_replicas=replicas,
        )


def inbox_stream(subjects: Subjects) -> StreamSpec:
    """Every agent's inbox; each agent reads its own through one durable consumer."""
    return StreamSpec(subjects.stream("inbox"), [subjects.all_inboxes], max_age=7 * DAY)


def group_stream(subjects: Subjects) -> StreamSpec:
    """Every group's ordered log: the single source of truth for chat history."""
    return StreamSpec(subjects.stream("groups"), [subjects.all_group_logs], max_age=365 * DAY)


def event_stream(subjects: Subjects) -> StreamSpec:
    return StreamSpec(subjects.stream("events"), [subjects.all_events], max_age=DAY)


async def ensure_stream(js: JetStreamContext, spec: StreamSpec, *, replicas: int = 1) -> None:
    """Create the stream, or bring an existing one to this configuration; a JetStream
    still starting is waited for (see ``READY_SECONDS``)."""
    config = spec.config(replicas)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_SECONDS
    while True:
        try:
            await js.add_stream(config)
            return
        except BadRequestError as exc:
            if exc.err_code != 10058:  # "stream name already in use with a different configuration"
                raise
            await js.update_stream(config)
            return
        except NOT_READY as exc:
            if loop.time() >= deadline:
                raise
            log.info("JetStream not ready; asking again", stream=spec.name, error=str(exc))
            await asyncio.sleep(0.5)
