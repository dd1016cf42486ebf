"""Milestones: what each trainee should reach by a date counted from a journey event, and the templates the
programme's managers keep them from.

A template says what (its title), who answers for it (a role), and when: a number of days after an event
(enrolment, plan endorsed, loan disbursed). When the event happens, mentoring gives the trainee one milestone
per active template of that event, with its due date fixed then. A milestone is pending, done (with an
evidence note, who and when, then a mentor's sign-off) or waived (with a reason); overdue is never stored,
it is read from the due date and today (Europe/Rome).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.timeutil import utcnow


class MilestoneEvent(StrEnum):
    """The journey event a milestone's due date counts from (each one a signal of workbench.events)."""

    ENROLLED = "enrolled"
    PLAN_ENDORSED = "plan_endorsed"
    LOAN_DISBURSED = "loan_disbursed"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS[self])


EVENT_LABELS = {
    MilestoneEvent.ENROLLED: _l("Enrolment"),
    MilestoneEvent.PLAN_ENDORSED: _l("Plan endorsed"),
    MilestoneEvent.LOAN_DISBURSED: _l("Loan disbursed"),
}


class MilestoneStatus(StrEnum):
    """What is stored. "overdue" is not among them: a pending milestone past its due date is read as such."""

    PENDING = "pending"
    DONE = "done"
    WAIVED = "waived"


@dataclass(frozen=True)
class BuiltinTemplate:
    key: str
    title: object  # a lazy translated string
    responsible_role: Role
    event: MilestoneEvent
    offset_days: int
    position: int


#: The templates every programme starts with. Their key is stable, their title translated in the reader's
#: language; a manager may change their dates or switch them off, never remove them.
BUILTIN_TEMPLATES = (
    BuiltinTemplate(
        "vat_number", _l("VAT number opened"), Role.TRAINEE, MilestoneEvent.PLAN_ENDORSED, 30, 10
    ),
    BuiltinTemplate(
        "chamber_of_commerce",
        _l("Registered at the Chamber of Commerce"),
        Role.TRAINEE,
        MilestoneEvent.LOAN_DISBURSED,
        30,
        20,
    ),
    BuiltinTemplate("first_sale", _l("First sale"), Role.TRAINEE, MilestoneEvent.LOAN_DISBURSED, 60, 30),
    BuiltinTemplate(
        "review_3_months", _l("3-month review"), Role.MENTOR, MilestoneEvent.LOAN_DISBURSED, 91, 40
    ),
    BuiltinTemplate(
        "review_6_months", _l("6-month review"), Role.MENTOR, MilestoneEvent.LOAN_DISBURSED, 182, 50
    ),
    BuiltinTemplate(
        "review_12_months", _l("12-month review"), Role.MENTOR, MilestoneEvent.LOAN_DISBURSED, 365, 60
    ),
)
BUILTINS_BY_KEY = {builtin.key: builtin for builtin in BUILTIN_TEMPLATES}


class MilestoneTemplate(db.Model):
    __tablename__ = "milestone_templates"
    __audit_type__ = "milestone_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A built-in template's stable key (BUILTIN_TEMPLATES); None for the ones managers add.
    key: Mapped[str | None] = mapped_column(String(40), unique=True)
    #: What a manager typed; None for a built-in shown with its translated title.
    title: Mapped[str | None] = mapped_column(String(160))
    #: One of Role: who answers for the milestone (the trainee, their mentor, a loan officer, a manager).
    responsible_role: Mapped[str] = mapped_column(String(16))
    #: One of MilestoneEvent.
    event: Mapped[str] = mapped_column(String(24))
    #: Days after the event the milestone falls due.
    offset_days: Mapped[int]
    #: Switched-off templates give no new milestones; the ones already given stay.
    active: Mapped[bool] = mapped_column(default=True)
    #: Order in lists (smaller first).
    position: Mapped[int] = mapped_column(default=100)
    #: Bumped by every change: an edit from a stale page is refused, not written over a newer one.
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        builtin = BUILTINS_BY_KEY.get(self.key or "")
        return str(builtin.title) if builtin is not None else ""

    @property
    def is_builtin(self) -> bool:
        return self.key is not None


class Milestone(db.Model):
    """One trainee's milestone, from one template, given when the template's event happened to them."""

    __tablename__ = "milestones"
    __audit_type__ = "milestone"
    __table_args__ = (
        # The same event never gives the same milestone twice: once per trainee for enrolment and
        # endorsement, once per loan for disbursement.
        Index(
            "uq_milestones_template_id_trainee_id",
            "template_id",
            "trainee_id",
            unique=True,
            sqlite_where=text("loan_id IS NULL"),
            postgresql_where=text("loan_id IS NULL"),
        ),
        UniqueConstraint("template_id", "loan_id", name="uq_milestones_template_id_loan_id"),
        Index("ix_milestones_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("milestone_templates.id", ondelete="RESTRICT"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The loan whose disbursement gave the milestone; None for enrolment and endorsement milestones.
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id", ondelete="RESTRICT"))
    #: Copied from the template when given: later changes to the template do not move given milestones.
    responsible_role: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(24))
    due_on: Mapped[date] = mapped_column(Date)
    #: One of MilestoneStatus.
    status: Mapped[str] = mapped_column(String(12), default=MilestoneStatus.PENDING.value)
    #: How it was reached (a done milestone), as the person typed it.
    evidence: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Why it no longer applies (a waived milestone).
    waiver_reason: Mapped[str | None] = mapped_column(Text)
    waived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The mentor's confirmation of a done milestone.
    signed_off_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Bumped by every change (compare-and-set): two tabs or a double click change it once.
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    template: Mapped[MilestoneTemplate] = relationship(lazy="joined", innerjoin=True)
    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])
    waived_by: Mapped[User | None] = relationship(foreign_keys=[waived_by_id])
    signed_off_by: Mapped[User | None] = relationship(foreign_keys=[signed_off_by_id])

    @property
    def title(self) -> str:
        return self.template.display_title

    def is_overdue(self, today: date) -> bool:
        """Pending and due before `today` (a date in Europe/Rome): the one status never stored."""
        return self.status == MilestoneStatus.PENDING and self.due_on < today

    def state(self, today: date) -> str:
        """pending, overdue, done or waived, as shown."""
        return "overdue" if self.is_overdue(today) else self.status
