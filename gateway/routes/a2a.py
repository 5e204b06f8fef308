"""The A2A front door: the network's Agent Card and the A2A 1.0 JSON-RPC endpoint.

``GET /.well-known/agent-card.json`` is public, as A2A discovery needs (it names the
online agents' skills, nothing of any user); ``POST /a2a`` needs an API key like every
other endpoint (401 without one) and works on the caller's conversations only. The
JSON-RPC framing, SSE and error codes are ``a2a-sdk``'s own dispatcher; what each
method does is :mod:`gateway.a2a.handler`.
"""

from a2a.server.request_handlers.response_helpers import agent_card_to_dict
from a2a.server.routes.jsonrpc_dispatcher import JsonRpcDispatcher
from a2a.utils.constants import AGENT_CARD_WELL_KNOWN_PATH
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from gateway.a2a.card import JSONRPC_PATH, NetworkSkills, network_card
from gateway.a2a.handler import ConversationTasks
from gateway.auth import CallerDep
from gateway.deps import ConnDep, SettingsDep
from gateway.problems import Problem

router = APIRouter(tags=["a2a"])


def _skills(request: Request) -> NetworkSkills:
    """The app's one skills cache (made on first use: the lifespan does not know it)."""
    state = request.app.state
    if not hasattr(state, "a2a_skills"):
        state.a2a_skills = NetworkSkills()
    skills: NetworkSkills = state.a2a_skills
    return skills


@router.get(
    AGENT_CARD_WELL_KNOWN_PATH,
    responses={
        200: {"content": {"application/json": {}}, "description": "The A2A Agent Card"},
        503: {"model": Problem},
        504: {"model": Problem},
    },
)
async def agent_card(request: Request, conn: ConnDep) -> JSONResponse:
    """The network as one A2A agent: a skill for each agent online now, the JSON-RPC
    endpoint under this gateway's URL, and the API key as the security scheme."""
    skills = await _skills(request).get(conn)
    card = network_card(str(request.base_url).rstrip("/"), skills)
    return JSONResponse(agent_card_to_dict(card))


@router.post(
    JSONRPC_PATH,
    responses={
        200: {
            "content": {"application/json": {}, "text/event-stream": {}},
            "description": "A JSON-RPC 2.0 answer, or Server-Sent Events for the streaming "
            "methods; A2A errors are JSON-RPC errors",
        },
        401: {"model": Problem},
        429: {"model": Problem},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def a2a_jsonrpc(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    caller: CallerDep,
) -> Response:
    """A2A 1.0 over JSON-RPC (header ``A2A-Version: 1.0``): ``SendMessage``,
    ``SendStreamingMessage``, ``GetTask``, ``ListTasks``, ``CancelTask``,
    ``SubscribeToTask`` on the caller's conversations (task id = context id =
    conversation id)."""
    handler = ConversationTasks(conn, settings, caller)
    dispatcher = JsonRpcDispatcher(handler, shutdown_grace_period=0)
    return await dispatcher.handle_requests(request)
