"""The audit log: every administrative action (keys made or revoked, agents admitted),
who did it, when, and how it ended. Written by the gateway's admin routes and by
``ioa keys``; read at ``GET /v1/admin/audit``."""

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Field, Session, SQLModel, select


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=lambda: datetime.now(UTC), index=True)
    actor: str = Field(max_length=128, description="user:<name>, or cli:<os user>")
    action: str = Field(max_length=64)
    target: str = Field(max_length=200)
    outcome: str = Field(max_length=32, description="done, refused or failed")
    detail: str = Field(default="", max_length=2000)


def record(
    engine: Engine, actor: str, action: str, target: str, outcome: str, detail: str = ""
) -> None:
    with Session(engine) as session:
        session.add(
            AuditEntry(
                actor=actor, action=action, target=target, outcome=outcome, detail=detail[:2000]
            )
        )
        session.commit()


def entries(engine: Engine, limit: int = 100) -> list[AuditEntry]:
    """The newest entries first."""
    with Session(engine) as session:
        query = select(AuditEntry).order_by(AuditEntry.at.desc()).limit(limit)  # type: ignore[attr-defined]
        return list(session.exec(query))
