"""A person as a team member on a secured network, as ``make run`` runs it: the gateway,
with its role's credentials, registers the person's card, reads their inbox (which the
registry provisioned at registration) and answers for them."""

import asyncio
from pathlib import Path

import httpx

from gateway import keys
from protocol.subjects import GATEWAY
from tests.gateway.conftest import bearer, gateway_for, running_gateway, wait_for_state
from tests.security.network import secured_network
from tests.support.scripted_llm import Script
from tests.support.secured import SecuredNats


async def test_a_person_answers_a_task_through_the_gateway_on_a_secured_network(
    server: SecuredNats, tmp_path: Path
) -> None:
    async with secured_network(server, "ioa.v1", tmp_path, Script(rules=[])) as net:
        settings = gateway_for(server.url, "ioa.v1", tmp_path, nats_creds=net.creds[GATEWAY])
        engine = keys.open_engine(settings.database_url)
        _, key = keys.create_key(engine, "ada")
        engine.dispose()
        async with (
            running_gateway(settings) as url,
            httpx.AsyncClient(base_url=url, headers=bearer(key), timeout=20) as ada,
        ):
            registered = await ada.put("/v1/me/card", json={"description": "zymurgy"})
            started = await ada.post(
                "/v1/conversations", json={"goal": "zymurgy", "required": ["user:ada"]}
            )
            conversation = started.json()["id"]
            answers = []
            for kind, action in (("invite", "accept"), ("task", "result")):
                for _ in range(100):
                    items = (await ada.get("/v1/me/pending")).json()["items"]
                    if [i for i in items if i["kind"] == kind]:
                        break
                    await asyncio.sleep(0.2)
                item = next(i for i in items if i["kind"] == kind)
                answer = {"action": action, "text": "Ready in 3 days." if kind == "task" else ""}
                answers.append(await ada.post(f"/v1/me/pending/{item['id']}", json=answer))
            state = await wait_for_state(ada, conversation, "concluded", "failed")

    assert registered.status_code == 200, registered.text
    assert [a.status_code for a in answers] == [200, 200]
    assert state["state"] == "concluded"
    assert "user:ada: Ready in 3 days." in state["conclusion"]
    assert "Violation" not in server.log()
