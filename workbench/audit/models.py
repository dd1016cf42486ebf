"""The audit trail: an append-only record of every state change.

Append-only is enforced three times: the mapper refuses to update or delete a loaded row, the session refuses
bulk UPDATE and DELETE statements on the table, and the database refuses both with triggers (created by the
migration, on SQLite and PostgreSQL). `append_only` gives other tables of record (review decisions) the same
ORM guards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from workbench.extensions import db
from workbench.timeutil import utcnow


class AppendOnlyViolation(RuntimeError):
    """Someone tried to change or remove a row that may only ever be added."""


#: Tables whose rows are never updated or deleted once written.
APPEND_ONLY_TABLES: set[str] = set()


M = TypeVar("M", bound=type)


def append_only(model: M) -> M:
    """Class decorator: rows of `model` can be added, never changed or removed through the ORM."""
    table = model.__tablename__

    def refuse(_mapper, _connection, target) -> None:
        raise AppendOnlyViolation(f"{table} rows are append-only: row {target.id} cannot change")

    event.listen(model, "before_update", refuse)
    event.listen(model, "before_delete", refuse)
    APPEND_ONLY_TABLES.add(table)
    return model


#: Set only by `erasure_redaction`: the one path allowed to UPDATE rows of record (never DELETE them).
_ERASING: ContextVar[bool] = ContextVar("erasing", default=False)


@contextmanager
def erasure_redaction() -> Iterator[None]:
    """Let the session's bulk UPDATE statements through, inside this block only: a data-protection erasure
    (workbench.privacy.erasure) redacts personal text in rows of record. The database lets them through only
    while the erasure's own transaction holds a row in erasure_in_progress; DELETE stays refused."""
    token = _ERASING.set(True)
    try:
        yield
    finally:
        _ERASING.reset(token)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state) -> None:
    """Bulk `update(AuditEvent)` and `delete(AuditEvent)` bypass the mapper events: they are refused here."""
    if not (state.is_update or state.is_delete):
        return
    if state.is_update and _ERASING.get():
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in APPEND_ONLY_TABLES:
        raise AppendOnlyViolation(f"{name} rows are append-only: bulk UPDATE and DELETE are refused")


@append_only
class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: When the change happened (UTC).
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    #: Who made it; None for changes made from the command line or by the system.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: What happened, as a dotted verb: "user.created", "cohort.invite_code_issued".
    action: Mapped[str] = mapped_column(String(64), index=True)
    #: The object changed: its kind (the model's __audit_type__: "user", "cohort") and primary key.
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None]
    #: The changed fields before and after, as JSON (never secrets such as password hashes).
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
