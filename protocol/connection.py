"""A NATS connection that speaks ``ioa/1`` as one identity.

>>> async def main() -> None:                      # doctest: +SKIP
...     async with Connection(NatsSettings(), "alice") as conn:
...         results = await conn.request("registry", "search", Search(query="math"))
"""

from types import TracebackType
from typing import Any, Self

import nats
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import PubAck

from protocol import deadline
from protocol.envelope import Envelope, decode
from protocol.errors import IoaError, Timeout, Unavailable, error_for
from protocol.ids import check_id
from protocol.kinds import Body, ErrorBody
from protocol.settings import NatsSettings
from protocol.tracing import producer_span

log = structlog.get_logger("ioa.connection")

MSG_ID_HEADER = "Nats-Msg-Id"


async def flush(nc: Client) -> None:
    """Return once the server has handled everything ``nc`` sent before the call: a
    subscription is in place, a publish or an ack has arrived.

    nats-py's own ``flush()`` is no such barrier: it writes its PING straight to the
    socket, ahead of the commands still queued for its flusher task (a SUB just made),
    so its PONG can come back before the server has them, and a request from another
    connection then finds no responders. While that first PING is out, the flusher
    writes the queue; a second PING goes behind it on the same TCP stream, and the
    server answers a connection's commands in order.
    """
    await nc.flush()
    await nc.flush()


class Connection:
    """Connect to NATS, send requests to services, publish and deliver envelopes."""

    def __init__(self, settings: NatsSettings, identity: str, *, name: str | None = None) -> None:
        self.settings = settings
        self.identity = check_id(identity, "identity")
        self.subjects = settings.subjects
        self._name = name or identity
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self.events_dropped = 0

    @property
    def nc(self) -> Client:
        if self._nc is None:
            raise RuntimeError("the connection is not open; use 'async with Connection(...)'")
        return self._nc

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            self._js = self.nc.jetstream()
        return self._js

    async def __aenter__(self) -> Self:
        s = self.settings
        options: dict[str, Any] = {
            "servers": s.nats_url.split(","),
            "name": self._name,
            "max_reconnect_attempts": -1,
            "reconnect_time_wait": 0.5,
            "connect_timeout": 5,
            # Replies come back under the identity's own prefix, the only replies a
            # secured network lets it read.
            "inbox_prefix": self.subjects.reply_prefix(self.identity),
            "error_cb": self._on_error,
            "disconnected_cb": self._on_disconnected,
            "reconnected_cb": self._on_reconnected,
        }
        if s.nats_user:
            options["user"] = s.nats_user
            options["password"] = s.nats_password.get_secret_value() if s.nats_password else ""
        if s.nats_creds:
            options["user_credentials"] = str(s.nats_creds)
        try:
            self._nc = await nats.connect(**options)
        except Exception as exc:
            raise Unavailable(
                f"cannot connect to NATS at {s.nats_url} ({exc}); is nats-server running? "
                "Start everything with 'make run', or set IOA_NATS_URL."
            ) from exc
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._nc is not None and not self._nc.is_closed:
            try:
                await self._nc.drain()
            except Exception:  # already closing or the server is gone
                await self._nc.close()

    async def request(
        self,
        service: str,
        op: str,
        body: Body,
        *,
        conversation: str | None = None,
        group: str | None = None,
        timeout: float | None = None,
        traced: bool = True,
    ) -> Envelope[Any]:
        """Ask ``service`` to do ``op``; return the reply or raise its typed error.
        ``traced=False``: routine upkeep, sent without a span or trace context."""
        env = Envelope.of(body, sender=self.identity, conversation=conversation, group=group)
        return await self.send(service, op, env, timeout=timeout, traced=traced)

    async def send(
        self,
        service: str,
        op: str,
        env: Envelope[Any],
        *,
        timeout: float | None = None,
        traced: bool = True,
    ) -> Envelope[Any]:
        """Send an already-built envelope as a request (a retry reuses its id).

        The subject's sender token is the envelope's sender: a gateway may speak for
        the users it authenticated, as far as its NATS permissions allow. Within a
        :func:`~protocol.deadline.within` block it waits at most what is left of it.
        """
        subject = self.subjects.request(env.sender, service, op)
        wait = deadline.left(timeout or self.settings.request_timeout)
        if wait <= 0:
            raise Timeout(f"no time is left to ask {service} for {op}", in_reply_to=env.id)
        with producer_span(subject, env, traced=traced) as headers:
            try:
                msg = await self.nc.request(
                    subject, env.encode(), timeout=wait, headers=headers or None
                )
            except nats.errors.NoRespondersError:
                raise Unavailable(
                    f"no {service} service is running (no responders on {subject})",
                    in_reply_to=env.id,
                ) from None
            except nats.errors.TimeoutError:
                raise Timeout(
                    f"{service} did not answer {op} within {wait:g}s", in_reply_to=env.id
                ) from None
        reply = decode(msg.data, max_bytes=self.settings.max_message_bytes)
        if isinstance(reply.body, ErrorBody):
            raise error_for(reply.body.code, reply.body.message, in_reply_to=env.id)
        return reply

    async def publish(self, subject: str, env: Envelope[Any]) -> None:
        """Fire-and-forget publish on core NATS (events for observers)."""
        with producer_span(subject, env) as headers:
            await self.nc.publish(subject, env.encode(), headers=headers)

    def read_event(self, msg: Msg) -> Envelope[Any] | None:
        """The envelope of an event this connection received, or ``None`` when it does not
        decode: an event answers nobody, so a bad one is logged and counted
        (:attr:`events_dropped`)."""
        try:
            return decode(msg.data, max_bytes=self.settings.max_message_bytes)
        except IoaError as exc:
            self.events_dropped += 1
            log.warning("dropped a bad event", subject=msg.subject, error=str(exc))
            return None

    async def deliver(
        self, subject: str, env: Envelope[Any], *, msg_id: str | None = None
    ) -> PubAck:
        """Publish durably to JetStream; the message id makes retries harmless."""
        with producer_span(subject, env) as headers:
            headers[MSG_ID_HEADER] = msg_id or env.id
            return await self.js.publish(subject, env.encode(), headers=headers)

    async def _on_error(self, exc: Exception) -> None:
        log.warning("nats error", error=str(exc))

    async def _on_disconnected(self) -> None:
        if self._nc is not None and (self._nc.is_draining or self._nc.is_closed):
            return  # our own shutdown
        log.warning("nats disconnected; reconnecting")

    async def _on_reconnected(self) -> None:
        log.info("nats reconnected")
