"""The registry's tables and every database operation on them.

The database, not process memory, is the source of truth: several registry
replicas may serve from one database at once. Every change of the ``online``
flag is a guarded update (``... WHERE online = <what we read>``), so when two
replicas race, exactly one of them sees the change happen and announces it.

Tables (all owned by the registry):

- ``registry_card``: the card, its lease (epoch seconds, so that renewing is
  one ``UPDATE ... SET lease_expires = :now + lease_seconds``) and status;
- ``registry_facet``: (kind, value, agent) rows for the skill, tag and
  protocol-version filters, indexed so a filter is an index lookup;
- ``registry_fts``: the full-text index (FTS5 or ``tsvector``, see
  :mod:`registry.fulltext`), written in the card's transaction;
- ``registry_embedding``: card embeddings for semantic search, keyed by model.

SQLAlchemy is synchronous; each operation runs on a worker thread so the event
loop never waits on the database. SQLite gets one writer thread (its writers
are serialised anyway) and reader threads (WAL lets them read while it
writes), and a busy timeout so that replicas on one file wait for each other.
"""

import asyncio
import contextvars
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import structlog
from sqlalchemy import (
    JSON,
    Column,
    Engine,
    LargeBinary,
    and_,
    bindparam,
    event,
    func,
    inspect,
    literal_column,
    make_url,
    select,
    text,
    update,
)
from sqlalchemy import delete as sql_delete
from sqlalchemy.engine import Connection as DbConnection
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.pool import StaticPool
from sqlmodel import Field, SQLModel, create_engine

from protocol.dbspans import trace_engine
from protocol.kinds import AgentCard
from registry.cardtext import card_hash, facets_of, fields_of
from registry.fulltext import FTS_TABLE, LexicalIndex, index_for

log = structlog.get_logger("ioa.registry.store")

T = TypeVar("T")

# A guarded update loses only when another replica changed the same row between
# our read and our write; a handful of retries is plenty.
_RACE_RETRIES = 8
_IMMEDIATE = "registry_write"
# Bound parameter lists (SQLite allows 32,766 variables; keep statements small).
_CHUNK = 500


def utcnow() -> datetime:
    return datetime.now(UTC)


def _epoch(moment: datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError("the registry takes aware datetimes only")
    return moment.timestamp()


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class RegisteredAgent(SQLModel, table=True):
    """One agent's card and lease. Times are epoch seconds (UTC)."""

    __tablename__ = "registry_card"

    id: str = Field(primary_key=True, max_length=128)
    name: str = Field(max_length=200, index=True)
    card: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    card_hash: str = Field(max_length=64)
    online: bool = Field(index=True)
    lease_seconds: float
    lease_expires: float = Field(index=True)
    last_seen: float
    registered_at: float
    updated_at: float


class AgentFacet(SQLModel, table=True):
    """A value a search may filter on: ``skill`` id, ``tag`` (lower case), ``protocol``."""

    __tablename__ = "registry_facet"

    kind: str = Field(primary_key=True, max_length=16)
    value: str = Field(primary_key=True, max_length=200)
    agent_id: str = Field(primary_key=True, max_length=128, index=True)


class AgentEmbedding(SQLModel, table=True):
    """A card's embedding by one model; current while ``card_hash`` matches the card's."""

    __tablename__ = "registry_embedding"

    agent_id: str = Field(primary_key=True, max_length=128)
    model: str = Field(primary_key=True, max_length=200)
    card_hash: str = Field(max_length=64)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    written_at: float


class IssuedCredential(SQLModel, table=True):
    """NATS credentials issued to an agent at admission: who, when, by whom, and whether
    they were revoked (the audit trail of admission). The secret is never stored."""

    __tablename__ = "registry_credential"

    public_key: str = Field(primary_key=True, max_length=64)
    agent_id: str = Field(max_length=128, index=True)
    issued_by: str = Field(max_length=128)
    issued_at: float
    revoked_by: str | None = Field(default=None, max_length=128)
    revoked_at: float | None = None


TABLE = RegisteredAgent.__table__  # type: ignore[attr-defined]
FACETS = AgentFacet.__table__  # type: ignore[attr-defined]
EMBEDDINGS = AgentEmbedding.__table__  # type: ignore[attr-defined]
CREDENTIALS = IssuedCredential.__table__  # type: ignore[attr-defined]
C = TABLE.c
F = FACETS.c
E = EMBEDDINGS.c
_ROW_COLUMNS = (C.card, C.online, C.lease_seconds, C.lease_expires, C.last_seen)
_ONLINE_OF = select(C.id, C.online).where(C.id.in_(bindparam("ids", expanding=True)))
# ``online`` changes only from what was read (see the module docstring); run for many rows.
_GUARDED_UPDATE = update(TABLE).where(
    (C.id == bindparam("b_id")) & (C.online == bindparam("b_was"))
)
_DELETE_FACETS = sql_delete(FACETS).where(F.agent_id.in_(bindparam("ids", expanding=True)))


class _Redo(Exception):
    """A batch cannot be written in one go: roll it back and write its cards one by one."""


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


@dataclass(slots=True, frozen=True)
class Renewal:
    """A heartbeat's outcome, without the card (renewals do not read it)."""

    agent: str
    lease_seconds: float
    expires_at: datetime
    came_online: bool


@dataclass(slots=True, frozen=True)
class Filters:
    """What every hit must satisfy."""

    online_only: bool = True
    skills: Sequence[str] = ()
    tags: Sequence[str] = ()
    protocol_version: str | None = None

    def facets(self) -> list[tuple[str, str]]:
        wanted = [("skill", s) for s in self.skills] + [("tag", t.lower()) for t in self.tags]
        if self.protocol_version:
            wanted.append(("protocol", self.protocol_version))
        return wanted


@dataclass(slots=True, frozen=True)
class Scored:
    row: AgentRow
    score: float


@dataclass(slots=True)
class StoredVectors:
    """Every current embedding of one model: agent ids and their raw float32 vectors."""

    version: tuple[int, float]
    agents: list[str] = field(default_factory=list)
    vectors: list[bytes] = field(default_factory=list)


def _row(values: Any) -> AgentRow:
    return AgentRow(
        card=AgentCard.model_validate(values.card),
        online=bool(values.online),
        lease_seconds=float(values.lease_seconds),
        expires_at=_moment(values.lease_expires),
        last_seen=_moment(values.last_seen),
    )


def _card_values(card: AgentCard, now: float) -> dict[str, Any]:
    """The columns a card determines."""
    return {
        "name": card.name,
        "card": card.model_dump(mode="json"),
        "card_hash": card_hash(card),
        "updated_at": now,
    }


def _is_memory(url: str) -> bool:
    parsed = make_url(url)
    database = parsed.database or ""
    return parsed.get_backend_name() == "sqlite" and (
        database in ("", ":memory:") or database.startswith("file::memory:")
    )


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and thread sharing."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=8)
    if _is_memory(url):
        # One shared connection, or every thread would see its own empty database.
        engine = create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
    else:
        Path(parsed.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    in_memory = _is_memory(url)

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


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Store:
    """Async access to the registry tables. Use as ``async with Store(url) as store``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._index: LexicalIndex | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._readers: ThreadPoolExecutor | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the store is not open; use 'async with Store(...)'")
        return self._engine

    @property
    def index(self) -> LexicalIndex:
        if self._index is None:
            raise RuntimeError("the store is not open; use 'async with Store(...)'")
        return self._index

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def __aenter__(self) -> Self:
        is_sqlite = make_url(self.url).get_backend_name() == "sqlite"
        self._writer = ThreadPoolExecutor(
            max_workers=1 if is_sqlite else 4, thread_name_prefix="registry-db"
        )
        # An in-memory SQLite database is one connection: everything on one thread.
        self._readers = (
            self._writer
            if _is_memory(self.url)
            else ThreadPoolExecutor(max_workers=2, thread_name_prefix="registry-db-read")
        )
        self._engine = await self._write(make_engine, self.url)
        trace_engine(self._engine)
        self._index = index_for(self._engine.dialect.name)
        await self._write(self._create_tables)
        log.info("registry store open", backend=self._engine.dialect.name)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._engine is not None:
            await self._write(self._engine.dispose)
            self._engine = None
        for executor in {self._writer, self._readers}:
            if executor is not None:
                executor.shutdown(wait=True)
        self._writer = self._readers = None

    async def _write(self, fn: Callable[..., T], *args: Any) -> T:
        if self._writer is None:
            raise RuntimeError("the store is not open; use 'async with Store(...)'")
        # The copied context carries the caller's span to the thread: statements are its children.
        run = contextvars.copy_context().run
        return await asyncio.get_running_loop().run_in_executor(self._writer, run, fn, *args)

    async def _read(self, fn: Callable[..., T], *args: Any) -> T:
        if self._readers is None:
            raise RuntimeError("the store is not open; use 'async with Store(...)'")
        run = contextvars.copy_context().run
        return await asyncio.get_running_loop().run_in_executor(self._readers, run, fn, *args)

    def _create_tables(self) -> None:
        tables = [TABLE, FACETS, EMBEDDINGS, CREDENTIALS]
        for attempt in range(3):
            try:
                SQLModel.metadata.create_all(self.engine, tables=tables)
                with self._writing() as db:
                    self.index.create(db)
                return
            except (OperationalError, ProgrammingError, IntegrityError):
                # Another replica created them between our check and our create.
                if attempt == 2 and not all(
                    inspect(self.engine).has_table(t.name) for t in (*tables, FTS_TABLE)
                ):
                    raise

    def _writing(self) -> Any:
        """A write transaction (immediate on SQLite, see :func:`make_engine`)."""
        return self.engine.execution_options(**{_IMMEDIATE: True}).begin()

    # --- operations ------------------------------------------------------------
    async def register(
        self, card: AgentCard, lease_seconds: float, now: datetime | None = None
    ) -> LeaseChange:
        """Insert or replace ``card``, mark its agent online and start a new lease."""
        return await self._write(self._register, card, lease_seconds, _epoch(now or utcnow()))

    async def register_many(
        self, items: Sequence[tuple[AgentCard, float]], now: datetime | None = None
    ) -> list[LeaseChange]:
        """Register many cards in one transaction; the changes in the same order."""
        return await self._write(self._register_many, list(items), _epoch(now or utcnow()))

    async def update(self, card: AgentCard, now: datetime | None = None) -> AgentRow | None:
        """Replace a registered agent's card, keeping its lease and status; ``None`` if it
        has no card."""
        return await self._write(self._update, card, _epoch(now or utcnow()))

    async def renew(self, agent: str, now: datetime | None = None) -> LeaseChange | None:
        """Renew ``agent``'s lease for its registered length; ``None`` if it has no card."""
        return await self._write(self._renew, agent, _epoch(now or utcnow()))

    async def renew_many(
        self, agents: Sequence[str], now: datetime | None = None
    ) -> dict[str, Renewal]:
        """Renew many leases in one transaction; agents without a card are left out.

        Online agents (nearly all heartbeats) are renewed by one ``UPDATE ...
        RETURNING`` per chunk; only offline ones take the guarded path.
        """
        return await self._write(self._renew_many, list(dict.fromkeys(agents)), now)

    async def delete(self, agent: str) -> AgentRow | None:
        """Remove ``agent``'s card; return what was removed, or ``None``."""
        return await self._write(self._delete, agent)

    async def get(self, agent: str) -> AgentRow | None:
        return await self._read(self._get, agent)

    async def counts(self) -> dict[bool, int]:
        """How many agents are registered, by their ``online`` flag."""
        return await self._read(self._counts)

    async def candidates(self, *, online_only: bool) -> list[AgentRow]:
        """Every agent a search may consider, by name."""
        return await self.listing(Filters(online_only=online_only), limit=None)

    async def listing(self, filters: Filters, limit: int | None) -> list[AgentRow]:
        """The agents passing ``filters``, by name then id."""
        return await self._read(self._listing, filters, limit)

    async def lexical(self, terms: list[str], filters: Filters, limit: int) -> list[Scored]:
        """The best full-text matches of ``terms`` passing ``filters``, best first."""
        if not terms:
            return []
        return await self._read(self._lexical, terms, filters, limit)

    async def rows(self, agents: Sequence[str], filters: Filters) -> dict[str, AgentRow]:
        """The rows of ``agents`` that pass ``filters``."""
        return await self._read(self._rows, list(agents), filters)

    async def expire(self, now: datetime | None = None) -> list[str]:
        """Mark online agents whose lease ran out offline; return the ids this call changed."""
        return await self._write(self._expire, _epoch(now or utcnow()))

    async def take_offline(self, agent: str) -> bool:
        """Mark ``agent`` offline without announcing it (its coming online was never
        announced either: a registration that could not finish); whether it was online."""
        return await self._write(self._take_offline, agent)

    # --- embeddings ----------------------------------------------------------
    async def unembedded(self, model: str, limit: int) -> list[tuple[str, str, AgentCard]]:
        """Up to ``limit`` cards with no current embedding by ``model``: (id, hash, card)."""
        return await self._read(self._unembedded, model, limit)

    async def save_embeddings(self, model: str, items: Sequence[tuple[str, str, bytes]]) -> None:
        """Store (agent, card hash, vector) rows; a card changed meanwhile is skipped."""
        await self._write(self._save_embeddings, model, list(items))

    async def vectors_version(self, model: str) -> tuple[int, float]:
        """Changes whenever an embedding of ``model`` is written or removed."""
        return await self._read(self._vectors_version, model)

    async def vectors(self, model: str) -> StoredVectors:
        return await self._read(self._vectors, model)

    # --- admission -------------------------------------------------------------
    async def record_credential(self, agent: str, public_key: str, issued_by: str) -> None:
        await self._write(self._record_credential, agent, public_key, issued_by, _epoch(utcnow()))

    async def revoke_credentials(
        self, agent: str, revoked_by: str, only: Sequence[str] = ()
    ) -> list[str]:
        """Mark ``agent``'s credentials (all, or ``only`` these) revoked; their public keys."""
        return await self._write(
            self._revoke_credentials, agent, revoked_by, list(only), _epoch(utcnow())
        )

    def _record_credential(self, agent: str, public_key: str, by: str, now: float) -> None:
        with self._writing() as db:
            db.execute(
                CREDENTIALS.insert().values(
                    public_key=public_key, agent_id=agent, issued_by=by, issued_at=now
                )
            )

    def _revoke_credentials(self, agent: str, by: str, only: list[str], now: float) -> list[str]:
        K = CREDENTIALS.c
        which = K.agent_id == agent
        if only:
            which = which & K.public_key.in_(only)
        with self._writing() as db:
            keys = list(db.execute(select(K.public_key).where(which)).scalars())
            db.execute(
                update(CREDENTIALS)
                .where(which & K.revoked_at.is_(None))
                .values(revoked_by=by, revoked_at=now)
            )
        return keys

    # --- the synchronous halves, run on worker threads ------------------------
    def _register(self, card: AgentCard, lease_seconds: float, now: float) -> LeaseChange:
        for _ in range(_RACE_RETRIES):
            try:
                with self._writing() as db:
                    return self._register_in(db, [(card, lease_seconds)], now)[0]
            except (IntegrityError, _Redo):
                pass  # another replica wrote the same id first; read it again and update
        raise RuntimeError(f"could not register {card.id!r}: too much concurrent change")

    def _register_many(self, items: list[tuple[AgentCard, float]], now: float) -> list[LeaseChange]:
        # One transaction and a few bulk statements for the whole batch; should a race
        # with another replica spoil it (it is rolled back), each card goes on its own.
        try:
            with self._writing() as db:
                return self._register_in(db, items, now)
        except (IntegrityError, _Redo):
            return [self._register(card, lease, now) for card, lease in items]

    def _register_in(
        self, db: DbConnection, items: Sequence[tuple[AgentCard, float]], now: float
    ) -> list[LeaseChange]:
        """Insert or update every card inside ``db``; :class:`_Redo` when that cannot be
        done in one go (a guarded update lost a race, an agent is in ``items`` twice)."""
        ids = [card.id for card, _ in items]
        if len(set(ids)) < len(ids):
            raise _Redo
        was_online = self._online_of(db, ids)
        values = {
            card.id: {
                **_card_values(card, now),
                "online": True,
                "lease_seconds": lease,
                "lease_expires": now + lease,
                "last_seen": now,
            }
            for card, lease in items
        }
        fresh = [
            {"id": agent, "registered_at": now, **values[agent]}
            for agent in ids
            if agent not in was_online
        ]
        if fresh:
            db.execute(TABLE.insert(), fresh)
        if was_online:
            known = [{"b_id": a, "b_was": on, **values[a]} for a, on in was_online.items()]
            if db.execute(_GUARDED_UPDATE, known).rowcount != len(known):
                raise _Redo
        self._index_cards(db, [card for card, _ in items], replacing=list(was_online))
        return [
            LeaseChange(
                AgentRow(card, True, lease, _moment(now + lease), _moment(now)),
                came_online=not was_online.get(card.id, False),
            )
            for card, lease in items
        ]

    def _update(self, card: AgentCard, now: float) -> AgentRow | None:
        # No guard needed: an update leaves ``online`` alone, so it never races a status change.
        values = _card_values(card, now)
        with self._writing() as db:
            if not db.execute(update(TABLE).where(C.id == card.id).values(**values)).rowcount:
                return None
            self._index_cards(db, [card], replacing=[card.id])
            return self._get_in(db, card.id)

    def _index_cards(
        self, db: DbConnection, cards: Sequence[AgentCard], replacing: Sequence[str]
    ) -> None:
        """Write the facets and full-text entries of ``cards``; those of the agents in
        ``replacing`` (already registered) are removed first."""
        for chunk in _chunks(replacing):
            db.execute(_DELETE_FACETS, {"ids": list(chunk)})
            self.index.delete(db, chunk)
        facets = [
            {"kind": kind, "value": value[:200], "agent_id": card.id}
            for card in cards
            for kind, value in facets_of(card)
        ]
        if facets:
            db.execute(FACETS.insert(), facets)
        self.index.insert(db, [(card.id, fields_of(card)) for card in cards])

    def _renew(self, agent: str, now: float) -> LeaseChange | None:
        for _ in range(_RACE_RETRIES):
            with self._writing() as db:
                current = db.execute(
                    select(C.online, C.lease_seconds).where(C.id == agent)
                ).one_or_none()
                if current is None:
                    return None
                values = {
                    "online": True,
                    "lease_expires": now + current.lease_seconds,
                    "last_seen": now,
                }
                if self._guarded_update(db, agent, current.online, values):
                    return LeaseChange(self._get_in(db, agent), came_online=not current.online)
        raise RuntimeError(f"could not renew {agent!r}: too much concurrent change")

    def _renew_many(self, agents: list[str], now_at: datetime | None) -> dict[str, Renewal]:
        now = _epoch(now_at or utcnow())
        renewed: dict[str, Renewal] = {}
        renew = (
            update(TABLE)
            .where(C.online.is_(True) & C.id.in_(bindparam("ids", expanding=True)))
            .values(lease_expires=literal_column("lease_seconds") + now, last_seen=now)
            .returning(C.id, C.lease_seconds, C.lease_expires)
        )
        with self._writing() as db:
            for chunk in _chunks(agents):
                for row in db.execute(renew, {"ids": list(chunk)}):
                    renewed[row.id] = Renewal(
                        row.id, float(row.lease_seconds), _moment(row.lease_expires), False
                    )
        # Offline (or unknown) agents: the guarded path, which also says who came online.
        for agent in agents:
            if agent not in renewed:
                change = self._renew(agent, now)
                if change is not None:
                    row = change.agent
                    renewed[agent] = Renewal(
                        agent, row.lease_seconds, row.expires_at, change.came_online
                    )
        return renewed

    def _delete(self, agent: str) -> AgentRow | None:
        with self._writing() as db:
            found = self._get_in_or_none(db, agent)
            if found is None:
                return None
            self.index.delete(db, [agent])  # first: it finds its entry through the card row
            gone = db.execute(sql_delete(TABLE).where(C.id == agent)).rowcount
            db.execute(sql_delete(FACETS).where(F.agent_id == agent))
            db.execute(sql_delete(EMBEDDINGS).where(E.agent_id == agent))
            # Only the replica whose delete removed the row reports it.
            return found if gone else None

    def _get(self, agent: str) -> AgentRow | None:
        with self.engine.connect() as db:
            return self._get_in_or_none(db, agent)

    def _counts(self) -> dict[bool, int]:
        with self.engine.connect() as db:
            rows = db.execute(select(C.online, func.count()).group_by(C.online)).all()
        return {bool(online): count for online, count in rows}

    @staticmethod
    def _filter(query: Any, filters: Filters) -> Any:
        if filters.online_only:
            query = query.where(C.online.is_(True))
        for kind, value in filters.facets():
            query = query.where(
                C.id.in_(select(F.agent_id).where((F.kind == kind) & (F.value == value)))
            )
        return query

    def _listing(self, filters: Filters, limit: int | None) -> list[AgentRow]:
        query = self._filter(select(*_ROW_COLUMNS).order_by(C.name, C.id), filters)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as db:
            return [_row(values) for values in db.execute(query)]

    def _lexical(self, terms: list[str], filters: Filters, limit: int) -> list[Scored]:
        match = self.index.match(terms)
        params: dict[str, Any] = {**match.params, "limit": limit}
        where = [match.condition, match.join]
        if filters.online_only:
            where.append("c.online = :online")
            params["online"] = True
        for n, (kind, value) in enumerate(filters.facets()):
            where.append(
                f"c.id IN (SELECT agent_id FROM {FACETS.name} WHERE kind = :k{n} AND value = :v{n})"
            )
            params[f"k{n}"], params[f"v{n}"] = kind, value
        # Raw SQL: the virtual table (FTS5) and the tsquery function call have no
        # SQLAlchemy table objects; every value is a bound parameter.
        query = text(
            "SELECT c.card, c.online, c.lease_seconds, c.lease_expires, c.last_seen, "
            f"{match.score} AS score FROM {match.source}, {TABLE.name} AS c "
            f"WHERE {' AND '.join(where)} ORDER BY score DESC, c.name, c.id LIMIT :limit"
        ).columns(card=JSON)
        with self.engine.connect() as db:
            return [
                Scored(_row(values), float(values.score)) for values in db.execute(query, params)
            ]

    def _rows(self, agents: list[str], filters: Filters) -> dict[str, AgentRow]:
        found: dict[str, AgentRow] = {}
        with self.engine.connect() as db:
            for chunk in _chunks(agents):
                query = self._filter(select(C.id, *_ROW_COLUMNS).where(C.id.in_(chunk)), filters)
                found.update((values.id, _row(values)) for values in db.execute(query))
        return found

    def _expire(self, now: float) -> list[str]:
        # One statement: each row changes once, so each expiry is reported by the
        # one replica whose update changed it (PostgreSQL re-checks the WHERE of a
        # row another transaction just updated; SQLite serialises writers).
        overdue = C.online.is_(True) & (C.lease_expires < now)
        with self._writing() as db:
            result = db.execute(update(TABLE).where(overdue).values(online=False).returning(C.id))
            return [agent for (agent,) in result]

    def _take_offline(self, agent: str) -> bool:
        with self._writing() as db:
            return self._guarded_update(db, agent, True, {"online": False})

    def _unembedded(self, model: str, limit: int) -> list[tuple[str, str, AgentCard]]:
        current = and_(E.agent_id == C.id, E.model == model, E.card_hash == C.card_hash)
        query = (
            select(C.id, C.card_hash, C.card)
            .where(~select(E.agent_id).where(current).exists())
            .order_by(C.updated_at)
            .limit(limit)
        )
        with self.engine.connect() as db:
            return [
                (row.id, row.card_hash, AgentCard.model_validate(row.card))
                for row in db.execute(query)
            ]

    def _save_embeddings(self, model: str, items: list[tuple[str, str, bytes]]) -> None:
        now = utcnow().timestamp()
        for _ in range(_RACE_RETRIES):
            try:
                with self._writing() as db:
                    for agent, digest, vector in items:
                        current = db.execute(select(C.card_hash).where(C.id == agent)).scalar()
                        if current != digest:
                            continue  # the card changed (or is gone) while being embedded
                        values = {"card_hash": digest, "vector": vector, "written_at": now}
                        mine = (E.agent_id == agent) & (E.model == model)
                        if not db.execute(update(EMBEDDINGS).where(mine).values(**values)).rowcount:
                            db.execute(
                                EMBEDDINGS.insert().values(agent_id=agent, model=model, **values)
                            )
                return
            except IntegrityError:
                pass  # another replica embedded the same card at the same time; update it
        raise RuntimeError("could not save embeddings: too much concurrent change")

    def _vectors_version(self, model: str) -> tuple[int, float]:
        query = select(func.count(), func.coalesce(func.max(E.written_at), 0.0)).where(
            E.model == model
        )
        with self.engine.connect() as db:
            count, latest = db.execute(query).one()
        return int(count), float(latest)

    def _vectors(self, model: str) -> StoredVectors:
        with self.engine.connect() as db:
            count, latest = db.execute(
                select(func.count(), func.coalesce(func.max(E.written_at), 0.0)).where(
                    E.model == model
                )
            ).one()
            stored = StoredVectors(version=(int(count), float(latest)))
            for agent, vector in db.execute(
                select(E.agent_id, E.vector).where(E.model == model).order_by(E.agent_id)
            ):
                stored.agents.append(agent)
                stored.vectors.append(bytes(vector))
        return stored

    @staticmethod
    def _online_of(db: DbConnection, agents: Sequence[str]) -> dict[str, bool]:
        """Whether each registered one of ``agents`` is online (the others are left out)."""
        found: dict[str, bool] = {}
        for chunk in _chunks(agents):
            found.update((a, bool(on)) for a, on in db.execute(_ONLINE_OF, {"ids": list(chunk)}))
        return found

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
        values = db.execute(select(*_ROW_COLUMNS).where(C.id == agent)).one_or_none()
        return None if values is None else _row(values)

    @classmethod
    def _get_in(cls, db: DbConnection, agent: str) -> AgentRow:
        found = cls._get_in_or_none(db, agent)
        assert found is not None, "read back inside the transaction that wrote it"
        return found
