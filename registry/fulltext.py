"""The lexical index inside the database: SQLite FTS5 or PostgreSQL full-text search.

Both rank with BM25-like scoring over the same weighted fields (name, skills,
tags, description, examples) and are written in the same transaction as the
card, so the index is never behind the table, whichever replica wrote it.
Scores are "higher is better" on both.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.engine import Connection as DbConnection

from registry.cardtext import CardFields

FTS_TABLE = "registry_fts"

# Field weights, tuned on tests/data (see bench/registry_search.py): the name and
# the skills say what an agent is for; examples are phrased like needs but noisy.
_WEIGHTS = {"name": 3.0, "description": 1.5, "skills": 2.0, "tags": 2.0, "examples": 1.0}


@dataclass(slots=True, frozen=True)
class MatchSql:
    """SQL pieces of one full-text query: a FROM item exposing ``registry_fts.id``, the score
    expression (higher is better), the WHERE condition and their bind parameters."""

    source: str
    score: str
    condition: str
    join: str
    params: dict[str, str]


class LexicalIndex(Protocol):
    """One database's full-text index of cards."""

    def create(self, db: DbConnection) -> None: ...

    def insert(self, db: DbConnection, entries: Sequence[tuple[str, CardFields]]) -> None:
        """Index cards (agent, fields) whose old entries are gone (or never were)."""
        ...

    def delete(self, db: DbConnection, agents: Sequence[str]) -> None:
        """Remove the cards' entries; call it before the card rows are deleted."""
        ...

    def match(self, terms: list[str]) -> "MatchSql":
        """The SQL that finds and scores the cards sharing a word with ``terms``."""
        ...


class _Statements:
    """Writes through two statements: one insert (run for many rows at once) and one
    delete (of every listed agent)."""

    _INSERT: TextClause
    _DELETE: TextClause

    def insert(self, db: DbConnection, entries: Sequence[tuple[str, CardFields]]) -> None:
        db.execute(self._INSERT, [{"id": agent, **_values(fields)} for agent, fields in entries])

    def delete(self, db: DbConnection, agents: Sequence[str]) -> None:
        db.execute(self._DELETE, {"ids": list(agents)})


class Fts5Index(_Statements):
    """SQLite FTS5 with the Porter stemmer; ``bm25()`` with per-column weights."""

    def create(self, db: DbConnection) -> None:
        db.exec_driver_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
            "id UNINDEXED, name, description, skills, tags, examples, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )

    # The FTS row shares the card row's rowid: an UNINDEXED id column would make
    # every update and delete scan the whole index.
    _INSERT = text(
        f"INSERT INTO {FTS_TABLE} (rowid, id, name, description, skills, tags, examples) "
        "VALUES ((SELECT rowid FROM registry_card WHERE id = :id), "
        ":id, :name, :description, :skills, :tags, :examples)"
    )
    _DELETE = text(
        f"DELETE FROM {FTS_TABLE} WHERE rowid IN (SELECT rowid FROM registry_card WHERE id IN :ids)"
    ).bindparams(bindparam("ids", expanding=True))

    def match(self, terms: list[str]) -> "MatchSql":
        w = _WEIGHTS
        # bm25() is "lower is better" (negative); negate it so higher is better everywhere.
        score = (
            f"-bm25({FTS_TABLE}, 0.0, {w['name']}, {w['description']}, {w['skills']}, "
            f"{w['tags']}, {w['examples']})"
        )
        # Terms are letters and digits only (see query_terms); quoting makes each a
        # plain phrase, so no FTS5 operator can be smuggled in.
        query = " OR ".join(f'"{term}"' for term in terms)
        return MatchSql(
            source=FTS_TABLE,
            score=score,
            condition=f"{FTS_TABLE} MATCH :fts_query",
            join=f"c.rowid = {FTS_TABLE}.rowid",
            params={"fts_query": query},
        )


class PostgresIndex(_Statements):
    """PostgreSQL ``tsvector`` with weights A-D, a GIN index, ``ts_rank`` and
    ``websearch_to_tsquery``."""

    def create(self, db: DbConnection) -> None:
        db.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {FTS_TABLE} ("
            "id VARCHAR(128) PRIMARY KEY, document TSVECTOR NOT NULL)"
        )
        db.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {FTS_TABLE}_document ON {FTS_TABLE} USING GIN (document)"
        )

    _INSERT = text(
        f"INSERT INTO {FTS_TABLE} (id, document) VALUES (:id, "
        "setweight(to_tsvector('english', :name), 'A') || "
        "setweight(to_tsvector('english', :skills || ' ' || :tags), 'B') || "
        "setweight(to_tsvector('english', :description), 'C') || "
        "setweight(to_tsvector('english', :examples), 'D')) "
        "ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document"
    )
    _DELETE = text(f"DELETE FROM {FTS_TABLE} WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )

    def match(self, terms: list[str]) -> "MatchSql":
        # websearch_to_tsquery ANDs bare words; "or" between them asks for any.
        query = " or ".join(terms)
        source = f"{FTS_TABLE}, websearch_to_tsquery('english', :fts_query) AS q"
        # Weights D, C, B, A, scaled like the FTS5 column weights.
        weights = "'{0.25, 0.4, 0.6, 1.0}'"
        return MatchSql(
            source=source,
            score=f"ts_rank({weights}, {FTS_TABLE}.document, q)",
            condition=f"{FTS_TABLE}.document @@ q",
            join=f"c.id = {FTS_TABLE}.id",
            params={"fts_query": query},
        )


def index_for(dialect: str) -> LexicalIndex:
    """The lexical index for a database dialect (``sqlite`` or ``postgresql``)."""
    if dialect == "sqlite":
        return Fts5Index()
    if dialect == "postgresql":
        return PostgresIndex()
    raise ValueError(
        f"the registry's full-text search supports sqlite and postgresql, not {dialect}"
    )


def _values(fields: CardFields) -> dict[str, str]:
    return {
        "name": fields.name,
        "description": fields.description,
        "skills": fields.skills,
        "tags": fields.tags,
        "examples": fields.examples,
    }
