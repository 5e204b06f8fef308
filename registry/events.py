"""Announcing agents coming online and going offline on the events stream."""

import structlog

from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import Unavailable
from protocol.kinds import AgentStatus
from protocol.subjects import REGISTRY

log = structlog.get_logger("ioa.registry.events")


class StatusEvents:
    """Publishes :class:`AgentStatus` at ``events.agent.online`` / ``events.agent.offline``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def announce(
        self, agent: str, *, online: bool, reason: str, required: bool = False
    ) -> None:
        """Publish one status change durably.

        The change is already in the database, so a failed publish is logged, not
        raised: the request that caused it still succeeded. ``required``: the request
        succeeds only once the event is out (a registration), so a failed publish is a
        retryable ``unavailable`` instead.
        """
        env = Envelope.of(AgentStatus(agent=agent, online=online, reason=reason), sender=REGISTRY)
        subject = self.conn.subjects.event("agent", "online" if online else "offline")
        try:
            await self.conn.deliver(subject, env)
        except Exception as exc:
            if required:
                raise Unavailable(
                    f"could not announce that {agent} is "
                    f"{'online' if online else 'offline'} ({exc}); ask again"
                ) from exc
            log.warning(
                "could not announce a status change", agent=agent, online=online, error=str(exc)
            )
        else:
            log.info("agent status", agent=agent, online=online, reason=reason)
