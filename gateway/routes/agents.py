"""``/v1/agents``: the agents the registry knows, online or not; ranked search with scores."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from gateway import network
from gateway.auth import CallerDep
from gateway.deps import ConnDep
from gateway.problems import Problem
from protocol.errors import InvalidMessage
from protocol.ids import ID_PATTERN
from protocol.kinds import AgentInfo, Search, SearchHit, SearchResults
from protocol.subjects import REGISTRY

router = APIRouter(
    prefix="/v1/agents",
    tags=["agents"],
    responses={
        401: {"model": Problem},
        429: {"model": Problem},
        503: {"model": Problem},
        504: {"model": Problem},
    },
)


async def search(conn: ConnDep, ask: Search) -> list[SearchHit]:
    reply = await conn.request(REGISTRY, "search", ask)
    if not isinstance(reply.body, SearchResults):
        raise InvalidMessage(f"the registry answered search with {reply.type!r}")
    return reply.body.hits


@router.get("", response_model=list[SearchHit])
async def list_agents(
    conn: ConnDep,
    caller: CallerDep,
    q: Annotated[
        str, Query(max_length=2000, description="A need in words: ranked search with scores.")
    ] = "",
    tag: Annotated[list[str] | None, Query(max_length=32, description="Only these tags.")] = None,
    online: Annotated[bool, Query(description="Only agents that are online now.")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SearchHit]:
    """Every registered agent with its card and whether it is online; with ``q``, the
    registry's ranked search (best first, with its scores)."""
    tags = [t for t in (tag or []) if t][:32]
    return await search(conn, Search(query=q, tags=tags, online_only=online, limit=limit))


@router.get("/{agent}", response_model=AgentInfo, responses={404: {"model": Problem}})
async def get_agent(
    agent: Annotated[str, Path(pattern=ID_PATTERN, description="The agent's id")],
    conn: ConnDep,
    caller: CallerDep,
) -> AgentInfo:
    """One agent's card, whether it is online, and when it was last seen (404 if unknown)."""
    return await network.agent_info(conn, agent)
