"""Where a loan stands, computed when it is read from its schedule and the payments that stand (never stored,
no nightly job): outstanding principal, paid to date, overdue amount, days past due, the next installment and
the state of each installment. The numbers are workbench.finance.portfolio.loan_position's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from workbench.extensions import db
from workbench.finance.money import ZERO
from workbench.finance.portfolio import LoanPosition, loan_position
from workbench.finance.schedule import Installment
from workbench.lending import ledger
from workbench.lending.models import Loan
from workbench.lending.repayment_models import PAYMENT, REVERSAL, LoanPayment
from workbench.lending.reschedules import load_reschedules
from workbench.lending.services import schedule_of

#: The states of an installment, as the schedule shows them.
PAID = "paid"
PARTLY_PAID = "partly_paid"
LATE = "late"
DUE = "due"


def standing(payments: Iterable[LoanPayment]) -> list[LoanPayment]:
    """The repayments that stand: every payment that no reversal takes back, by day then by posting order."""
    rows = list(payments)
    reversed_ids = {row.reverses_id for row in rows if row.kind == REVERSAL}
    kept = [row for row in rows if row.kind == PAYMENT and row.id not in reversed_ids]
    return sorted(kept, key=lambda row: (row.paid_on, row.id))


def payments_of(loan_ids: Iterable[int]) -> dict[int, list[LoanPayment]]:
    """Every payment and reversal of each loan, in one query, oldest first."""
    ids = list(loan_ids)
    found: dict[int, list[LoanPayment]] = {i: [] for i in ids}
    if not ids:
        return found
    query = (
        select(LoanPayment).where(LoanPayment.loan_id.in_(ids)).order_by(LoanPayment.paid_on, LoanPayment.id)
    )
    for row in db.session.scalars(query):
        found[row.loan_id].append(row)
    return found


def as_pairs(payments: Iterable[LoanPayment]) -> list[tuple[date, Decimal]]:
    return [(row.paid_on, row.amount) for row in payments]


def positions_of(loans: Iterable[Loan], as_of: date) -> dict[int, LoanPosition]:
    """Each loan's position on ``as_of``, as its schedule in force and its contract say: one query for all
    their payments, one more for the reschedules when some loan was rescheduled; the schedules are computed.
    A write-off changes nothing here (the borrower still owes it): see :func:`portfolio_positions`."""
    listed = list(loans)
    load_reschedules(listed)
    payments = payments_of(loan.id for loan in listed)
    return {
        loan.id: loan_position(
            schedule_of(loan), as_pairs(standing(payments[loan.id])), as_of, loan.late_tolerance_days
        )
        for loan in listed
    }


def portfolio_positions(loans: Iterable[Loan], as_of: date) -> dict[int, LoanPosition]:
    """Each loan's position for the portfolio: as :func:`positions_of`, its outstanding principal less what
    was written off of it, never below zero (what the loan still has on loans receivable, so the ledger's
    loans receivable = the sum of these). A written-off loan so leaves the gross portfolio and PAR by what was
    written off; the rest of its position (overdue, days past due, paid) is the contract's. One query more
    (the write-offs) than positions_of. A rescheduled loan is read like any other: it stays in PAR."""
    listed = list(loans)
    positions = positions_of(listed, as_of)
    off = ledger.written_off(loan.id for loan in listed)
    for loan_id, amount in off.items():
        if amount > ZERO:
            position = positions[loan_id]
            positions[loan_id] = replace(
                position, outstanding_principal=max(ZERO, position.outstanding_principal - amount)
            )
    return positions


@dataclass(frozen=True)
class InstallmentState:
    installment: Installment
    #: How much of it the payments cover (interest first, then principal).
    paid: Decimal
    #: "paid", "partly_paid", "late" (not fully paid and due before the day by more than the contract's
    #: tolerance) or "due" (not yet late).
    state: str

    @property
    def owed(self) -> Decimal:
        return self.installment.total - self.paid


def installment_states(
    schedule: Sequence[Installment], paid_to_date: Decimal, as_of: date, tolerance_days: int = 0
) -> list[InstallmentState]:
    """The paid amount spread oldest installment first, as the finance core allocates it; an installment
    not fully paid is late once ``tolerance_days`` have passed after its due date."""
    late_before = as_of - timedelta(days=tolerance_days)
    remaining = paid_to_date
    states = []
    for row in schedule:
        covered = min(remaining, row.total)
        remaining -= covered
        if covered == row.total:
            state = PAID
        elif row.due_date < late_before:
            state = LATE
        elif covered > ZERO:
            state = PARTLY_PAID
        else:
            state = DUE
        states.append(InstallmentState(row, covered, state))
    return states


@dataclass(frozen=True)
class Standing:
    """All the loan page says about where the loan stands."""

    position: LoanPosition
    states: list[InstallmentState]
    #: Every payment and reversal, oldest first; and the ids of the payments that stand.
    payments: list[LoanPayment]
    standing_ids: frozenset[int]
    #: The first installment not fully paid that falls due on the day or later (what is due next).
    next_due: InstallmentState | None
    #: What is still owed on the whole schedule.
    remaining: Decimal

    @property
    def repaid(self) -> bool:
        return self.remaining == ZERO


def standing_of(loan: Loan, as_of: date) -> Standing:
    """Where the loan stands for its page: the contract's position (a write-off changes nothing here)."""
    schedule = schedule_of(loan)
    payments = payments_of([loan.id])[loan.id]
    kept = standing(payments)
    position = loan_position(schedule, as_pairs(kept), as_of, loan.late_tolerance_days)
    states = installment_states(schedule, position.paid_to_date, as_of, loan.late_tolerance_days)
    total = sum((row.total for row in schedule), ZERO)
    everything = sum((row.amount for row in kept), ZERO)
    return Standing(
        position=position,
        states=states,
        payments=payments,
        standing_ids=frozenset(row.id for row in kept),
        next_due=next((s for s in states if s.state != PAID and s.installment.due_date >= as_of), None),
        remaining=total - everything,
    )
