"""``/v1/agents``: the agents the registry knows, online or not."""

from typing import Annotated

from fastapi import APIRouter, Path

from gateway.deps import ConnDep
from gateway.problems import Problem
from protocol.errors import InvalidMessage
from protocol.ids import ID_PATTERN
from protocol.kinds import AgentInfo, GetAgent, Search, SearchHit, SearchResults
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


@router.get("/{agent}", response_model=AgentInfo, responses={404: {"model": Problem}})
async def get_agent(
    agent: Annotated[str, Path(pattern=ID_PATTERN, description="The agent's id")],
    conn: ConnDep,
) -> AgentInfo:
    """One agent's card, whether it is online, and when it was last seen (404 if unknown)."""
    reply = await conn.request(REGISTRY, "get_agent", GetAgent(agent=agent))
    if not isinstance(reply.body, AgentInfo):
        raise InvalidMessage(f"the registry answered get_agent with {reply.type!r}")
    return reply.body
