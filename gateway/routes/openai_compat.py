"""An OpenAI-compatible front door: ``POST /v1/chat/completions`` and ``GET /v1/models``.

The model picks the network: ``ioa`` (the default flow), ``ioa:<policy>`` (one of
``sequential``, ``round_robin``, ``moderated``, ``autonomous``), or ``agent:<id>``
(a team of that one agent); ``metadata.ioa`` may add the team options of
``POST /v1/conversations`` (an object, or that object as a JSON string, as OpenAI's
metadata values are strings): a plan, a conclusion policy, a budget. The last user
message is the goal, followed by the system
(or developer) messages as its instructions and the earlier turns as its context; the
answer is the conversation's conclusion; ``usage`` counts the conversation's LLM tokens
(prompt and completion) and ``ioa`` carries its id, turns and state.

Follow-ups: send the conversation id (the response's ``ioa.conversation``, also the
``id`` after ``chatcmpl-``) in the ``X-Ioa-Conversation`` header; the last user
message then becomes the concluded conversation's follow-up goal, with the instructions
but not the earlier turns (those are the conversation's own history already).
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Header
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gateway import network
from gateway.auth import CallerDep
from gateway.deps import ConnDep, SettingsDep
from gateway.feed import get_state
from gateway.keys import Caller
from gateway.problems import Problem
from gateway.routes.agents import search
from gateway.schemas import ConversationCreate
from protocol.connection import Connection
from protocol.errors import InvalidMessage
from protocol.ids import is_valid_id
from protocol.kinds import ConversationState, FlowPolicy, Search, StartConversation

router = APIRouter(
    prefix="/v1",
    tags=["openai"],
    responses={401: {"model": Problem}, 422: {"model": Problem}, 429: {"model": Problem}},
)

POLICIES: tuple[str, ...] = tuple(p for p in get_args(FlowPolicy) if p != "planned")
"""The policies a model name picks (a plan comes in ``metadata.ioa``)."""


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: str = Field(max_length=32)
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        parts = self.content or []
        return "\n".join(str(p.get("text", "")) for p in parts if p.get("type") == "text")


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """OpenAI's request; sampling fields (temperature, …) are accepted and ignored."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(default="ioa", max_length=200)
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=1000)
    stream: bool = False
    stream_options: StreamOptions | None = None
    user: str | None = Field(default=None, max_length=200)
    metadata: dict[str, Any] | None = Field(
        default=None, description="ioa: team options, as for POST /v1/conversations."
    )


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AnswerMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AnswerMessage
    finish_reason: Literal["stop", "length"]


class IoaInfo(BaseModel):
    conversation: str
    state: str
    turns: int
    trace_id: str | None


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    ioa: IoaInfo


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "ioa"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


def start_for(model: str, goal: str, metadata: dict[str, Any] | None = None) -> StartConversation:
    """The conversation a model name asks for (422 for an unknown model), with the team
    options of ``metadata["ioa"]`` on top (422 when they are not valid)."""
    start = _by_model(model, goal)
    options = (metadata or {}).get("ioa")
    if options is None:
        return start
    if isinstance(options, str):
        try:
            options = json.loads(options)
        except ValueError:
            raise InvalidMessage("metadata.ioa is not JSON") from None
    if not isinstance(options, dict):
        raise InvalidMessage("metadata.ioa must be an object of team options")
    try:
        asked = ConversationCreate.model_validate({**options, "goal": goal})
    except ValidationError as exc:
        raise InvalidMessage(f"metadata.ioa: {exc.errors()[0]['msg']}") from None
    return StartConversation.model_validate(
        {**start.model_dump(), **asked.model_dump(exclude_unset=True)}
    )


def _by_model(model: str, goal: str) -> StartConversation:
    if model == "ioa":
        return StartConversation(goal=goal)
    kind, _, rest = model.partition(":")
    if kind == "ioa" and rest in POLICIES:
        return StartConversation(goal=goal, policy=rest)  # type: ignore[arg-type]
    if kind == "agent" and is_valid_id(rest):
        return StartConversation(goal=goal, required=[rest], min_team=1, max_team=1)
    raise InvalidMessage(
        f"unknown model {model!r}: use 'ioa', 'ioa:<{'|'.join(POLICIES)}>' or 'agent:<id>'"
    )


GOAL_CHARS = 20_000  # StartConversation.goal's limit
INSTRUCTION_ROLES = ("system", "developer")
EARLIER = "Earlier in this chat:"


def goal_of(messages: list[ChatMessageIn], *, with_turns: bool = True) -> str:
    """The goal the messages ask for: the last user message first (team formation reads
    the request before anything else), then the instructions and the earlier turns,
    labelled. When it is too long, the oldest turns are left out."""
    said = [(m.role, text) for m in messages if (text := m.text().strip())]
    asks = [n for n, (role, _) in enumerate(said) if role == "user"]
    if not asks:
        raise InvalidMessage("the messages have no user message with text")
    last = asks[-1]
    parts = [said[last][1]]
    instructions = [text for role, text in said if role in INSTRUCTION_ROLES]
    if instructions:
        parts.append("Instructions (system message):\n" + "\n".join(instructions))
    turns = [f"{role}: {text}" for role, text in said[:last] if role not in INSTRUCTION_ROLES]
    room = GOAL_CHARS - len("\n\n".join(parts)) - len("\n\n" + EARLIER)
    kept: list[str] = []
    for turn in reversed(turns if with_turns else []):  # the newest are kept
        room -= len(turn) + 1
        if room < 0:
            break
        kept.insert(0, turn)
    if kept:
        parts.append(EARLIER + "".join(f"\n{turn}" for turn in kept))
    return "\n\n".join(parts)[:GOAL_CHARS]


async def _begin(
    conn: Connection,
    caller: Caller,
    body: ChatCompletionRequest,
    conversation: str | None,
) -> tuple[ConversationState, str | None]:
    """Start (or continue) the conversation; also what its last update was before."""
    if conversation is None:
        start = start_for(body.model, goal_of(body.messages), body.metadata)
        return await network.start(conn, caller, start), None
    before = await get_state(conn, conversation, reader=caller.user)
    goal = goal_of(body.messages, with_turns=False)
    state = await network.follow_up(conn, caller, conversation, goal)
    return state, before.updated_at.isoformat()


def _answer(state: ConversationState) -> tuple[str, Literal["stop", "length"]]:
    if state.state == "concluded":
        return state.conclusion or "", "stop"
    if state.state in ("failed", "cancelled"):
        return f"[{state.state}] {state.reason or ''}".strip(), "stop"
    return f"[{state.state}] no conclusion yet; follow conversation {state.conversation}", "length"


def _usage(state: ConversationState) -> Usage:
    prompt, completion = state.prompt_tokens, state.completion_tokens
    return Usage(
        prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
    )


def _info(state: ConversationState) -> IoaInfo:
    return IoaInfo(
        conversation=state.conversation,
        state=state.state,
        turns=state.turns,
        trace_id=state.trace_id,
    )


@router.post("/chat/completions", response_model=ChatCompletion)
async def chat_completions(
    body: ChatCompletionRequest,
    conn: ConnDep,
    settings: SettingsDep,
    caller: CallerDep,
    x_ioa_conversation: Annotated[str | None, Header(max_length=128)] = None,
) -> Any:
    """A goal in, the team's conclusion out (``stream=true``: OpenAI's SSE chunks)."""
    if x_ioa_conversation is not None and not is_valid_id(x_ioa_conversation):
        raise InvalidMessage("X-Ioa-Conversation is not a conversation id")
    state, before = await _begin(conn, caller, body, x_ioa_conversation)
    conversation = state.conversation
    created = int(time.time())
    if not body.stream:
        state = await network.wait_until_over(
            conn, caller, conversation, settings.answer_seconds, not_before=before
        )
        text, finish = _answer(state)
        return ChatCompletion(
            id=f"chatcmpl-{conversation}",
            created=created,
            model=body.model,
            choices=[Choice(message=AnswerMessage(content=text), finish_reason=finish)],
            usage=_usage(state),
            ioa=_info(state),
        )
    include_usage = bool(body.stream_options and body.stream_options.include_usage)

    def chunk(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> bytes:
        choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
        data = {
            "id": f"chatcmpl-{conversation}",
            "object": "chat.completion.chunk",
            "created": created,
            "model": body.model,
            "choices": choices,
            **extra,
        }
        return f"data: {json.dumps(data)}\n\n".encode()

    async def chunks() -> AsyncIterator[bytes]:
        yield chunk({"role": "assistant", "content": ""})
        waiting = asyncio.create_task(
            network.wait_until_over(
                conn, caller, conversation, settings.answer_seconds, not_before=before
            )
        )
        try:
            while not waiting.done():
                done, _ = await asyncio.wait({waiting}, timeout=settings.sse_keepalive_seconds)
                if not done:
                    yield b": keepalive\n\n"
            final = waiting.result()
        finally:
            waiting.cancel()
        text, finish = _answer(final)
        yield chunk({"content": text})
        yield chunk({}, finish, ioa=_info(final).model_dump())
        if include_usage:
            yield chunk(None, usage=_usage(final).model_dump())
        yield b"data: [DONE]\n\n"

    return StreamingResponse(
        chunks(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


@router.get("/models", response_model=ModelList)
async def list_models(conn: ConnDep, caller: CallerDep) -> ModelList:
    """``ioa``, ``ioa:<policy>`` and ``agent:<id>`` for every online agent."""
    hits = await search(conn, Search(query="", online_only=True, limit=500))
    names = ["ioa", *(f"ioa:{p}" for p in POLICIES), *(f"agent:{h.card.id}" for h in hits)]
    return ModelList(data=[ModelCard(id=name) for name in names])
