"""``GET /healthz``: 200 while the gateway's NATS connection is up, 503 otherwise."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

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
