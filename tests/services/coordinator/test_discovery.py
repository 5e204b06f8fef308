"""Every service announces itself with the NATS micro framework: a plain ``$SRV.PING``
or ``$SRV.INFO`` (no service name) on the real server lists the registry, the chat
service and the coordinator together."""

from pathlib import Path
from typing import Any

from nats.micro.service import ServiceVerb, control_subject

from protocol.connection import Connection
from protocol.subjects import CHAT, COORDINATOR, REGISTRY
from tests.services.coordinator.network import network
from tests.support.micro import answers
from tests.support.scripted_llm import Script

SERVICES = {REGISTRY, CHAT, COORDINATOR}


async def test_a_plain_srv_ping_and_info_list_registry_chat_and_coordinator(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script(rules=[])) as net:
        async with Connection(net.settings, "observer") as conn:
            serves = {conn.subjects.service_requests(name): name for name in SERVICES}

            def ours(infos: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
                # Ours are the ones serving this test's subject root.
                return {
                    i["name"]: i
                    for i in infos
                    if any(e["subject"] in serves for e in i["endpoints"])
                }

            infos = ours(
                await answers(
                    conn,
                    control_subject(ServiceVerb.INFO, None),
                    lambda found: ours(found).keys() >= SERVICES,
                )
            )
            ids = {info["id"] for info in infos.values()}
            pings = await answers(
                conn,
                control_subject(ServiceVerb.PING, None),
                lambda found: bool(ids) and {p["id"] for p in found} >= ids,
            )

    assert infos.keys() == SERVICES
    for name, info in infos.items():
        assert info["type"] == "io.nats.micro.v1.info_response"
        assert [serves[e["subject"]] for e in info["endpoints"]] == [name], info["endpoints"]
    named = {p["id"]: p["name"] for p in pings if p["type"] == "io.nats.micro.v1.ping_response"}
    assert {named.get(i) for i in ids} == SERVICES
