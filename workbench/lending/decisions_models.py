"""The four-eyes proposal: one person proposes an action on a subject, a different person confirms or
declines it. Generic over the subject (subject_type + subject_id + action), so that every decision that needs
two people (an application's approval, a loan's write-off or reschedule) uses the same table and services
(workbench/lending/decisions.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.auth.models import User
from workbench.extensions import db
from workbench.timeutil import utcnow

CONFIRMED, DECLINED = "confirmed", "declined"


class Proposal(db.Model):
    """A proposed decision and, once taken, who confirmed or declined it and when.

    At most one proposal per subject waits (partial unique index on outcome IS NULL). The outcome is written
    once: the migration's triggers refuse any change to a decided row and any deletion."""

    __tablename__ = "proposals"
    __audit_type__ = "proposal"
    __table_args__ = (
        Index(
            "uq_proposals_pending_subject",
            "subject_type",
            "subject_id",
            unique=True,
            postgresql_where=text("outcome IS NULL"),
            sqlite_where=text("outcome IS NULL"),
        ),
        Index("ix_proposals_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the decision is about: "credit_application" or "loan" (a write-off or a reschedule).
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int]
    #: What is proposed: "approve", "reject", "send_back" for an application; "write_off" or "reschedule"
    #: for a loan.
    action: Mapped[str] = mapped_column(String(32))
    #: The terms of the action (an approval's amount, rate, term...), as JSON text values; {} when none.
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The proposer's reason or note.
    note: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: None while it waits; then CONFIRMED or DECLINED, by whom, when and (declined) why.
    outcome: Mapped[str | None] = mapped_column(String(16))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decline_reason: Mapped[str | None] = mapped_column(Text)

    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def pending(self) -> bool:
        return self.outcome is None

    @property
    def confirmed(self) -> bool:
        return self.outcome == CONFIRMED
