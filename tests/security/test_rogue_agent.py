"""A rogue agent, admitted like any other, tries what it must not; every attempt is
refused and logged, and the legitimate team's conversation goes on.

Real nats-server in operator mode, real registry (issuing the credentials), chat,
coordinator and agents; only the LLM is scripted.
"""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import nats
import nats.errors
import pytest
from structlog.testing import capture_logs

from protocol.connection import Connection
from protocol.envelope import Envelope, decode
from protocol.errors import Forbidden, NotFound
from protocol.inbox import consumer_name
from protocol.kinds import (
    Admit,
    AgentCard,
    ChatMessage,
    ConversationState,
    GetAgent,
    History,
    Register,
    Revoke,
    StartConversation,
)
from protocol.settings import ServiceSettings
from protocol.streams import group_stream, inbox_stream
from protocol.subjects import ADMIN, CHAT, COORDINATOR, GATEWAY, REGISTRY, Subjects, consumer_api
from tests.security.network import SecuredNetwork, secured_network
from tests.security.rogues import GOAL, ROOT, SCRIPT, rogue_nats, settle
from tests.services.coordinator.network import wait_for
from tests.support.secured import SecuredNats, secured_nats


@pytest.fixture(scope="module")
def nats_server_secured(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with secured_nats(tmp_path_factory.mktemp("secured")) as server:
        yield server


@asynccontextmanager
async def team_at_work(
    server: SecuredNats, tmp_path: Path, root: str
) -> AsyncIterator[tuple[SecuredNetwork, Connection, str]]:
    """The network with one conversation under way, started by a person at the gateway."""
    async with (
        secured_network(server, root, tmp_path, SCRIPT) as net,
        net.connection(GATEWAY) as gateway,
    ):
        # As the gateway starts one: for its user, with itself as an observer.
        start = StartConversation(goal=GOAL, observers=[GATEWAY])
        env = Envelope.of(start, sender="user:ada")
        started = await gateway.send(COORDINATOR, "start", env)
        yield net, gateway, started.body.conversation


async def test_a_rogue_cannot_read_other_inboxes_group_logs_or_replies_nor_speak_for_others(
    nats_server_secured: SecuredNats, tmp_path: Path
) -> None:
    server, subjects = nats_server_secured, Subjects(ROOT)
    async with team_at_work(server, tmp_path, ROOT) as (net, gateway, conversation):
        creds = await net.admit("rogue")
        errors: list[str] = []
        nc = await rogue_nats(server, creds, errors)
        try:
            attempts = {
                "read calculator's inbox": lambda: nc.subscribe(subjects.inbox("calculator", ">")),
                "read every inbox": lambda: nc.subscribe(subjects.all_inboxes),
                "read a group log": lambda: nc.subscribe(subjects.group_log(conversation)),
                "read everyone's replies": lambda: nc.subscribe("_INBOX.>"),
                "post as calculator": lambda: nc.publish(
                    subjects.request("calculator", CHAT, "post"), b"{}"
                ),
                "call an admin operation as admin": lambda: nc.publish(
                    subjects.request(ADMIN, REGISTRY, "admit"), b"{}"
                ),
            }
            for what, attempt in attempts.items():
                before = len(errors)
                await attempt()
                await settle(nc)
                assert len(errors) == before + 1, f"{what}: not refused ({errors[before:]})"
                assert "permissions violation" in errors[-1], what

            # JetStream: fetch from calculator's consumer, or make a consumer or a stream
            # of one's own that would capture others' messages.
            inbox = inbox_stream(subjects).name
            raw_api = {
                "fetch calculator's inbox": (
                    consumer_api(inbox, consumer_name("calculator"), "MSG.NEXT"),
                    {"batch": 1},
                ),
                "make a consumer on calculator's inbox": (
                    f"$JS.API.CONSUMER.CREATE.{inbox}.spy",
                    {"stream_name": inbox, "config": {"name": "spy"}},
                ),
                "capture every request in a stream": (
                    "$JS.API.STREAM.CREATE.SPY",
                    {"name": "SPY", "subjects": [f"{ROOT}.from.>"]},
                ),
                "read a group's log from its stream": (
                    f"$JS.API.STREAM.MSG.GET.{group_stream(subjects).name}",
                    {"seq": 1},
                ),
            }
            for what, (subject, request) in raw_api.items():
                with pytest.raises(nats.errors.TimeoutError):
                    await nc.request(subject, json.dumps(request).encode(), timeout=0.5)
                await settle(nc)
                assert "permissions violation" in errors[-1], what
        finally:
            await nc.close()

        state = await wait_for(gateway, conversation)

    assert state.state == "concluded", state.reason
    assert {m.agent for m in state.members} >= {"calculator", "writer"}
    rogue_user = net.public_keys["rogue"]
    logged = [line for line in server.log().splitlines() if "Violation" in line]
    assert len([line for line in logged if rogue_user in line]) == len(attempts) + len(raw_api)


async def test_services_refuse_a_rogue_that_impersonates_joins_uninvited_or_admits(
    nats_server_secured: SecuredNats, tmp_path: Path
) -> None:
    server, root = nats_server_secured, "t2.ioa.v1"
    async with team_at_work(server, tmp_path, root) as (net, gateway, conversation):
        creds = await net.admit("rogue")
        settings = ServiceSettings(**net.settings(creds))
        async with Connection(settings, "rogue") as rogue:
            state: ConversationState = await wait_for(
                gateway, conversation, frozenset({"discussing", "executing", "concluded"})
            )
            group = state.group
            assert group is not None
            with capture_logs() as logs:
                attempts = [
                    (NotFound, rogue.request(CHAT, "history", History(group=group))),
                    (
                        NotFound,
                        rogue.request(CHAT, "post", ChatMessage(text="hijack"), group=group),
                    ),
                    (
                        Forbidden,
                        rogue.request(
                            REGISTRY,
                            "register",
                            Register(card=AgentCard(id="calculator", name="Calculator")),
                        ),
                    ),
                    (Forbidden, rogue.request(REGISTRY, "admit", Admit(agent="rogue2"))),
                    (Forbidden, rogue.request(REGISTRY, "revoke", Revoke(agent="calculator"))),
                ]
                for expected, attempt in attempts:
                    with pytest.raises(expected):
                        await attempt
                # An envelope that names another sender on the rogue's own subject.
                forged = Envelope.of(ChatMessage(text="hi"), sender="calculator", group=group)
                reply = await rogue.nc.request(
                    rogue.subjects.request("rogue", CHAT, "post"), forged.encode(), timeout=5
                )
                assert decode(reply.data).body.code == "forbidden"

            state = await wait_for(gateway, conversation)
            card = await gateway.request(REGISTRY, "get_agent", GetAgent(agent="calculator"))

    refused = [e for e in logs if e.get("event") == "request refused"]
    assert len(refused) >= len(attempts) + 1
    assert {e["code"] for e in refused} >= {"not_found", "forbidden"}
    assert all(e.get("sender") == "rogue" for e in refused)
    assert state.state == "concluded", state.reason
    assert card.body.card.name != "" and card.body.card.id == "calculator"
    assert card.body.card.description  # still the real card, not the rogue's empty one
