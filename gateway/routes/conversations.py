"""``/v1/conversations``: start, list, read, post into, cancel, continue, follow live (SSE).

Every endpoint needs an API key and asks the coordinator as the caller's user, so the
coordinator decides who sees what: their own conversations, and those they are a member
of (someone else's is the 404 of an unknown id, on every door).
"""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, status
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from gateway import network
from gateway.auth import CallerDep
from gateway.deps import ConnDep, SettingsDep
from gateway.feed import ConversationFeed, get_state
from gateway.problems import Problem
from gateway.schemas import (
    MAX_SEQ,
    Cancel,
    ConversationCreate,
    ConversationPage,
    ConversationPublic,
    FollowUp,
    MessagesPage,
    Posted,
    UserMessage,
)
from protocol.envelope import Envelope
from protocol.ids import ID_PATTERN
from protocol.kinds import (
    ChatMessage,
    History,
    ListConversations,
    StartConversation,
)
from protocol.kinds.conversation import ConversationStatus
from protocol.tracing import current_trace_id

router = APIRouter(
    prefix="/v1/conversations",
    tags=["conversations"],
    responses={
        401: {"model": Problem},
        404: {"model": Problem},
        422: {"model": Problem},
        429: {"model": Problem},
        503: {"model": Problem},
        504: {"model": Problem},
    },
)

ConversationId = Annotated[str, Path(pattern=ID_PATTERN, description="The conversation id.")]


@router.post("", response_model=ConversationPublic, status_code=status.HTTP_201_CREATED)
async def start_conversation(
    body: ConversationCreate, conn: ConnDep, caller: CallerDep
) -> ConversationPublic:
    """Start a conversation for a goal; its trace starts with this request. The user
    is a member of the team's group; the gateway reads it as an observer. A ``plan``
    asks for the flow step by step, ``conclusion_policy`` for how it ends."""
    state = await network.start(conn, caller, StartConversation(**body.model_dump()))
    return ConversationPublic.of(state, trace_id=current_trace_id())


@router.get("", response_model=ConversationPage)
async def list_conversations(
    conn: ConnDep,
    caller: CallerDep,
    state: Annotated[list[ConversationStatus] | None, Query(description="Only these.")] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ConversationPage:
    """The caller's conversations, newest first, optionally only in the given states."""
    ask = ListConversations(states=list(dict.fromkeys(state or [])), offset=offset, limit=limit)
    found = await network.list_conversations(conn, caller, ask)
    return ConversationPage(
        conversations=[ConversationPublic.of(s) for s in found.conversations],
        total=found.total,
        offset=offset,
        limit=limit,
    )


@router.get("/{conversation}", response_model=ConversationPublic)
async def read_conversation(
    conversation: ConversationId, conn: ConnDep, caller: CallerDep
) -> ConversationPublic:
    """The conversation: state, team (with why each member was chosen), tasks,
    conclusion, usage (turns, tokens, seconds) and trace id."""
    return ConversationPublic.of(await get_state(conn, conversation, reader=caller.user))


@router.get("/{conversation}/messages", response_model=MessagesPage)
async def read_messages(
    conversation: ConversationId,
    conn: ConnDep,
    caller: CallerDep,
    after: Annotated[
        int, Query(ge=0, le=MAX_SEQ, description="Only messages with a higher seq.")
    ] = 0,
    before: Annotated[
        int | None,
        Query(ge=1, le=MAX_SEQ, description="Only messages with a lower seq: the last of them."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> MessagesPage:
    """A page of the conversation's group log, oldest first (empty while it has no group
    yet): the first ``limit`` messages after ``after``, or with ``before`` the last
    ``limit`` below it; page back with ``before`` = the page's first seq."""
    state = await get_state(conn, conversation, reader=caller.user)
    if state.group is None:
        return MessagesPage(conversation=conversation, group=None, messages=[], last_seq=after)
    ask = History(group=state.group, after=after, before=before, limit=limit)
    page = await network.history(conn, conversation, ask)
    return MessagesPage(
        conversation=conversation,
        group=page.group,
        messages=page.messages,
        last_seq=page.last_seq,
    )


@router.get(
    "/{conversation}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
)
async def follow_conversation(
    conversation: ConversationId,
    conn: ConnDep,
    settings: SettingsDep,
    caller: CallerDep,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_SEQ, description="Resume after this seq.")
    ] = None,
    last_event_id: Annotated[int | None, Header(ge=0, le=MAX_SEQ)] = None,
) -> StreamingResponse:
    """Server-Sent Events: ``state`` on every change, ``message`` for every group message
    in order, then ``end`` once the conversation is over. The key comes in a header
    (a browser reads the stream with ``fetch``), never in the URL."""
    start = after if after is not None else (last_event_id or 0)
    feed = ConversationFeed(
        conn,
        conversation,
        reader=caller.user,
        after=start,
        keepalive=settings.sse_keepalive_seconds,
    )
    await feed.open()  # an unknown (or another's) conversation is a 404, not an empty stream
    return StreamingResponse(
        feed.stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        background=BackgroundTask(feed.close),  # also when the stream was never read
    )


@router.post("/{conversation}/messages", response_model=Posted, status_code=status.HTTP_201_CREATED)
async def post_message(
    conversation: ConversationId,
    body: UserMessage,
    conn: ConnDep,
    caller: CallerDep,
) -> Posted:
    """Say something in the conversation's group, as the user; the team sees it.
    ``in_reply_to`` answers a question (a message id). While the team is still forming
    (no group yet) the coordinator keeps the message and posts it once the group exists;
    ``seq`` is then 0."""
    state = await get_state(conn, conversation, reader=caller.user)
    env = Envelope.of(
        ChatMessage(text=body.text, next_speakers=body.next_speakers, mentions=body.next_speakers),
        sender=caller.user,
        conversation=conversation,
        group=state.group,
        in_reply_to=body.in_reply_to,
    )
    return Posted(conversation=conversation, seq=await network.say(conn, env), id=env.id)


@router.post("/{conversation}/cancel", response_model=ConversationPublic)
async def cancel_conversation(
    conversation: ConversationId,
    body: Cancel,
    conn: ConnDep,
    caller: CallerDep,
) -> ConversationPublic:
    """Stop the conversation at once: what it waits for is abandoned, open tasks are
    called off, the members told and the group closed. It ends as ``cancelled``."""
    return ConversationPublic.of(await network.cancel(conn, caller, conversation, body.reason))


@router.post("/{conversation}/continue", response_model=ConversationPublic)
async def continue_conversation(
    conversation: ConversationId,
    body: FollowUp,
    conn: ConnDep,
    caller: CallerDep,
) -> ConversationPublic:
    """Give a concluded conversation a follow-up goal: same team, same history."""
    return ConversationPublic.of(await network.follow_up(conn, caller, conversation, body.goal))
