"""The gateway as an A2A 1.0 agent, driven by the ``a2a-sdk`` client unchanged (it finds
the key's security scheme in the card), against the real registry, chat, coordinator
and agents; only the LLM is scripted."""

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from a2a.client import (
    A2ACardResolver,
    A2AClientError,
    AuthInterceptor,
    Client,
    ClientCallContext,
    ClientConfig,
    CredentialService,
    create_client,
)
from a2a.types import (
    CancelTaskRequest,
    GetTaskRequest,
    ListTasksRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    StreamResponse,
    SubscribeToTaskRequest,
    Task,
    TaskState,
)
from a2a.utils.errors import TaskNotCancelableError, TaskNotFoundError

from protocol.agent import Agent
from tests.gateway.conftest import Stack
from tests.services.coordinator.network import card

GOAL = "Compute 12*(3+4)"
HELD = {"required": ["gatekeeper"], "max_team": 1}  # the gatekeeper holds it at work
WORKING, COMPLETED = TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_COMPLETED


class TheKey(CredentialService):
    """Hands the client one API key for whichever scheme the card asks for."""

    def __init__(self, key: str) -> None:
        self.key = key

    async def get_credentials(self, scheme: str, context: ClientCallContext | None) -> str:
        return self.key


@contextlib.asynccontextmanager
async def a2a(stack: Stack, key: str | None, **config: Any) -> AsyncIterator[Client]:
    """An ``a2a-sdk`` client of the gateway, from its card, with ``key`` (or none)."""
    async with httpx.AsyncClient(timeout=60) as http:
        auth = [AuthInterceptor(TheKey(key))] if key else []
        client = await create_client(
            stack.url, ClientConfig(httpx_client=http, **config), interceptors=auth
        )
        async with client:
            yield client


def ask(text: str, *, context_id: str = "", **ioa: Any) -> SendMessageRequest:
    request = SendMessageRequest(
        message=Message(
            message_id=f"m-{abs(hash(text))}",
            role=Role.ROLE_USER,
            parts=[Part(text=text)],
            context_id=context_id,
        )
    )
    if ioa:
        request.metadata.update({"ioa": ioa})
    return request


async def sent(client: Client, request: SendMessageRequest) -> list[StreamResponse]:
    return [event async for event in client.send_message(request)]


def text_of(parts: Any) -> str:
    return "\n".join(p.text for p in parts)


async def test_the_card_lists_the_online_agents_skills_and_asks_for_the_key(
    stack: Stack,
) -> None:
    newcomer = card(f"stamps-{stack.names}", "postage", "philately")
    async with (
        Agent(newcomer, stack.net.settings),
        httpx.AsyncClient(timeout=20) as http,
    ):
        served = await A2ACardResolver(http, stack.url).get_agent_card()

    skills = {skill.id: skill for skill in served.skills}
    assert {"calculator", "writer", "gatekeeper", newcomer.id} <= set(skills)
    assert list(skills[newcomer.id].tags) == ["postage", "philately"]
    assert "arithmetic" in skills["calculator"].description.lower()
    assert served.supported_interfaces[0].url == f"{stack.url}/a2a"
    assert served.supported_interfaces[0].protocol_binding == "JSONRPC"
    assert served.capabilities.streaming
    bearer = served.security_schemes["bearer"].http_auth_security_scheme
    assert bearer.scheme == "bearer"
    assert served.security_schemes["apiKey"].api_key_security_scheme.name == "X-API-Key"


async def test_a_blocking_send_returns_the_completed_task_and_a_reply_follows_it_up(
    stack: Stack,
) -> None:
    async with a2a(stack, stack.key, streaming=False) as client:
        (first,) = await sent(client, ask(GOAL, max_team=1))
        task = first.task
        read = await client.get_task(GetTaskRequest(id=task.id))
        (again,) = await sent(client, ask("Compute 84 / 2", context_id=task.context_id))
        listed = await client.list_tasks(ListTasksRequest(status=COMPLETED))

    assert task.status.state == COMPLETED
    assert task.id == task.context_id
    assert "84" in text_of(task.artifacts[0].parts) and task.artifacts[0].name == "conclusion"
    assert "84" in text_of(task.status.message.parts)
    assert read.status.state == COMPLETED and read.artifacts == task.artifacts
    senders = [m.metadata["sender"] for m in read.history]
    assert "calculator" in senders and read.history[-1].metadata["kind"] == "conclusion"
    assert again.task.id == task.id and again.task.status.state == COMPLETED
    assert "42" in text_of(again.task.artifacts[0].parts)
    assert [t.id for t in listed.tasks] == [task.id]


async def test_a_streamed_send_shows_the_team_working_then_the_conclusion(stack: Stack) -> None:
    async with a2a(stack, stack.key, streaming=True) as client:
        events = await sent(client, ask(GOAL, max_team=1))

    kinds = [event.WhichOneof("payload") for event in events]
    states = [e.status_update.status.state for e in events if e.HasField("status_update")]
    said = [
        e.status_update.status.message.metadata["sender"]
        for e in events
        if e.HasField("status_update") and "sender" in e.status_update.status.message.metadata
    ]
    assert kinds[0] == "task" and events[0].task.status.state == WORKING
    assert kinds[-2:] == ["artifact_update", "status_update"]
    assert states[-1] == COMPLETED and set(states[:-1]) == {WORKING}
    assert "calculator" in said  # the group chat, as it happened
    assert "84" in text_of(events[-2].artifact_update.artifact.parts)


async def test_a_running_task_hears_the_user_and_cancelling_ends_it_canceled(
    stack: Stack,
) -> None:
    gatekeeper = stack.gatekeeper
    assert gatekeeper is not None
    async with (
        a2a(stack, stack.key, streaming=False, polling=True) as client,
        a2a(stack, stack.key, streaming=True) as watcher,
    ):
        (first,) = await sent(client, ask("turnstile", **HELD))
        task: Task = first.task
        await gatekeeper.holding(task.id)
        try:
            (told,) = await sent(client, ask("please hurry", context_id=task.id))
            watching = watcher.subscribe(SubscribeToTaskRequest(id=task.id))
            watched = [await anext(watching)]  # the subscription is open
            cancelled = await client.cancel_task(CancelTaskRequest(id=task.id))
            watched += [event async for event in watching]
            with pytest.raises(TaskNotCancelableError):
                await client.cancel_task(CancelTaskRequest(id=task.id))
            read = await client.get_task(GetTaskRequest(id=task.id))
        finally:
            gatekeeper.release(task.id)

    assert first.task.status.state == WORKING and told.task.status.state == WORKING
    users = [text_of(m.parts) for m in read.history if m.role == Role.ROLE_USER]
    assert users == ["please hurry"]
    assert cancelled.status.state == TaskState.TASK_STATE_CANCELED
    assert cancelled.metadata["ioa"]["state"] == "cancelled"
    assert watched[0].task.status.state == WORKING
    assert watched[-1].status_update.status.state == TaskState.TASK_STATE_CANCELED


async def test_without_a_key_it_is_401_and_another_users_task_is_not_found(
    stack: Stack,
) -> None:
    async with a2a(stack, stack.key, streaming=False) as alice:
        (first,) = await sent(alice, ask(GOAL, max_team=1))
    task = first.task
    async with a2a(stack, stack.key_for("bob"), streaming=False) as bob:
        with pytest.raises(TaskNotFoundError):
            await bob.get_task(GetTaskRequest(id=task.id))
        with pytest.raises(TaskNotFoundError):
            await bob.cancel_task(CancelTaskRequest(id=task.id))
        with pytest.raises(TaskNotFoundError):
            await sent(bob, ask("Compute 1+1", context_id=task.id))
        bobs = await bob.list_tasks(ListTasksRequest())
    async with a2a(stack, None, streaming=False) as nobody:
        with pytest.raises(A2AClientError, match="401"):
            await nobody.get_task(GetTaskRequest(id=task.id))
    async with stack.anonymous() as http:
        refused = await http.post("/a2a", json={"jsonrpc": "2.0", "id": 1, "method": "GetTask"})

    assert task.status.state == COMPLETED
    assert list(bobs.tasks) == [] and bobs.total_size == 0
    assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"
