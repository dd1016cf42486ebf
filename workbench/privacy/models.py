"""Erasure requests: domain data, not only the audit trail (the audit event of an erasure holds no personal
data; this row says who asked, who confirmed, what was kept and why, and how much was redacted)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.auth.models import User
from workbench.extensions import db
from workbench.timeutil import utcnow


class ErasureStatus:
    PENDING = "pending"
    ERASED = "erased"
    CANCELLED = "cancelled"


class ErasureRequest(db.Model):
    __tablename__ = "erasure_requests"
    __audit_type__ = "erasure_request"
    __table_args__ = (CheckConstraint("status IN ('pending', 'erased', 'cancelled')", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The person to erase. The row of users stays (anonymised): loans and other records point at it.
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: Why, one of privacy.forms.REASONS (a code, never free text: this row outlives the person's data).
    reason: Mapped[str] = mapped_column(String(32))
    #: The day the person asked.
    requested_on: Mapped[date] = mapped_column(Date)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: pending -> erased | cancelled, each by compare-and-set under a row lock.
    status: Mapped[str] = mapped_column(String(16), default=ErasureStatus.PENDING)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: What was kept and why: {"basis": the law, "loans": [ids], "tables": [...], "fields": [...]}.
    kept: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Rows redacted per table: {"plan_answers": 12, ...}.
    redacted: Mapped[dict[str, int] | None] = mapped_column(JSON)

    person: Mapped[User] = relationship(foreign_keys=[person_id])
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])


class ErasureInProgress(db.Model):
    """A row lives only inside an erasure's transaction: while it exists, the database's triggers let the
    erasure UPDATE rows of record (migration b51e0c2d9a47). Never committed."""

    __tablename__ = "erasure_in_progress"

    request_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
