"""The audit trail: an append-only record of every state change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from workbench.extensions import db
from workbench.timeutil import utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: When the change happened (UTC).
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    #: Who made it; None for changes made from the command line or by the system.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: What happened, as a dotted verb: "user.created", "cohort.invite_code_issued".
    action: Mapped[str] = mapped_column(String(64), index=True)
    #: The object changed: its kind ("user", "cohort") and primary key.
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(index=True)
    #: The changed fields before and after, as JSON (never secrets such as password hashes).
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
