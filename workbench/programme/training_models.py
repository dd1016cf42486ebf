"""A cohort's training modules and the hours each trainee attended of each, as the manager's register records
them (workbench/programme/training.py).

Kept beside the cohort models, in their own module: the register grows (sessions, sign-in sheets) without
touching who is enrolled where.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.auth.models import User
from workbench.extensions import db
from workbench.programme.models import Cohort, Enrolment
from workbench.timeutil import utcnow


class TrainingModule(db.Model):
    """One module of a cohort's entrepreneurship training ("Genera la tua idea d'impresa", 8 hours, 9 March).

    The cohort's total training hours are the sum of its modules' hours; a trainee completes the training
    when the hours they attended reach the cohort's completion share of that total."""

    __tablename__ = "training_modules"
    __audit_type__ = "training_module"
    __table_args__ = (
        # A title names one module of a cohort (a double click adds it once); also finds a cohort's modules.
        UniqueConstraint("cohort_id", "title"),
        CheckConstraint("hours > 0", name="hours_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(160))
    #: Length in hours, whole or with one decimal (2.5 is two and a half hours).
    hours: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    #: The day it is held (a plain date in the programme's zone).
    held_on: Mapped[date] = mapped_column(Date)
    #: Bumped by every change, so an edit sent from an older page is not saved over a newer one.
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    cohort: Mapped[Cohort] = relationship()


class Attendance(db.Model):
    """The hours one enrolled trainee attended of one module: one row per (module, enrolment).

    No row: not recorded yet. 0: recorded as absent. A recorded attendance is corrected, never removed;
    ``revision`` is compared and bumped in one UPDATE, so a register saved from a stale page comes back as a
    conflict at its cell instead of overwriting what another manager recorded."""

    __tablename__ = "attendances"
    __audit_type__ = "attendance"
    __table_args__ = (
        # Also the index that finds a module's register (module_id leads).
        UniqueConstraint("module_id", "enrolment_id"),
        CheckConstraint("hours >= 0", name="hours_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("training_modules.id", ondelete="RESTRICT"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    #: Hours attended, from 0 to the module's hours, whole or with one decimal.
    hours: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    revision: Mapped[int] = mapped_column(default=1)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    module: Mapped[TrainingModule] = relationship()
    enrolment: Mapped[Enrolment] = relationship()
    recorded_by: Mapped[User | None] = relationship()
