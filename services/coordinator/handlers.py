"""The coordinator's requests (start, get, accept, decline) and its own inbox."""

from typing import Any

import structlog

from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import InvalidMessage, NotFound
from protocol.ids import new_id
from protocol.kinds import (
    Ack,
    ConversationState,
    GetConversation,
    StartConversation,
    TeamAccept,
    TeamDecline,
)
from protocol.service import Service
from protocol.subjects import COORDINATOR
from protocol.tracing import current_trace_id
from services.coordinator.flow import Flow
from services.coordinator.state import Conversation, ConversationStore

log = structlog.get_logger("ioa.coordinator")

VERSION = "0.1.0"


def build_service(conn: Connection, store: ConversationStore, flow: Flow) -> Service:
    service = Service(conn, COORDINATOR, VERSION, description="forms teams and leads conversations")

    @service.handler("start")
    async def start(env: Envelope[StartConversation]) -> ConversationState:
        body = env.body
        if body.min_team > body.max_team:
            raise InvalidMessage(
                f"min_team ({body.min_team}) is larger than max_team ({body.max_team})",
                in_reply_to=env.id,
            )
        conv = Conversation(
            id=new_id(),
            goal=body.goal,
            requester=env.sender,
            budget=body.budget,
            min_team=body.min_team,
            max_team=body.max_team,
            observers=list(dict.fromkeys([*body.observers, env.sender])),
            trace_id=current_trace_id(),
        )
        await store.create(conv)
        log.info("conversation started", conversation=conv.id, requester=env.sender)
        flow.launch(conv)
        return conv.public()

    @service.handler("get")
    async def get(env: Envelope[GetConversation]) -> ConversationState:
        return (await store.get(env.body.conversation)).public()

    async def answer(env: Envelope[Any]) -> Ack:
        if not flow.deliver(env.model_copy(update={"conversation": env.body.conversation})):
            raise NotFound(
                f"conversation {env.body.conversation!r} is not forming a team here",
                in_reply_to=env.id,
            )
        return Ack()

    @service.handler("accept")
    async def accept(env: Envelope[TeamAccept]) -> Ack:
        return await answer(env)

    @service.handler("decline")
    async def decline(env: Envelope[TeamDecline]) -> Ack:
        return await answer(env)

    return service


async def on_inbox(flow: Flow, env: Envelope[Any]) -> None:
    """Group messages reach the coordinator as a member; they may wake a conversation."""
    if not flow.deliver(env):
        log.debug(
            "message for no running conversation", type=env.type, conversation=env.conversation
        )
