"""API keys: created by ``ioa keys create``, stored hashed in the gateway's own database.

A key reads ``ioa_<key id>_<secret>``. The key id finds the row; the secret is
checked against ``sha256(salt || secret)`` with :func:`hmac.compare_digest`. The
secret is 256 random bits, so a slow password hash would add nothing but latency;
the per-key salt keeps equal secrets (there are none) from sharing a hash. Only the
hash is stored: a lost key cannot be shown again, only revoked and replaced.
"""

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Field, Session, SQLModel, create_engine, select

from gateway.audit import AuditEntry
from gateway.people import PendingItem, Person
from protocol.dbspans import trace_engine
from protocol.ids import PERSON_PREFIX

PREFIX = "ioa"
NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
_KEY_RE = re.compile(r"^ioa_([0-9a-f]{16})_([A-Za-z0-9_-]{20,100})$")


class ApiKey(SQLModel, table=True):
    """One API key (its hash, never the key itself)."""

    __tablename__ = "api_keys"

    id: str = Field(primary_key=True, max_length=16)
    name: str = Field(index=True, max_length=64)
    user: str = Field(index=True, max_length=80)
    salt: str = Field(max_length=64)
    digest: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    revoked_at: datetime | None = None


class AdminGrant(SQLModel, table=True):
    """A key that may also use the admin routes (admit agents, manage keys, read the audit)."""

    __tablename__ = "admin_keys"

    key_id: str = Field(primary_key=True, max_length=16)
    granted_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


@dataclass(slots=True, frozen=True)
class Caller:
    """Who is calling: the key's id, the user the gateway speaks for, and whether the
    key is an administrator's."""

    key_id: str
    user: str
    admin: bool = False


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode()).hexdigest()


def open_engine(url: str) -> Engine:
    """The gateway's database (tables created if missing; a sqlite folder too)."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    args = {"check_same_thread": False} if url.startswith("sqlite") else {}
    engine = create_engine(url, connect_args=args)
    trace_engine(engine)
    models = (ApiKey, AdminGrant, AuditEntry, Person, PendingItem)
    tables = [model.__table__ for model in models]  # type: ignore[attr-defined]
    SQLModel.metadata.create_all(engine, tables=tables)
    return engine


def user_for(name: str) -> str:
    return f"{PERSON_PREFIX}{name}"


def create_key(engine: Engine, name: str, *, admin: bool = False) -> tuple[ApiKey, str]:
    """A new key for ``name`` (user ``user:<name>``): the row, and the key to show once."""
    if not re.fullmatch(NAME_PATTERN, name):
        raise ValueError(f"key name {name!r}: use 1-64 letters, digits, _ or -")
    key_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(32), secrets.token_hex(16)
    row = ApiKey(id=key_id, name=name, user=user_for(name), salt=salt, digest=_digest(salt, secret))
    with Session(engine) as session:
        session.add(row)
        if admin:
            session.add(AdminGrant(key_id=key_id))
        session.commit()
        session.refresh(row)
    return row, f"{PREFIX}_{key_id}_{secret}"


def verify(engine: Engine, key: str) -> Caller | None:
    """The caller a key stands for, or None (unknown, wrong or revoked)."""
    match = _KEY_RE.fullmatch(key)
    if match is None:
        return None
    key_id, secret = match.groups()
    with Session(engine) as session:
        row = session.get(ApiKey, key_id)
        admin = session.get(AdminGrant, key_id) is not None
    if row is None or row.revoked_at is not None:
        # Compare anyway, so an unknown id takes as long as a wrong secret.
        hmac.compare_digest(_digest("00" * 16, secret), "0" * 64)
        return None
    if not hmac.compare_digest(_digest(row.salt, secret), row.digest):
        return None
    return Caller(key_id=row.id, user=row.user, admin=admin)


def revoke(engine: Engine, key_id: str) -> bool:
    """Revoke a key by its id (the 16 hex digits after ``ioa_``); False if unknown."""
    with Session(engine) as session:
        row = session.get(ApiKey, key_id)
        if row is None:
            return False
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            session.add(row)
            session.commit()
        return True


def list_keys(engine: Engine) -> list[ApiKey]:
    with Session(engine) as session:
        return list(session.exec(select(ApiKey).order_by(ApiKey.created_at)))  # type: ignore[arg-type]


def database_url(data_dir: Path, environ: dict[str, str] | None = None) -> str:
    """``IOA_GATEWAY_DATABASE_URL`` if set, else ``sqlite:///<data_dir>/gateway.db``."""
    env = os.environ if environ is None else environ
    return env.get("IOA_GATEWAY_DATABASE_URL") or f"sqlite:///{data_dir.resolve()}/gateway.db"
