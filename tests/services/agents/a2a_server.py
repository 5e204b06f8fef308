"""A real A2A 1.0 agent built with ``a2a-sdk``, served by uvicorn on a free port.

It answers in the ways the bridge must map: "add A and B" works (a progress
status, an artifact, completed), "fail" fails, "reject" is rejected, and
anything with "booking" asks for more input (input-required).
"""

import asyncio
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from a2a.helpers.proto_helpers import new_task_from_user_message, new_text_part
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types import (
    AgentCapabilities,
    AgentCard,
    AgentInterface,
    AgentProvider,
    AgentSkill,
    TaskState,
)
from starlette.applications import Starlette


class AdderExecutor(AgentExecutor):
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        text = context.get_user_input()
        self.seen.append(text)
        task = context.current_task
        if task is not None and task.status.state == TaskState.TASK_STATE_INPUT_REQUIRED:
            updater = TaskUpdater(event_queue, task.id, task.context_id)
            await updater.add_artifact([new_text_part(f"Booked for {text}.")], name="booking")
            await updater.complete()
            return
        if task is None:
            assert context.message is not None
            task = new_task_from_user_message(context.message)
            await event_queue.enqueue_event(task)
        updater = TaskUpdater(event_queue, task.id, task.context_id)
        await updater.start_work(updater.new_agent_message([new_text_part("adding up")]))
        if "reject" in text:
            await updater.reject(updater.new_agent_message([new_text_part("not my job")]))
            return
        if "fail" in text:
            await updater.failed(updater.new_agent_message([new_text_part("the adder broke")]))
            return
        if "booking" in text:
            question = "Which date should the booking be for?"
            await updater.requires_input(updater.new_agent_message([new_text_part(question)]))
            return
        numbers = [int(n) for n in re.findall(r"-?\d+", text)]
        if not numbers:
            await updater.failed(updater.new_agent_message([new_text_part("no numbers given")]))
            return
        await asyncio.sleep(0.05)
        await updater.add_artifact([new_text_part(f"The sum is {sum(numbers)}.")], name="sum")
        await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        raise NotImplementedError


def adder_card(url: str, streaming: bool = True) -> AgentCard:
    return AgentCard(
        name="Remote Adder",
        description="Adds whole numbers; an A2A agent from another stack.",
        version="2.1.0",
        provider=AgentProvider(organization="Elsewhere Inc.", url="https://elsewhere.example"),
        supported_interfaces=[
            AgentInterface(url=url, protocol_binding="JSONRPC", protocol_version="1.0")
        ],
        capabilities=AgentCapabilities(streaming=streaming),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[
            AgentSkill(
                id="add",
                name="Add numbers",
                description="Adds the whole numbers in the message.",
                tags=["math", "add", "sum"],
                examples=["add 2 and 40"],
            )
        ],
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def a2a_server(streaming: bool = True) -> Iterator[tuple[str, AdderExecutor]]:
    """Serve the adder on 127.0.0.1 in a thread; yields its base URL and executor."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    card = adder_card(f"{url}/a2a", streaming)
    executor = AdderExecutor()
    handler = DefaultRequestHandler(
        agent_executor=executor, task_store=InMemoryTaskStore(), agent_card=card
    )
    app = Starlette(
        routes=[*create_agent_card_routes(card), *create_jsonrpc_routes(handler, "/a2a")]
    )
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            threading.Event().wait(0.025)
        yield url, executor
    finally:
        server.should_exit = True
        thread.join(10)
