"""A trainee's individual pathway, as the individual action plans ("Piani di Azione Individuali") of the
programmes this product comes from: the goals agreed with the trainee, the services offered to them, and an
optional individual budget (the "dote") granted per category, with what has been spent of it.

What is spent and what remains are computed from the spending rows, never stored. Spending rows are rows of
record: a mistaken one is taken back by a reversal row pointing at it (once: unique ``reverses_id``), and the
database refuses UPDATE and DELETE on them (the migration's triggers), as for loan repayments.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.audit.models import append_only
from workbench.auth.models import User
from workbench.extensions import db
from workbench.timeutil import utcnow

#: A goal agreed with the trainee is open until it is achieved or given up.
GOAL_STATUSES = ("open", "achieved", "dropped")
#: A service is offered; the trainee takes it up or declines it.
SERVICE_STATUSES = ("offered", "taken_up", "declined")
#: A spending of the budget, or the reversal of one.
SPENDING = "spending"
REVERSAL = "reversal"


class PathwayGoal(db.Model):
    """A goal agreed with the trainee ("Open the VAT number and register with the Chamber of Commerce")."""

    __tablename__ = "pathway_goals"
    __audit_type__ = "pathway_goal"
    __table_args__ = (CheckConstraint("status IN ('open', 'achieved', 'dropped')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    #: The day it was agreed with the trainee.
    agreed_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])


class PathwayService(db.Model):
    """A service offered to the trainee (skills assessment, legal and administrative help, intercultural
    mediation, a six-month internship...), by whom and when."""

    __tablename__ = "pathway_services"
    __audit_type__ = "pathway_service"
    __table_args__ = (CheckConstraint("status IN ('offered', 'taken_up', 'declined')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    description: Mapped[str] = mapped_column(String(300))
    #: Who provides it (an operator, an association, the municipality); may be left empty.
    provider: Mapped[str | None] = mapped_column(String(120))
    offered_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="offered")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])


class BudgetGrant(db.Model):
    """The amount of the trainee's individual budget granted in one category: one row per (trainee,
    category). Its row is held while a spending is recorded against it, so two spendings at once never go
    over the amount together; ``revision`` guards the amount against a form sent from an older page."""

    __tablename__ = "budget_grants"
    __audit_type__ = "budget_grant"
    __table_args__ = (
        UniqueConstraint("trainee_id", "category"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: A key of workbench.programme.pathway.BUDGET_CATEGORIES (a list in the code: no check here, so a
    #: programme adds a category without a migration).
    category: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    revision: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])


@append_only
class BudgetSpending(db.Model):
    """Money spent from one category of the budget (a month's allowance, an invoice of the operator), or the
    reversal of such a row. Always a positive amount; a reversal takes back the amount of the row it points
    at."""

    __tablename__ = "budget_spendings"
    __audit_type__ = "budget_spending"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("kind IN ('spending', 'reversal')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("budget_grants.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default=SPENDING)
    #: The day the money was spent (a reversal: the day it was taken back).
    spent_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: What it paid for; for a reversal, why it is taken back.
    note: Mapped[str] = mapped_column(String(200), default="")
    #: The spending a reversal takes back: unique, so a spending is reversed at most once.
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("budget_spendings.id", ondelete="RESTRICT"), unique=True
    )
    #: The token of the form that recorded it: the same form sent twice records one row.
    idempotency_key: Mapped[str] = mapped_column(String(40), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    grant: Mapped[BudgetGrant] = relationship()
