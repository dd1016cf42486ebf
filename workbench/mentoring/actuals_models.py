"""What a financed business really did, month by month: the figures its entrepreneur or mentor enters after
the loan is paid out, set beside the frozen plan version's projection (workbench/mentoring/plan_actual.py).

Kept apart from the other mentoring models (sessions, milestones, comments), which grow in their own module.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.auth.models import User
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.timeutil import utcnow


class MonthlyActual(db.Model):
    """One calendar month of one loan's business: sales, running costs and the cash left at its end.

    One row per (loan, month): two tabs entering the same month meet the unique key or the revision, never
    write two rows. ``revision`` is compared and bumped in one UPDATE (workbench/mentoring/actuals.py), so a
    save made from a stale page comes back as a conflict instead of overwriting.
    """

    __tablename__ = "monthly_actuals"
    __audit_type__ = "monthly_actual"
    __table_args__ = (
        # Also the index that finds a loan's months (loan_id leads).
        UniqueConstraint("loan_id", "month"),
        CheckConstraint("sales >= 0", name="sales_not_negative"),
        CheckConstraint("costs >= 0", name="costs_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id", ondelete="RESTRICT"))
    #: The first day of the calendar month the figures are about.
    month: Mapped[date] = mapped_column(Date)
    #: What the business sold in the month (takings, invoices), in EUR.
    sales: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: What it spent to run: goods and materials, rent, bills, wages; not the loan, taxes or drawings.
    costs: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: Cash in the till and the bank at the end of the month; below zero when overdrawn.
    closing_cash: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    revision: Mapped[int] = mapped_column(default=1)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    loan: Mapped[Loan] = relationship()
    entered_by: Mapped[User | None] = relationship()
