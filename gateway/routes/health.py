"""``GET /healthz``: 200 while the gateway's NATS connection is up, 503 otherwise;
``GET /readyz``: also checks the key database. Neither needs an API key."""

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway.auth import KeyringDep
from gateway.deps import ConnDep
from gateway.schemas import Health

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"model": Health, "description": "NATS is not connected"}},
)
async def healthz(conn: ConnDep) -> JSONResponse:
    up = conn.nc.is_connected
    health = Health(status="ok" if up else "unavailable", nats=up)
    return JSONResponse(health.model_dump(), status_code=200 if up else 503)


@router.get(
    "/readyz",
    response_model=Health,
    responses={503: {"model": Health, "description": "NATS or the database is not reachable"}},
)
async def readyz(conn: ConnDep, keyring: KeyringDep) -> JSONResponse:
    """Ready to serve: NATS connected and the key database answers."""
    up = conn.nc.is_connected
    try:
        await asyncio.to_thread(keyring.ping)
    except Exception:  # any database failure means not ready
        up = False
    health = Health(status="ok" if up else "unavailable", nats=conn.nc.is_connected)
    return JSONResponse(health.model_dump(), status_code=200 if up else 503)
