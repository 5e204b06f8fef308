"""``GET /v1/conversations/{id}/messages`` reads the group log through the real chat service."""

from tests.gateway.conftest import Stack, wait_for_state
from tests.services.coordinator.network import group_messages


async def test_messages_are_the_groups_history_in_order_and_page_with_after_and_before(
    stack: Stack,
) -> None:
    async with stack.client() as client:
        created = await client.post(
            "/v1/conversations", json={"goal": "Compute 2+3", "required": ["calculator"]}
        )
        conversation = created.json()["id"]
        await wait_for_state(client, conversation, "concluded")
        posted = [
            (await client.post(f"/v1/conversations/{conversation}/messages", json={"text": t}))
            for t in ("hello 0", "hello 1", "hello 2")
        ]
        url = f"/v1/conversations/{conversation}/messages"
        everything = (await client.get(url)).json()
        seqs = [m["seq"] for m in everything["messages"]]
        page = (await client.get(url, params={"after": seqs[-3], "limit": 2})).json()
        middle = (await client.get(url, params={"after": seqs[0], "limit": 2})).json()
        newest = (await client.get(url, params={"before": seqs[-1] + 1, "limit": 2})).json()
        back = (await client.get(url, params={"before": newest["messages"][0]["seq"]})).json()
        between = await client.get(url, params={"after": seqs[0], "before": seqs[3]})
        async with stack.probe("gateway") as observer:  # the gateway observes every group
            logged = await group_messages(observer, everything["group"])

    assert everything["group"] == conversation  # the coordinator names the group after it
    assert [m["envelope"] for m in everything["messages"]] == logged
    assert seqs == sorted(set(seqs))
    types = [m["envelope"]["type"] for m in everything["messages"]]
    assert "task_assign" in types and types.index("task_assign") < types.index("conclusion")
    assert types[-4:] == ["conclusion", "chat_message", "chat_message", "chat_message"]
    assert seqs[-3:] == [p.json()["seq"] for p in posted]
    assert everything["last_seq"] == seqs[-1]
    assert [m["envelope"]["body"]["text"] for m in page["messages"]] == ["hello 1", "hello 2"]
    assert page["last_seq"] == seqs[-1]
    assert [m["seq"] for m in middle["messages"]] == seqs[1:3]
    assert middle["last_seq"] == seqs[2]  # where the next page starts
    assert [m["envelope"]["body"]["text"] for m in newest["messages"]] == ["hello 1", "hello 2"]
    assert [m["seq"] for m in back["messages"]] == seqs[:-2]  # paged back from the newest
    assert [m["seq"] for m in between.json()["messages"]] == seqs[1:3]


async def test_a_conversation_without_a_group_has_no_messages(stack: Stack) -> None:
    async with stack.client() as client:
        # A required member nobody registered: it fails before any group is made.
        created = await client.post(
            "/v1/conversations", json={"goal": "wait", "required": ["nobody-here"]}
        )
        conversation = created.json()["id"]
        failed = await wait_for_state(client, conversation, "failed")
        response = await client.get(f"/v1/conversations/{conversation}/messages")

    assert failed["group"] is None
    assert response.status_code == 200
    assert response.json() == {
        "conversation": conversation,
        "group": None,
        "messages": [],
        "last_seq": 0,
    }
