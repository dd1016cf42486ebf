"""A loan's reschedules: each a new version of its schedule, rows of record that are never changed.

Version 1 is the schedule the loan was paid out with (its own terms); each confirmed reschedule adds the
next version, numbered per loan (unique), with what it carried over from the schedule before it and its new
terms. ``Loan.schedule_version`` says which version is in force (1: never rescheduled), so a loan that was
never rescheduled is read without looking here. The database refuses UPDATE, DELETE and TRUNCATE on these
rows (the migration's triggers). How the schedule in force is built from them: reschedules.py.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from workbench.auth.models import User
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.timeutil import utcnow


class LoanReschedule(db.Model):
    __tablename__ = "loan_reschedules"
    __audit_type__ = "loan_reschedule"
    __table_args__ = (
        UniqueConstraint("loan_id", "version"),
        CheckConstraint("version >= 2", name="version_after_the_first"),
        CheckConstraint("paid_to_date >= 0 AND interest_carried >= 0", name="not_negative"),
        CheckConstraint("principal_carried > 0", name="principal_positive"),
        CheckConstraint("term_months >= 1 AND grace_months >= 0 AND grace_months < term_months", name="term"),
        CheckConstraint("method IN ('annuity', 'equal_principal')", name="method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id", ondelete="RESTRICT"))
    #: The schedule version this reschedule makes: 2 for the first, then 3...
    version: Mapped[int]
    #: The day it takes effect (the day it was confirmed): installments of the schedule before it that fall
    #: due on or before this day stay, reduced to what the payments had covered by then.
    effective_on: Mapped[date] = mapped_column(Date)
    #: The repayments that stood on ``effective_on`` (dated on or before it), in total.
    paid_to_date: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: The principal still owed on ``effective_on``: the new schedule repays it.
    principal_carried: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: The interest of the installments due by ``effective_on`` and not paid: added to the first new
    #: installment's interest (not capitalised: it earns no interest).
    interest_carried: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: The new terms: yearly rate as a fraction, months (grace included), months of interest only, method.
    annual_rate: Mapped[Decimal] = mapped_column(Numeric(7, 6))
    term_months: Mapped[int]
    grace_months: Mapped[int]
    method: Mapped[str] = mapped_column(String(20))
    #: The first installment of the new schedule falls due on this day, the next ones a month apart.
    first_due_on: Mapped[date] = mapped_column(Date)
    #: Why, as the proposer wrote it (the proposal keeps it too).
    reason: Mapped[str] = mapped_column(Text, default="")
    #: The confirmed four-eyes proposal it carries out: one reschedule per proposal.
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="RESTRICT"), unique=True)
    #: Who confirmed it.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    #: ``loan.reschedules``: the loan's reschedules, oldest first, loaded when first read (positions_of loads
    #: those of many loans at once).
    loan: Mapped[Loan] = relationship(
        backref=backref("reschedules", order_by="LoanReschedule.version", lazy="select")
    )
    created_by: Mapped[User | None] = relationship()
