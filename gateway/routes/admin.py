"""``/v1/admin``: administrators' doors, for keys made with ``ioa keys create --admin``.

Admit an agent onto the secured network (its NATS credentials come back once),
make and revoke API keys, and read the audit log, where each of these actions (and
each refused attempt) is recorded with who did it.
"""

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from gateway import audit, keys
from gateway.auth import CallerDep, KeyringDep
from gateway.deps import ConnDep
from gateway.keys import NAME_PATTERN, Caller
from gateway.problems import Problem
from protocol.errors import Forbidden, InvalidMessage, IoaError, NotFound
from protocol.ids import ID_PATTERN
from protocol.kinds import Admit, Admitted
from protocol.subjects import REGISTRY

router = APIRouter(
    prefix="/v1/admin",
    tags=["admin"],
    responses={
        401: {"model": Problem},
        403: {"model": Problem},
        429: {"model": Problem},
        503: {"model": Problem},
        504: {"model": Problem},
    },
)


async def require_admin(caller: CallerDep, keyring: KeyringDep) -> Caller:
    if not caller.admin:
        await asyncio.to_thread(
            audit.record, keyring.engine, caller.user, "admin access", "-", "refused"
        )
        raise Forbidden(
            "this needs an administrator's API key (ioa keys create --name NAME --admin)"
        )
    return caller


AdminDep = Annotated[Caller, Depends(require_admin)]


class NewKey(BaseModel):
    name: str = Field(pattern=NAME_PATTERN, description="The key speaks for user:<name>.")
    admin: bool = False


class CreatedKey(BaseModel):
    id: str
    user: str
    admin: bool
    key: str = Field(description="Shown only now; only its hash is stored.")


class AuditRecord(BaseModel):
    at: datetime
    actor: str
    action: str
    target: str
    outcome: str
    detail: str


@router.post("/agents/{agent}/admission", response_model=Admitted, status_code=201)
async def admit_agent(
    conn: ConnDep,
    caller: AdminDep,
    keyring: KeyringDep,
    agent: Annotated[str, Path(pattern=ID_PATTERN, max_length=128)],
) -> Admitted:
    """Issue agent ``agent``'s NATS credentials and provision its inbox (a secret:
    hand the ``creds`` text to the agent's operator safely). Revoking needs the
    operator key: ``ioa agent revoke NAME``."""
    try:
        reply = await conn.request(REGISTRY, "admit", Admit(agent=agent))
        if not isinstance(reply.body, Admitted):
            raise InvalidMessage(f"the registry answered admit with {reply.type!r}")
    except IoaError as exc:
        await _record(keyring, caller, "admit agent", agent, "failed", exc.message)
        raise
    await _record(keyring, caller, "admit agent", agent, "done", reply.body.public_key)
    return reply.body


@router.post("/keys", response_model=CreatedKey, status_code=201)
async def create_key(new: NewKey, caller: AdminDep, keyring: KeyringDep) -> CreatedKey:
    row, key = await asyncio.to_thread(keys.create_key, keyring.engine, new.name, admin=new.admin)
    role = "admin key" if new.admin else "key"
    await _record(keyring, caller, f"create {role}", row.user, "done", row.id)
    return CreatedKey(id=row.id, user=row.user, admin=new.admin, key=key)


@router.delete("/keys/{key_id}", status_code=204)
async def revoke_key(
    caller: AdminDep,
    keyring: KeyringDep,
    key_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")],
) -> Response:
    found = await asyncio.to_thread(keys.revoke, keyring.engine, key_id)
    await _record(keyring, caller, "revoke key", key_id, "done" if found else "failed")
    if not found:
        raise NotFound(f"no key {key_id!r}")
    keyring.forget(key_id)
    return Response(status_code=204)


@router.get("/audit", response_model=list[AuditRecord])
async def read_audit(
    _: AdminDep,
    keyring: KeyringDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditRecord]:
    """The newest administrative actions first."""
    rows = await asyncio.to_thread(audit.entries, keyring.engine, limit)
    return [AuditRecord.model_validate(row, from_attributes=True) for row in rows]


async def _record(
    keyring: KeyringDep, caller: Caller, action: str, target: str, outcome: str, detail: str = ""
) -> None:
    await asyncio.to_thread(
        audit.record, keyring.engine, caller.user, action, target, outcome, detail
    )
