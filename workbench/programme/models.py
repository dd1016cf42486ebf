"""Cohorts, the trainees enrolled in them, and which mentor accompanies which trainee."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.auth.models import User
from workbench.extensions import db
from workbench.timeutil import utcnow

#: The share of the cohort's training hours a trainee attends to complete the training, unless the cohort
#: says otherwise.
DEFAULT_COMPLETION_SHARE = 80


class Cohort(db.Model):
    __tablename__ = "cohorts"
    __audit_type__ = "cohort"
    __table_args__ = (CheckConstraint("completion_share BETWEEN 1 AND 100", name="completion_share_percent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    city: Mapped[str | None] = mapped_column(String(80))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: The code a trainee types to join; issuing a new one retires the old. None: registration closed.
    invite_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    #: The organisations running the cohort together, one per line (a training centre, a microfinance
    #: association, the refugee council, the municipality...).
    partners: Mapped[str | None] = mapped_column(Text)
    #: Percent of the cohort's module hours a trainee attends to complete the training (1..100).
    completion_share: Mapped[int] = mapped_column(
        default=DEFAULT_COMPLETION_SHARE, server_default=str(DEFAULT_COMPLETION_SHARE)
    )
    #: Bumped by every change of the cohort's details, so a form sent from an older page is not saved over it.
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="cohort", order_by="Enrolment.id")

    @property
    def partner_names(self) -> list[str]:
        return [line.strip() for line in (self.partners or "").splitlines() if line.strip()]


class Enrolment(db.Model):
    """A trainee in a cohort. A trainee follows one cohort at a time."""

    __tablename__ = "enrolments"
    __audit_type__ = "enrolment"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Set when the trainee has completed the entrepreneurship training: by a manager's button in a cohort
    #: without modules, by the attendance register when the recorded hours reach the cohort's share
    #: (workbench/programme/training.py). The one fact the journey and the funnel read.
    training_completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()
    cohort: Mapped[Cohort] = relationship(back_populates="enrolments")


#: An assignment is current until it ends; the partial unique indexes below count current ones only.
_CURRENT = "ended_at IS NULL"


class MentorAssignment(db.Model):
    """Who accompanies whom is the programme's fact: a trainee with mentors has exactly one current primary
    mentor and may have other current mentors; every current mentor sees the trainee and reviews their plans.
    Ended assignments stay as history. Plans and mentoring read it; only the programme changes it.

    The database holds the rules the services keep: at most one current primary per trainee, and at most one
    current assignment per mentor and trainee (partial unique indexes, on SQLite and PostgreSQL alike)."""

    __tablename__ = "mentor_assignments"
    __table_args__ = (
        Index(
            "uq_mentor_assignments_current_primary",
            "trainee_id",
            unique=True,
            sqlite_where=text(f"{_CURRENT} AND is_primary"),
            postgresql_where=text(f"{_CURRENT} AND is_primary"),
        ),
        Index(
            "uq_mentor_assignments_current_pair",
            "mentor_id",
            "trainee_id",
            unique=True,
            sqlite_where=text(_CURRENT),
            postgresql_where=text(_CURRENT),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The trainee's first contact and main mentor; the others accompany as well, with the same rights.
    is_primary: Mapped[bool] = mapped_column(default=False)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])
    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])
