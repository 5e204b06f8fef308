"""Steering a conversation over HTTP, against the real coordinator, chat and registry:
a user's message reaches the team, cancel stops it, continue gives it a follow-up."""

import asyncio
from pathlib import Path
from typing import Any

import httpx

from gateway.settings import GatewaySettings
from ioa import nats_server
from protocol.agent import Agent
from protocol.envelope import Envelope
from protocol.kinds import TaskAssign, TaskFailed, TaskResult
from tests.gateway.conftest import bearer, make_key, running_gateway
from tests.services.coordinator.network import Sleeper, card, network
from tests.support.scripted_llm import Script


async def poll(client: httpx.AsyncClient, url: str, *states: str) -> dict[str, Any]:
    for _ in range(300):
        body: dict[str, Any] = (await client.get(url)).json()
        if body["state"] in states:
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never reached {states}: {body}")


def gateway_on(net_settings: Any, tmp_path: Path) -> GatewaySettings:
    return GatewaySettings(
        database_url=f"sqlite:///{tmp_path}/gateway.db",
        nats_url=net_settings.nats_url,
        subject_root=net_settings.subject_root,
        log_format="json",
        port=nats_server.free_port(),
    )


class Listener(Agent):
    """Takes its time over a task; meanwhile it hears what the user says."""

    heard: list[str]

    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed | None:
        await asyncio.sleep(1.0)
        return TaskResult(task_id=env.body.task_id, text="listened")

    async def on_group_message(self, env: Envelope[Any]) -> None:
        if env.sender.startswith("user:"):
            self.heard.append(env.body.text)


async def test_a_user_message_reaches_the_team_and_the_conversation_can_continue(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        listener = Listener(card("listener", "xylophone"), net.settings)
        listener.heard = []
        await net.add(listener)
        gateway = gateway_on(net.settings, tmp_path)
        key = make_key(gateway)
        async with (
            running_gateway(gateway) as url,
            httpx.AsyncClient(base_url=url, timeout=10, headers=bearer(key)) as client,
        ):
            created = await client.post(
                "/v1/conversations", json={"goal": "xylophone", "max_team": 1}
            )
            conversation = created.json()["id"]
            await poll(client, f"/v1/conversations/{conversation}", "executing")
            said = await client.post(
                f"/v1/conversations/{conversation}/messages", json={"text": "please hurry"}
            )
            done = await poll(client, f"/v1/conversations/{conversation}", "concluded")
            follow_up = await client.post(
                f"/v1/conversations/{conversation}/continue", json={"goal": "xylophone again"}
            )
            again = await poll(client, f"/v1/conversations/{conversation}", "concluded", "failed")
            for _ in range(50):
                if again["tasks"] and len(again["tasks"]) == 2 and again["state"] == "concluded":
                    break
                again = (await client.get(f"/v1/conversations/{conversation}")).json()
                await asyncio.sleep(0.1)
    assert said.status_code == 201 and said.json()["seq"] > 0
    assert listener.heard == ["please hurry"]
    assert [m["agent"] for m in done["members"]] == ["listener"]
    assert follow_up.status_code == 200
    assert again["state"] == "concluded"
    assert [t["description"] for t in again["tasks"]] == ["xylophone", "xylophone again"]


async def test_a_user_can_cancel_a_running_conversation(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    async with network(nats_url, subject_root, tmp_path, Script()) as net:
        await net.add(Sleeper(card("sleepy", "xylophone"), net.settings))
        gateway = gateway_on(net.settings, tmp_path)
        key = make_key(gateway)
        async with (
            running_gateway(gateway) as url,
            httpx.AsyncClient(base_url=url, timeout=10, headers=bearer(key)) as client,
        ):
            created = await client.post("/v1/conversations", json={"goal": "xylophone"})
            conversation = created.json()["id"]
            await poll(client, f"/v1/conversations/{conversation}", "executing")
            cancelled = await client.post(
                f"/v1/conversations/{conversation}/cancel", json={"reason": "no longer needed"}
            )
            final = await poll(client, f"/v1/conversations/{conversation}", "cancelled")
            too_late = await client.post(
                f"/v1/conversations/{conversation}/continue", json={"goal": "more"}
            )
    assert cancelled.status_code == 200
    assert final["reason"] == "no longer needed"
    assert too_late.status_code == 409
    assert too_late.json()["code"] == "conflict"
