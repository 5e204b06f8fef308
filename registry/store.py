"""The registry's table and every database operation on it.

The database, not process memory, is the source of truth: several registry
replicas may serve from one database at once. Every change of the ``online``
flag is a guarded update (``... WHERE online = <what we read>``), so when two
replicas race, exactly one of them sees the change happen and announces it.

SQLAlchemy is synchronous; each operation runs on a worker thread so the event
loop never waits on the database. SQLite gets a single worker (its writers are
serialised anyway), WAL journaling and a busy timeout so that replicas on one
file wait for each other instead of failing.
"""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import structlog
from sqlalchemy import JSON, Column, DateTime, Engine, event, inspect, make_url, select, update
from sqlalchemy import delete as sql_delete
from sqlalchemy.engine import Connection as DbConnection
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel, create_engine

from protocol.kinds import AgentCard

log = structlog.get_logger("ioa.registry.store")

T = TypeVar("T")

# A guarded update loses only when another replica changed the same row between
# our read and our write; a handful of retries is plenty.
_RACE_RETRIES = 8
_IMMEDIATE = "registry_write"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every database.

    Stored as naive UTC so SQLite (which keeps no time zone) compares them correctly.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the registry stores aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class RegisteredAgent(SQLModel, table=True):
    """One agent's card and lease. Owned by the registry; nobody else reads this table."""

    __tablename__ = "registry_agent"

    id: str = Field(primary_key=True, max_length=128)
    name: str = Field(max_length=200)
    card: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    online: bool = Field(index=True)
    lease_seconds: float
    expires_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False, index=True))
    last_seen: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    registered_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


TABLE = RegisteredAgent.__table__  # type: ignore[attr-defined]
C = TABLE.c


@dataclass(slots=True, frozen=True)
class AgentRow:
    """What the registry knows of one agent, as handed out of the store."""

    card: AgentCard
    online: bool
    lease_seconds: float
    expires_at: datetime
    last_seen: datetime


@dataclass(slots=True, frozen=True)
class LeaseChange:
    """The outcome of a register or heartbeat: the new lease, and whether the
    agent came online by it (it was new or offline), which is then announced."""

    agent: AgentRow
    came_online: bool


def _row(values: Any) -> AgentRow:
    return AgentRow(
        card=AgentCard.model_validate(values.card),
        online=bool(values.online),
        lease_seconds=float(values.lease_seconds),
        expires_at=values.expires_at,
        last_seen=values.last_seen,
    )


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and thread sharing."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if in_memory:
        # One shared connection, or every thread would see its own empty database.
        engine = create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide how transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: DbConnection) -> None:
        # A write transaction takes the write lock up front: a deferred one that
        # read first fails outright (SQLITE_BUSY) when another replica wrote in
        # between, while an immediate one simply waits its turn.
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Store:
    """Async access to the registry table. Use as ``async with Store(url) as store``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._executor: ThreadPoolExecutor | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the store is not open; use 'async with Store(...)'")
        return self._engine

    async def __aenter__(self) -> Self:
        is_sqlite = make_url(self.url).get_backend_name() == "sqlite"
        self._executor = ThreadPoolExecutor(
            max_workers=1 if is_sqlite else 4, thread_name_prefix="registry-db"
        )
        self._engine = await self._run(make_engine, self.url)
        await self._run(self._create_table)
        log.info("registry store open", backend=self._engine.dialect.name)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._engine is not None:
            await self._run(self._engine.dispose)
            self._engine = None
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            raise RuntimeError("the store is not open; use 'async with Store(...)'")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def _create_table(self) -> None:
        try:
            SQLModel.metadata.create_all(self.engine, tables=[TABLE])
        except (OperationalError, ProgrammingError, IntegrityError):
            # Another replica created it between our check and our create.
            if not inspect(self.engine).has_table(TABLE.name):
                raise

    def _writing(self) -> Any:
        """A write transaction (immediate on SQLite, see :func:`make_engine`)."""
        return self.engine.execution_options(**{_IMMEDIATE: True}).begin()

    # --- operations ------------------------------------------------------------
    async def register(
        self, card: AgentCard, lease_seconds: float, now: datetime | None = None
    ) -> LeaseChange:
        """Insert or replace ``card``, mark its agent online and start a new lease."""
        return await self._run(self._register, card, lease_seconds, now or utcnow())

    async def renew(self, agent: str, now: datetime | None = None) -> LeaseChange | None:
        """Renew ``agent``'s lease for its registered length; ``None`` if it has no card."""
        return await self._run(self._renew, agent, now or utcnow())

    async def delete(self, agent: str) -> AgentRow | None:
        """Remove ``agent``'s card; return what was removed, or ``None``."""
        return await self._run(self._delete, agent)

    async def get(self, agent: str) -> AgentRow | None:
        return await self._run(self._get, agent)

    async def candidates(self, *, online_only: bool) -> list[AgentRow]:
        """Every agent a search may consider."""
        return await self._run(self._candidates, online_only)

    async def expire(self, now: datetime | None = None) -> list[str]:
        """Mark online agents whose lease ran out offline; return the ids this call changed."""
        return await self._run(self._expire, now or utcnow())

    # --- the synchronous halves, run on the worker thread ---------------------
    def _register(self, card: AgentCard, lease_seconds: float, now: datetime) -> LeaseChange:
        values = {
            "name": card.name,
            "card": card.model_dump(mode="json"),
            "online": True,
            "lease_seconds": lease_seconds,
            "expires_at": now + timedelta(seconds=lease_seconds),
            "last_seen": now,
            "updated_at": now,
        }
        for _ in range(_RACE_RETRIES):
            try:
                with self._writing() as db:
                    was_online = self._online_of(db, card.id)
                    if was_online is None:
                        db.execute(TABLE.insert().values(id=card.id, registered_at=now, **values))
                        return LeaseChange(self._get_in(db, card.id), came_online=True)
                    if self._guarded_update(db, card.id, was_online, values):
                        return LeaseChange(self._get_in(db, card.id), came_online=not was_online)
            except IntegrityError:
                pass  # another replica inserted the same id first; read it and update
        raise RuntimeError(f"could not register {card.id!r}: too much concurrent change")

    def _renew(self, agent: str, now: datetime) -> LeaseChange | None:
        for _ in range(_RACE_RETRIES):
            with self._writing() as db:
                current = db.execute(
                    select(C.online, C.lease_seconds).where(C.id == agent)
                ).one_or_none()
                if current is None:
                    return None
                values = {
                    "online": True,
                    "expires_at": now + timedelta(seconds=current.lease_seconds),
                    "last_seen": now,
                    "updated_at": now,
                }
                if self._guarded_update(db, agent, current.online, values):
                    return LeaseChange(self._get_in(db, agent), came_online=not current.online)
        raise RuntimeError(f"could not renew {agent!r}: too much concurrent change")

    def _delete(self, agent: str) -> AgentRow | None:
        with self._writing() as db:
            found = self._get_in_or_none(db, agent)
            if found is None:
                return None
            gone = db.execute(sql_delete(TABLE).where(C.id == agent)).rowcount
            # Only the replica whose delete removed the row reports it.
            return found if gone else None

    def _get(self, agent: str) -> AgentRow | None:
        with self.engine.connect() as db:
            return self._get_in_or_none(db, agent)

    def _candidates(self, online_only: bool) -> list[AgentRow]:
        query = select(TABLE).order_by(C.name, C.id)
        if online_only:
            query = query.where(C.online.is_(True))
        with self.engine.connect() as db:
            return [_row(values) for values in db.execute(query)]

    def _expire(self, now: datetime) -> list[str]:
        overdue = C.online.is_(True) & (C.expires_at < now)
        changed: list[str] = []
        with self._writing() as db:
            for agent in db.execute(select(C.id).where(overdue)).scalars().all():
                # Guarded again per row: a replica that got here first, or a
                # heartbeat that just renewed the lease, makes this a no-op.
                result = db.execute(
                    update(TABLE).where((C.id == agent) & overdue).values(online=False)
                )
                if result.rowcount:
                    changed.append(agent)
        return changed

    @staticmethod
    def _online_of(db: DbConnection, agent: str) -> bool | None:
        value = db.execute(select(C.online).where(C.id == agent)).scalar_one_or_none()
        return None if value is None else bool(value)

    @staticmethod
    def _guarded_update(
        db: DbConnection, agent: str, was_online: bool, values: dict[str, Any]
    ) -> bool:
        """Apply ``values`` only if ``online`` is still what we read; say whether it was."""
        result = db.execute(
            update(TABLE).where((C.id == agent) & (C.online == was_online)).values(**values)
        )
        return bool(result.rowcount)

    @staticmethod
    def _get_in_or_none(db: DbConnection, agent: str) -> AgentRow | None:
        values = db.execute(select(TABLE).where(C.id == agent)).one_or_none()
        return None if values is None else _row(values)

    @classmethod
    def _get_in(cls, db: DbConnection, agent: str) -> AgentRow:
        found = cls._get_in_or_none(db, agent)
        assert found is not None, "read back inside the transaction that wrote it"
        return found
