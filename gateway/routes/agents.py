"""``/v1/agents``: the agents the registry knows, online or not."""

from fastapi import APIRouter

from gateway.deps import ConnDep
from gateway.problems import Problem
from protocol.errors import InvalidMessage
from protocol.kinds import Search, SearchHit, SearchResults
from protocol.subjects import REGISTRY

router = APIRouter(
    prefix="/v1/agents",
    tags=["agents"],
    responses={503: {"model": Problem}, 504: {"model": Problem}},
)


@router.get("", response_model=list[SearchHit])
async def list_agents(conn: ConnDep) -> list[SearchHit]:
    """Every registered agent with its card, whether it is online, and a score."""
    reply = await conn.request(REGISTRY, "search", Search(query="", online_only=False, limit=500))
    if not isinstance(reply.body, SearchResults):
        raise InvalidMessage(f"the registry answered search with {reply.type!r}")
    return reply.body.hits
