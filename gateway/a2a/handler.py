"""The A2A methods on one caller's conversations (``a2a-sdk``'s ``RequestHandler``).

- ``SendMessage`` / ``SendStreamingMessage``: without a task or context id, the text
  is a new conversation's goal (team options may come in the request's metadata under
  ``ioa``: ``policy``, ``min_team``, ``max_team``, ``required``, ``excluded``, ``depth``,
  ``budget``, ``plan``, ``conclusion_policy``). With the id of a conversation of the
  caller's: a concluded one gets the text as a follow-up goal; a running one gets it as
  the user's post in the group chat;
  a failed or cancelled one cannot go on. ``SendMessage`` waits for the end (at most
  ``IOA_ANSWER_SECONDS``) unless ``returnImmediately``; the stream sends the task, a
  working status for every group message and state change, then the conclusion and the
  final status.
- ``GetTask`` (the group chat as its history), ``ListTasks`` (the caller's, newest
  first), ``CancelTask``, ``SubscribeToTask``.
- Push notifications and the extended card are not offered (the card says so).

A conversation that is not the caller's is "task not found", as if it did not exist.
"""

import contextlib
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass

from a2a.server.context import ServerCallContext
from a2a.server.events import Event
from a2a.server.request_handlers import RequestHandler, validate_request_params
from a2a.types import (
    AgentCard,
    CancelTaskRequest,
    DeleteTaskPushNotificationConfigRequest,
    GetExtendedAgentCardRequest,
    GetTaskPushNotificationConfigRequest,
    GetTaskRequest,
    ListTaskPushNotificationConfigsRequest,
    ListTaskPushNotificationConfigsResponse,
    ListTasksRequest,
    ListTasksResponse,
    Message,
    SendMessageConfiguration,
    SendMessageRequest,
    SubscribeToTaskRequest,
    Task,
    TaskPushNotificationConfig,
    TaskState,
)
from a2a.utils.errors import (
    ExtendedAgentCardNotConfiguredError,
    InternalError,
    InvalidParamsError,
    PushNotificationNotSupportedError,
    TaskNotCancelableError,
    TaskNotFoundError,
    UnsupportedOperationError,
)
from google.protobuf.json_format import MessageToDict
from pydantic import ValidationError

from gateway import network
from gateway.a2a import tasks
from gateway.feed import ConversationFeed, get_state
from gateway.keys import Caller
from gateway.schemas import MAX_SEQ, ConversationCreate
from gateway.settings import GatewaySettings
from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.errors import Conflict, InvalidMessage, IoaError, NotFound
from protocol.ids import is_valid_id
from protocol.kinds import (
    TERMINAL_STATES,
    ChatMessage,
    ConversationState,
    History,
    HistoryPage,
    ListConversations,
    StartConversation,
)

DEFAULT_HISTORY = 100  # messages of the group chat in a task, unless asked for more
MAX_HISTORY = 1000  # the chat service's largest page
DEFAULT_PAGE, MAX_PAGE = 50, 100


@contextlib.contextmanager
def a2a_errors() -> Iterator[None]:
    """Our typed errors as A2A's (JSON-RPC error codes a client can branch on)."""
    try:
        yield
    except NotFound as exc:
        raise TaskNotFoundError(str(exc)) from exc
    except ValidationError as exc:
        wrong = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidParamsError(f"fix these and send again: {wrong}") from exc
    except InvalidMessage as exc:
        raise InvalidParamsError(str(exc)) from exc
    except Conflict as exc:
        raise UnsupportedOperationError(str(exc)) from exc
    except IoaError as exc:
        raise InternalError(f"{exc.code.value}: {exc}", data={"code": exc.code.value}) from exc


@dataclass(slots=True, frozen=True)
class Opened:
    """A conversation a message started or went on with."""

    state: ConversationState
    after: int  # a stream: the group log's last seq before the message (else 0)
    not_before: str | None = None  # a follow-up: the concluded state it replaced


class ConversationTasks(RequestHandler):
    """The A2A methods, for one authenticated caller."""

    def __init__(self, conn: Connection, settings: GatewaySettings, caller: Caller) -> None:
        self.conn, self.settings, self.caller = conn, settings, caller

    # --- messages ---------------------------------------------------------------------

    @validate_request_params
    async def on_message_send(
        self, params: SendMessageRequest, context: ServerCallContext
    ) -> Task | Message:
        with a2a_errors():
            opened = await self._open(params, following=False)
            state = opened.state
            if not params.configuration.return_immediately:
                state = await network.wait_until_over(
                    self.conn,
                    self.caller,
                    state.conversation,
                    self.settings.answer_seconds,
                    not_before=opened.not_before,
                )
            return await self._task(state, _length(params.configuration))

    @validate_request_params
    async def on_message_send_stream(
        self, params: SendMessageRequest, context: ServerCallContext
    ) -> AsyncGenerator[Event]:
        with a2a_errors():
            opened = await self._open(params, following=True)
            async for event in self._follow(opened, _length(params.configuration)):
                yield event

    async def _open(self, params: SendMessageRequest, *, following: bool) -> Opened:
        message = params.message
        text = "\n".join(p.text for p in message.parts if p.HasField("text")).strip()
        if not text:
            raise InvalidParamsError("the message has no text: send the goal as a text part")
        if message.task_id and message.context_id and message.task_id != message.context_id:
            raise InvalidParamsError(
                "taskId and contextId name different conversations; send one of them"
            )
        conversation = message.task_id or message.context_id
        if not conversation:
            options = MessageToDict(params.metadata).get("ioa", {})
            if not isinstance(options, dict):
                raise InvalidParamsError("metadata.ioa must be an object of team options")
            create = ConversationCreate.model_validate({**options, "goal": text})
            start = StartConversation(**create.model_dump())
            return Opened(await network.start(self.conn, self.caller, start), 0)
        state = await self._owned(conversation)
        if state.state in TERMINAL_STATES and state.state != "concluded":
            raise UnsupportedOperationError(
                f"task {conversation} is {state.state}; send the message without a taskId "
                "and contextId to start a new one"
            )
        # A stream goes on from what the group holds before this message, so it shows it.
        after = await self._last_seq(state) if following else 0
        if state.state == "concluded":
            follow_up = await network.follow_up(self.conn, self.caller, conversation, text)
            return Opened(follow_up, after, not_before=state.updated_at.isoformat())
        await self._say(state, text)
        return Opened(state, after)

    async def _say(self, state: ConversationState, text: str) -> None:
        """Post ``text`` into a running conversation as the caller (kept by the
        coordinator until the group exists, while the team forms)."""
        env = Envelope.of(
            ChatMessage(text=text),
            sender=self.caller.user,
            conversation=state.conversation,
            group=state.group,
        )
        await network.say(self.conn, env)

    async def _follow(self, opened: Opened, length: int | None) -> AsyncGenerator[Event]:
        """The task, then what happens in it after ``opened.after``, until it ends."""
        conversation = opened.state.conversation
        feed = ConversationFeed(
            self.conn,
            conversation,
            reader=self.caller.user,
            after=opened.after,
            keepalive=self.settings.sse_keepalive_seconds,
        )
        await feed.open()
        shown: str | None = None
        final: ConversationState | None = None
        try:
            async for item in feed.events():  # the first is always the current state
                if item is None:
                    continue  # sse-starlette sends its own pings
                if item.event == "state":
                    state = ConversationState.model_validate(item.data)
                    if shown is None and state.state in TERMINAL_STATES:
                        yield await self._task(state, length)  # it is all in the task
                        return
                    if shown is None:
                        yield tasks.task_of(state)
                    elif state.state in TERMINAL_STATES:
                        final = state  # said last, after the messages that led to it
                    elif state.state != shown:
                        yield tasks.status_update(state)
                    shown = state.state
                elif item.event == "message":
                    seq, envelope = item.data["seq"], item.data["envelope"]
                    said = tasks.message_of(conversation, seq, envelope)
                    if said is not None:
                        yield tasks.said_update(conversation, said)
                elif item.event == "error":
                    raise InternalError(str(item.data.get("detail", "the feed stopped")))
                elif item.event == "end" and final is not None:
                    if final.state == "concluded":
                        yield tasks.artifact_update(final)
                    yield tasks.status_update(final)
                    return
        finally:
            await feed.close()  # also when the client went away

    # --- tasks ------------------------------------------------------------------------

    @validate_request_params
    async def on_get_task(self, params: GetTaskRequest, context: ServerCallContext) -> Task:
        with a2a_errors():
            state = await self._owned(params.id)
            return await self._task(state, _length(params))

    @validate_request_params
    async def on_list_tasks(
        self, params: ListTasksRequest, context: ServerCallContext
    ) -> ListTasksResponse:
        with a2a_errors():
            states = []
            if params.status != TaskState.TASK_STATE_UNSPECIFIED:
                states = tasks.conversation_states(params.status)
                if not states:
                    return ListTasksResponse(page_size=0, total_size=0)
            size = min(params.page_size or DEFAULT_PAGE, MAX_PAGE)
            offset = _offset(params.page_token)
            if params.context_id:  # a context is one conversation
                try:
                    found = [await self._owned(params.context_id)]
                except NotFound:
                    found = []
                found = [s for s in found if not states or s.state in states]
                page, total = found[offset : offset + size], len(found)
            else:
                ask = ListConversations(states=states, offset=offset, limit=size)
                found_page = await network.list_conversations(self.conn, self.caller, ask)
                page, total = found_page.conversations, found_page.total
            more = offset + len(page) < total
            return ListTasksResponse(
                tasks=[tasks.task_of(state) for state in page],
                next_page_token=str(offset + len(page)) if more else "",
                page_size=size,
                total_size=total,
            )

    @validate_request_params
    async def on_cancel_task(self, params: CancelTaskRequest, context: ServerCallContext) -> Task:
        with a2a_errors():
            state = await self._owned(params.id)
            if state.state in TERMINAL_STATES:
                raise TaskNotCancelableError(f"task {params.id} is already {state.state}")
            await network.cancel(self.conn, self.caller, params.id, "cancelled over A2A")
            # The coordinator calls the open tasks off and ends it at its next step.
            state = await network.wait_until_over(
                self.conn, self.caller, params.id, self.settings.request_timeout
            )
            return await self._task(state, None)

    @validate_request_params
    async def on_subscribe_to_task(
        self, params: SubscribeToTaskRequest, context: ServerCallContext
    ) -> AsyncGenerator[Event]:
        with a2a_errors():
            state = await self._owned(params.id)
            if state.state in TERMINAL_STATES:
                raise UnsupportedOperationError(
                    f"task {params.id} is {state.state}: there is nothing more to follow"
                )
            opened = Opened(state, await self._last_seq(state))
            async for event in self._follow(opened, None):
                yield event

    async def _owned(self, conversation: str) -> ConversationState:
        """The conversation, if the coordinator lets the caller read it (anyone else's is
        not found, as if it did not exist)."""
        if not is_valid_id(conversation):
            raise NotFound(f"no conversation {conversation!r}")
        return await get_state(self.conn, conversation, reader=self.caller.user)

    async def _recent(self, state: ConversationState, limit: int) -> HistoryPage | None:
        """The last ``limit`` messages of the conversation's group chat."""
        if state.group is None:
            return None
        ask = History(group=state.group, before=MAX_SEQ, limit=limit)
        return await network.history(self.conn, state.conversation, ask)

    async def _last_seq(self, state: ConversationState) -> int:
        page = await self._recent(state, 1)
        return page.last_seq if page else 0

    async def _task(self, state: ConversationState, length: int | None) -> Task:
        """The task with its last ``length`` group messages (``None``: the default)."""
        limit = min(DEFAULT_HISTORY if length is None else length, MAX_HISTORY)
        page = await self._recent(state, limit) if limit > 0 else None
        said = [
            tasks.message_of(state.conversation, m.seq, m.envelope)
            for m in (page.messages if page else [])
        ]
        return tasks.task_of(state, [m for m in said if m is not None])

    # --- not offered ------------------------------------------------------------------

    async def on_create_task_push_notification_config(
        self, params: TaskPushNotificationConfig, context: ServerCallContext
    ) -> TaskPushNotificationConfig:
        raise PushNotificationNotSupportedError

    async def on_get_task_push_notification_config(
        self, params: GetTaskPushNotificationConfigRequest, context: ServerCallContext
    ) -> TaskPushNotificationConfig:
        raise PushNotificationNotSupportedError

    async def on_list_task_push_notification_configs(
        self, params: ListTaskPushNotificationConfigsRequest, context: ServerCallContext
    ) -> ListTaskPushNotificationConfigsResponse:
        raise PushNotificationNotSupportedError

    async def on_delete_task_push_notification_config(
        self, params: DeleteTaskPushNotificationConfigRequest, context: ServerCallContext
    ) -> None:
        raise PushNotificationNotSupportedError

    async def on_get_extended_agent_card(
        self, params: GetExtendedAgentCardRequest, context: ServerCallContext
    ) -> AgentCard:
        raise ExtendedAgentCardNotConfiguredError


def _length(asked: SendMessageConfiguration | GetTaskRequest) -> int | None:
    """The history length a send or a read asked for (``None``: not said)."""
    if asked.HasField("history_length"):
        return asked.history_length
    return None


def _offset(token: str) -> int:
    """A ListTasks page token is the offset of the page (we hand out nothing else)."""
    if not token:
        return 0
    if not token.isdigit() or int(token) > 1_000_000:
        raise InvalidParamsError(f"pageToken {token!r} is not one this server gave")
    return int(token)
