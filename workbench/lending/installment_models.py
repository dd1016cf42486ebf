"""A loan's schedule as rows, for the portfolio's figures to be summed in SQL.

The schedule is the finance core's (lending.services.schedule_of); these rows are its copy, written in the
same transaction as the payout (version 1) and as every confirmed reschedule (the next version), never
changed (the migration's triggers refuse UPDATE, DELETE and TRUNCATE). The loan's current schedule is its
highest version. Each row also carries what the portfolio's arithmetic needs without a window function:
``due_before`` (the total of the earlier installments of its version) and ``late_after`` (its due date plus
the contract's days of tolerance: unpaid after that day, it is late). Two indexes let the portfolio find,
per loan, the installment its payments reach and the last one due by a day, without reading the others.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workbench.extensions import db


class LoanInstallment(db.Model):
    __tablename__ = "loan_installments"
    __table_args__ = (
        UniqueConstraint("loan_id", "version", "number"),
        # The portfolio seeks, per loan, the installment its payments reach and the last one due by a day.
        Index("ix_loan_installments_reached", "loan_id", "version", "due_before"),
        Index("ix_loan_installments_due", "loan_id", "version", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id", ondelete="RESTRICT"))
    #: 1: the contract's schedule; each confirmed reschedule writes the next version.
    version: Mapped[int]
    number: Mapped[int]
    due_on: Mapped[date] = mapped_column(Date)
    principal: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    interest: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: The principal still owed after it.
    balance: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: The total of the installments before this one, in this version.
    due_before: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: The due date plus the contract's days of tolerance.
    late_after: Mapped[date] = mapped_column(Date)
