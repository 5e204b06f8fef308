"""The service runtime: typed request handlers on ``<root>.from.*.<service>.>``.

A handler's signature is its schema: the body model it takes is read from the
``Envelope[...]`` annotation of its parameter.

>>> service = Service(conn, "registry", "0.1.0")       # doctest: +SKIP
>>> @service.handler("search")                           # doctest: +SKIP
... async def search(env: Envelope[Search]) -> SearchResults: ...

Every request is answered: with the handler's body, or with an ``error``
message whose code says what was wrong. A handler that raises never takes the
service down. At most ``max_in_flight`` requests are handled at once, and at most
half of them for one sender; one that arrives while all are taken, or while its
sender holds its half, is refused at once with ``rate_limited`` (shed), so
overload cannot queue work without bound and one flooding sender cannot crowd
out the others. The service also registers with the
NATS micro framework, so ``$SRV.PING``, ``$SRV.INFO`` and ``$SRV.STATS`` list it.
"""

import asyncio
import inspect
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, get_args, get_type_hints

import nats.errors
import nats.js.errors
import structlog
from nats.micro.request import Request
from nats.micro.service import Service as MicroService
from nats.micro.service import ServiceConfig

from protocol.connection import Connection, flush
from protocol.envelope import Envelope, decode
from protocol.errors import (
    ErrorCode,
    Forbidden,
    Internal,
    InvalidMessage,
    IoaError,
    NotFound,
    Unavailable,
)
from protocol.kinds import Body, ErrorBody
from protocol.settings import ServiceSettings
from protocol.subjects import RequestSubject
from protocol.tracing import annotate, consumer_span, inject, record_error

log = structlog.get_logger("ioa.service")

# What a handler meets when NATS is slow or away for a moment.
NATS_TRANSIENT = (
    TimeoutError,
    nats.errors.NoRespondersError,
    nats.errors.ConnectionClosedError,
    nats.js.errors.ServiceUnavailableError,
)

Handler = Callable[[Envelope[Any]], Awaitable[Body]]


@dataclass(slots=True, frozen=True)
class Route:
    handler: Handler
    takes: tuple[type[Body], ...]
    starts_traces: bool = True

    @property
    def kinds(self) -> str:
        return " or ".join(f"'{cls.KIND}'" for cls in self.takes)


def body_types_of(handler: Callable[..., Any]) -> tuple[type[Body], ...]:
    """The body models named by a handler's ``Envelope[Model]`` (or ``Envelope[A | B]``)
    parameter annotation."""
    hints = get_type_hints(handler)
    params = [p for p in inspect.signature(handler).parameters if p in hints]
    if not params:
        raise TypeError(f"{handler.__qualname__} needs a parameter annotated Envelope[Model]")
    args = getattr(hints[params[0]], "__pydantic_generic_metadata__", {}).get("args", ())
    models = get_args(args[0]) or (args[0],) if args else ()
    if not models or not all(isinstance(m, type) and issubclass(m, Body) for m in models):
        raise TypeError(f"{handler.__qualname__}: annotate its envelope as Envelope[Model]")
    return tuple(models)


class Service:
    """Serves one service's request subjects in a queue group named after it."""

    def __init__(
        self,
        conn: Connection,
        name: str,
        version: str,
        *,
        description: str = "",
        max_in_flight: int = 256,
    ) -> None:
        self.conn = conn
        self.name = name
        self.version = version
        self.description = description
        self.routes: dict[str, Route] = {}
        self.counts: Counter[str] = Counter()
        self._max_in_flight = max_in_flight
        self._slots = asyncio.Semaphore(max_in_flight)
        self._share = max(1, max_in_flight // 2)
        self._held: Counter[str] = Counter()  # slots in hand per sender token
        self._tasks: set[asyncio.Task[None]] = set()
        self._micro: MicroService | None = None
        settings = conn.settings
        self._instance_file = (
            settings.instance_file if isinstance(settings, ServiceSettings) else None
        )

    def handler(self, op: str, *, starts_traces: bool = True) -> Callable[[Handler], Handler]:
        """Register ``fn`` as the handler of operation ``op``.

        ``starts_traces=False``: a request without trace context (routine upkeep, such
        as heartbeats) is handled without a trace of its own.
        """

        def register(fn: Handler) -> Handler:
            self.routes[op] = Route(fn, body_types_of(fn), starts_traces)
            return fn

        return register

    async def __aenter__(self) -> Self:
        self._micro = MicroService(
            self.conn.nc,
            ServiceConfig(
                name=self.name,
                version=self.version,
                description=self.description or f"ioa {self.name} service",
                queue_group=self.name,
            ),
        )
        # Requests first, then $SRV: the server takes one connection's subscriptions in
        # order, so a probe's $SRV.PING is answered only once requests are too.
        await self._micro.add_endpoint(
            name="requests",
            subject=self.conn.subjects.service_requests(self.name),
            handler=self._on_request,
        )
        await self._micro.start()
        # The server has the subscriptions before anyone is told we are up.
        await flush(self.conn.nc)
        if self._instance_file is not None:
            # For a readiness probe in this container: PING this instance, not any.
            self._instance_file.write_text(self._micro.id)
        log.info("service serving", service=self.name, ops=sorted(self.routes))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._instance_file is not None:
            self._instance_file.unlink(missing_ok=True)  # not ready any more
        if self._micro is not None:
            await self._micro.stop()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)

    async def _on_request(self, request: Request) -> None:
        # micro calls handlers one at a time; handle each in its own task so a
        # slow request does not hold up the others, within a bounded number.
        try:
            sender = self.conn.subjects.parse_request(request.subject).sender
        except ValueError:
            sender = ""  # refused with invalid_message when handled
        if self._slots.locked() or self._held[sender] >= self._share:
            await self._shed(request, sender)
            return
        await self._slots.acquire()
        self._held[sender] += 1
        task = asyncio.create_task(self._handle(request))
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._done(done, sender))

    async def _shed(self, request: Request, sender: str) -> None:
        """Refuse a request at once when every slot is taken, or its sender holds its
        share. Waiting for a slot instead would queue requests without bound under
        overload, and their senders would have given up by their turn: the service
        would work for nobody and time out for all. Refused unread, so it costs next
        to nothing."""
        self.counts["received"] += 1
        self.counts["shed"] += 1
        self.counts[ErrorCode.RATE_LIMITED.value] += 1
        if not request._msg.reply:
            self.counts["unanswerable"] += 1
            return
        if self._slots.locked():
            why = f"{self.name} is at capacity ({self._max_in_flight} requests in hand)"
        else:
            why = (
                f"{self.name} is at capacity for {sender!r} ({self._held[sender]} of its "
                f"requests in hand; one sender may have at most {self._share})"
            )
        busy = ErrorBody(
            code=ErrorCode.RATE_LIMITED, message=f"{why}; retry the same request in a moment"
        )
        await request.respond(Envelope.of(busy, sender=self.name).encode())

    def _done(self, task: asyncio.Task[None], sender: str) -> None:
        self._tasks.discard(task)
        self._slots.release()
        self._held[sender] -= 1
        if not self._held[sender]:
            del self._held[sender]

    async def _handle(self, request: Request) -> None:
        self.counts["received"] += 1
        env: Envelope[Any] | None = None
        sender: str | None = None  # the subject's sender token: who NATS let publish it
        known = self.routes.get(request.subject.rsplit(".", 1)[-1])
        root = known is None or known.starts_traces
        with consumer_span(request.subject, request.headers, root=root) as span:
            try:
                target = self._target(request.subject)
                sender = target.sender
                span.update_name(f"process {self.name}.{target.op}")
                env = decode(request.data, max_bytes=self.conn.settings.max_message_bytes)
                annotate(span, env)
                if env.sender != target.sender:
                    raise Forbidden(
                        f"envelope sender {env.sender!r} differs from the subject's sender "
                        f"token {target.sender!r}",
                        in_reply_to=env.id,
                    )
                route = known  # the op is the subject's last token
                if route is None:
                    raise NotFound(
                        f"{self.name} has no operation {target.op!r}; "
                        f"it serves {', '.join(sorted(self.routes))}",
                        in_reply_to=env.id,
                    )
                if not isinstance(env.body, route.takes):
                    raise InvalidMessage(
                        f"{self.name}.{target.op} takes {route.kinds}, got {env.type!r}",
                        in_reply_to=env.id,
                    )
                # This request's own task (its own context): nothing to unbind after.
                structlog.contextvars.bind_contextvars(
                    agent=env.sender, conversation=env.conversation
                )
                body = await self._call(route, env)
                reply = env.reply(body, sender=self.name)
                self.counts["answered"] += 1
            except IoaError as exc:
                reply = self._error_reply(exc, env)
                self.counts[exc.code.value] += 1
                record_error(span, exc)
                log.info(
                    "request refused",
                    service=self.name,
                    sender=sender,
                    code=exc.code.value,
                    why=exc.message,
                )
            except Exception as exc:
                self.counts["internal"] += 1
                record_error(span, exc)
                log.exception("handler failed", service=self.name, subject=request.subject)
                reply = self._error_reply(
                    Internal(f"{self.name} failed to handle the request; see its log"), env
                )
            if request._msg.reply:
                await request.respond(reply.encode(), headers=inject())
            else:
                self.counts["unanswerable"] += 1

    async def _call(self, route: Route, env: Envelope[Any]) -> Body:
        try:
            return await route.handler(env)
        except IoaError:
            raise
        except NATS_TRANSIENT:
            # NATS or JetStream did not answer the handler in time (a server overloaded,
            # restarting or failing over): the request may be retried, it is no bug.
            raise Unavailable(
                f"{self.name} could not reach NATS in time to handle this; retry the request",
                in_reply_to=env.id,
            ) from None

    def _target(self, subject: str) -> RequestSubject:
        try:
            return self.conn.subjects.parse_request(subject)
        except ValueError as exc:  # more tokens after <op>: the endpoint's ">" let it in
            raise InvalidMessage(
                f"{exc}; send requests to <root>.from.<you>.{self.name}.<op>"
            ) from None

    def _error_reply(self, exc: IoaError, env: Envelope[Any] | None) -> Envelope[Any]:
        return Envelope.of(
            ErrorBody(code=exc.code, message=exc.message[:5000]),
            sender=self.name,
            conversation=env.conversation if env else None,
            group=env.group if env else None,
            in_reply_to=exc.in_reply_to or (env.id if env else None),
        )
