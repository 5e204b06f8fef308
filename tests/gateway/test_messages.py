"""``GET /v1/conversations/{id}/messages`` reads the group log through the real chat service."""

from collections.abc import AsyncIterator

import httpx
import pytest

from protocol.kinds import ChatMessage, Conclusion
from protocol.settings import ServiceSettings
from services.chat.app import serve
from services.chat.settings import ChatSettings
from tests.gateway.stand_in_coordinator import StandInCoordinator, stand_in_coordinator


@pytest.fixture
async def chat(settings: ServiceSettings) -> AsyncIterator[None]:
    chat_settings = ChatSettings(
        nats_url=settings.nats_url, subject_root=settings.subject_root, log_format="json"
    )
    async with serve(chat_settings):
        yield


@pytest.fixture
async def coordinator_with_groups(
    settings: ServiceSettings, chat: None
) -> AsyncIterator[StandInCoordinator]:
    async with stand_in_coordinator(settings, create_groups=True) as stand_in:
        yield stand_in


async def test_messages_are_the_groups_history_in_order_and_page_on_with_after(
    client: httpx.AsyncClient, coordinator_with_groups: StandInCoordinator
) -> None:
    coordinator = coordinator_with_groups
    created = (await client.post("/v1/conversations", json={"goal": "say hi"})).json()
    group = created["group"]
    seqs = [await coordinator.post(group, ChatMessage(text=f"hello {i}")) for i in range(3)]
    seqs.append(await coordinator.post(group, Conclusion(text="said hi")))
    url = f"/v1/conversations/{created['id']}/messages"

    everything = (await client.get(url)).json()
    page = (await client.get(url, params={"after": seqs[0], "limit": 2})).json()

    assert everything["group"] == group
    assert [m["seq"] for m in everything["messages"]] == seqs
    assert [m["envelope"]["type"] for m in everything["messages"]] == [
        "chat_message",
        "chat_message",
        "chat_message",
        "conclusion",
    ]
    assert everything["last_seq"] == seqs[-1]
    assert [m["envelope"]["body"]["text"] for m in page["messages"]] == ["hello 1", "hello 2"]
    assert page["last_seq"] == seqs[2]


async def test_a_conversation_without_a_group_yet_has_no_messages(
    client: httpx.AsyncClient, coordinator: StandInCoordinator
) -> None:
    created = (await client.post("/v1/conversations", json={"goal": "wait"})).json()

    response = await client.get(f"/v1/conversations/{created['id']}/messages")

    assert response.status_code == 200
    assert response.json() == {
        "conversation": created["id"],
        "group": None,
        "messages": [],
        "last_seq": 0,
    }
