"""Which mentor accompanies which trainee."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.auth.models import User
from workbench.extensions import db
from workbench.timeutil import utcnow


class MentorAssignment(db.Model):
    """A trainee has at most one current mentor; ended assignments stay as history."""

    __tablename__ = "mentor_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])
    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])
