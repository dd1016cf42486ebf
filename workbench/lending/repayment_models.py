"""Money received on a loan: repayments and their reversals, rows of record that are never changed.

A mistaken repayment is not deleted: a reversal row points at it (once: the unique key on ``reverses_id``),
and positions count only the repayments that stand. The database refuses UPDATE, DELETE and TRUNCATE on these
rows (the migration's triggers). A bank import keeps its preview in ``bank_imports`` until it is posted.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.auth.models import User
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.timeutil import utcnow

#: A repayment received, or the reversal of one.
PAYMENT = "payment"
REVERSAL = "reversal"
KINDS = (PAYMENT, REVERSAL)
#: Where a repayment came from: typed by an officer, or a row of a bank statement.
SOURCES = ("manual", "bank_import")


class LoanPayment(db.Model):
    __tablename__ = "loan_payments"
    __audit_type__ = "loan_payment"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("kind IN ('payment', 'reversal')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id", ondelete="RESTRICT"), index=True)
    #: "payment" or "reversal".
    kind: Mapped[str] = mapped_column(String(16))
    #: The day the money arrived (a reversal: the day it was reversed).
    paid_on: Mapped[date] = mapped_column(Date)
    #: Always positive: a reversal takes back the amount of the payment it points at.
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: The bank's reference text of the movement.
    reference: Mapped[str] = mapped_column(String(140), default="")
    #: The payment a reversal takes back: unique, so a payment is reversed at most once.
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("loan_payments.id", ondelete="RESTRICT"), unique=True
    )
    #: Why a payment was reversed (required for reversals).
    reason: Mapped[str | None] = mapped_column(Text)
    #: The token of the form (or of the bank statement's row) that posted it: the same post twice is one row.
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    source: Mapped[str] = mapped_column(String(16), default="manual")
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    loan: Mapped[Loan] = relationship()
    posted_by: Mapped[User | None] = relationship()


class BankImport(db.Model):
    """A bank statement uploaded by an officer: its rows as read and matched, shown as a preview until an
    officer posts the matched ones (once: ``posted_at`` is set by compare-and-set)."""

    __tablename__ = "bank_imports"
    __audit_type__ = "bank_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    #: The rows as the preview shows them (see bank_import.PreviewRow.as_json).
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
