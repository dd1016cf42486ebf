"""The double-entry ledger: journal entries and their lines, rows of record that are never changed.

Every money movement of a loan (disbursement, repayment, reversal, write-off) writes one entry whose lines
balance (debits = credits), in the same transaction as the movement. The database refuses UPDATE, DELETE and
TRUNCATE on both tables (the migration's triggers). The chart of accounts is in ledger.py.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.extensions import db
from workbench.timeutil import utcnow


class JournalEntry(db.Model):
    __tablename__ = "journal_entries"
    __audit_type__ = "journal_entry"
    __table_args__ = (
        CheckConstraint("kind IN ('disbursement', 'repayment', 'reversal', 'write_off', 'fee')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "disbursement", "repayment", "reversal" or "write_off".
    kind: Mapped[str] = mapped_column(String(16))
    #: The accounting date: the day of the payout, of the money's arrival, of the reversal, of the write-off.
    entry_date: Mapped[date] = mapped_column(Date, index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id", ondelete="RESTRICT"), index=True)
    #: The repayment or reversal row the entry records.
    payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("loan_payments.id", ondelete="RESTRICT"), index=True
    )
    description: Mapped[str] = mapped_column(String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    lines: Mapped[list[JournalLine]] = relationship(
        back_populates="entry", order_by="JournalLine.id", cascade="save-update, merge"
    )


class JournalLine(db.Model):
    __tablename__ = "journal_lines"
    __table_args__ = (
        CheckConstraint("debit >= 0 AND credit >= 0", name="not_negative"),
        CheckConstraint("debit = 0 OR credit = 0", name="one_side"),
        CheckConstraint("account IN ('1010', '1200', '4000', '4100', '6900')", name="account"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id", ondelete="RESTRICT"), index=True)
    #: A code of the chart of accounts (ledger.ACCOUNTS).
    account: Mapped[str] = mapped_column(String(8), index=True)
    debit: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"))
    credit: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"))

    entry: Mapped[JournalEntry] = relationship(back_populates="lines")
