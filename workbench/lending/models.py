"""Loans: the credit a trainee received on a frozen plan version.

A loan is its terms, the schedule conventions of the product it was made on (copied at the payout, so a
later change to the product never changes a contract already signed) and its disbursement, recorded once per
plan version. Repayments, the ledger and the four-eyes decisions build on it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.auth.models import User
from workbench.extensions import db
from workbench.finance.conventions import Conventions
from workbench.plans.models import PlanVersion
from workbench.timeutil import utcnow


class Loan(db.Model):
    __tablename__ = "loans"
    __audit_type__ = "loan"

    id: Mapped[int] = mapped_column(primary_key=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The version the credit was granted on: one loan per version, so a second press disburses nothing.
    plan_version_id: Mapped[int] = mapped_column(
        ForeignKey("plan_versions.id", ondelete="RESTRICT"), unique=True
    )
    principal: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: Yearly nominal rate as a fraction (0.045 is 4.5 %).
    annual_rate: Mapped[Decimal] = mapped_column(Numeric(7, 6))
    term_months: Mapped[int]
    grace_months: Mapped[int] = mapped_column(default=0)
    #: "annuity" or "equal_principal", as the finance core's schedules.
    method: Mapped[str] = mapped_column(String(20), default="annuity")
    disbursed_on: Mapped[date] = mapped_column(Date)
    #: How the money went out: "bank_transfer" or "cheque".
    disbursement_method: Mapped[str] = mapped_column(String(20), default="bank_transfer")
    #: Installment 1 falls due on this date; the next ones a month apart.
    first_due_on: Mapped[date] = mapped_column(Date)
    disbursed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The approved application the loan pays out, when it came through one: one loan per application.
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("credit_applications.id", ondelete="RESTRICT"), unique=True
    )
    #: The loan product the terms were checked against; None for a loan recorded without one.
    product_id: Mapped[int | None] = mapped_column(ForeignKey("loan_products.id", ondelete="RESTRICT"))
    #: The fee the borrower paid when the contract was signed (the product's, copied at the payout).
    arrangement_fee: Mapped[Decimal] = mapped_column(
        Numeric(14, 2), default=Decimal("0.00"), server_default="0.00"
    )
    #: The schedule conventions of the contract, as the finance core's Conventions names them: copied
    #: from the product at the payout.
    day_count: Mapped[str] = mapped_column(String(16), default="30/360", server_default="30/360")
    first_period: Mapped[str] = mapped_column(
        String(16), default="whole_period", server_default="whole_period"
    )
    rounding: Mapped[str] = mapped_column(String(16), default="half_up", server_default="half_up")
    installment_unit: Mapped[Decimal] = mapped_column(
        Numeric(4, 2), default=Decimal("0.01"), server_default="0.01"
    )
    interest: Mapped[str] = mapped_column(String(16), default="declining", server_default="declining")
    grace: Mapped[str] = mapped_column(String(16), default="interest_only", server_default="interest_only")
    #: Days after a due date before an unpaid installment counts as late.
    late_tolerance_days: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The schedule in force: 1 as paid out, one more with each reschedule (its rows: ``loan.reschedules``,
    #: reschedule_models.py). A loan never rescheduled is so read without looking for reschedules.
    schedule_version: Mapped[int] = mapped_column(default=1, server_default="1")

    borrower: Mapped[User] = relationship(foreign_keys=[borrower_id])
    plan_version: Mapped[PlanVersion] = relationship()

    @property
    def conventions(self) -> Conventions:
        """The contract's schedule conventions, for the finance core."""
        return Conventions.of(self)
