"""The service runtime answers every request: with the handler's body or a typed error."""

import pytest

from protocol.connection import Connection
from protocol.envelope import Envelope, decode
from protocol.errors import Forbidden, InvalidMessage, NotFound, Unavailable
from protocol.kinds import Ack, GetAgent, Heartbeat, Search, SearchResults
from protocol.service import Service
from protocol.settings import ServiceSettings
from tests.support.slow_server import slow_server
from tests.support.spans import collected


@pytest.fixture
async def echo_service(settings: ServiceSettings):
    async with Connection(settings, "echo") as conn:
        service = Service(conn, "echo", "0.1.0")

        @service.handler("search")
        async def search(env: Envelope[Search]) -> SearchResults:
            return SearchResults(hits=[])

        @service.handler("boom")
        async def boom(env: Envelope[Heartbeat]) -> Ack:
            raise RuntimeError("handler bug")

        async with service:
            yield service


async def test_a_handler_answers_with_its_body(settings, echo_service) -> None:
    async with Connection(settings, "alice") as conn:
        reply = await conn.request("echo", "search", Search(query="x"))
    assert isinstance(reply.body, SearchResults)
    assert reply.sender == "echo"


async def test_wrong_body_kind_unknown_op_and_forged_sender_get_typed_errors(
    settings, echo_service
) -> None:
    async with Connection(settings, "alice") as conn:
        with pytest.raises(InvalidMessage, match="takes 'search'"):
            await conn.request("echo", "search", GetAgent(agent="bob"))
        with pytest.raises(NotFound, match="no operation 'nope'"):
            await conn.request("echo", "nope", Search())
        forged = Envelope.of(Search(), sender="mallory")
        raw = await conn.nc.request(
            conn.subjects.request("alice", "echo", "search"), forged.encode(), timeout=5
        )
        refusal = decode(raw.data)
        assert refusal.type == "error"
        assert refusal.body.code == Forbidden.code
        assert "differs from the subject" in refusal.body.message
        # The service is still serving after all of that.
        assert isinstance((await conn.request("echo", "search", Search())).body, SearchResults)


async def test_a_crashing_handler_answers_internal_and_the_service_keeps_serving(
    settings, echo_service
) -> None:
    async with Connection(settings, "alice") as conn:
        with pytest.raises(Exception, match="internal: echo failed"):
            await conn.request("echo", "boom", Heartbeat())
        assert isinstance((await conn.request("echo", "search", Search())).body, SearchResults)
    assert echo_service.counts["internal"] == 1


async def test_a_request_to_a_service_that_is_not_running_is_unavailable(settings) -> None:
    async with Connection(settings, "alice") as conn:
        with pytest.raises(Unavailable, match="no nobody service is running"):
            await conn.request("nobody", "search", Search())


async def test_upkeep_starts_no_trace_but_a_traced_request_to_it_is_traced(settings) -> None:
    exporter = collected()
    async with Connection(settings, "echo") as conn:
        service = Service(conn, "echo", "0.1.0")

        @service.handler("heartbeat", starts_traces=False)
        async def heartbeat(env: Envelope[Heartbeat]) -> Ack:
            return Ack()

        async with service, Connection(settings, "alice") as alice:
            untraced = await alice.request("echo", "heartbeat", Heartbeat(), traced=False)
            traced = await alice.request("echo", "heartbeat", Heartbeat())

    handled = {
        span.attributes.get("messaging.message.id")
        for span in exporter.get_finished_spans()
        if span.name == "process echo.heartbeat" and span.attributes
    }
    assert traced.in_reply_to in handled
    assert untraced.in_reply_to not in handled
    assert service.counts["answered"] == 2


def echo_on(conn: Connection) -> Service:
    service = Service(conn, "echo", "0.1.0")

    @service.handler("search")
    async def search(env: Envelope[Search]) -> SearchResults:
        return SearchResults(hits=[])

    return service


async def test_a_service_answers_another_connection_as_soon_as_it_is_up(settings) -> None:
    # The server takes the service's subscription late: "up" must still mean that a
    # request from elsewhere is answered, not that a PONG came back.
    async with slow_server(settings.nats_url, sub_delay=0.2) as relayed:
        late = settings.model_copy(update={"nats_url": relayed})
        async with (
            Connection(late, "echo") as conn,
            echo_on(conn),
            Connection(settings, "alice") as alice,
        ):
            reply = await alice.request("echo", "search", Search(), timeout=5)
    assert isinstance(reply.body, SearchResults)
