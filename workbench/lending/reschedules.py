"""The schedule in force of a rescheduled loan, built from its reschedule rows (reschedule_models.py).

Each reschedule, oldest first, keeps what the payments up to its effective day covered of the schedule
before it and follows it with a new schedule on the principal carried over, the unpaid interest of the
installments already due added to the first new installment (workbench.finance.reschedule: the rules and
why nothing is lost, nothing is overdue from before, and the payments made so far allocate as before).

Reading costs one query for a rescheduled loan (its rows, kept on the loan for the rest of the session's
transaction) and none for a loan never rescheduled (``Loan.schedule_version`` is 1); :func:`load_reschedules`
reads those of many loans in one query.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from workbench.extensions import db
from workbench.finance.reschedule import carry_over, splice
from workbench.finance.schedule import Installment, build_schedule
from workbench.lending.models import Loan
from workbench.lending.reschedule_models import LoanReschedule


def rescheduled(
    schedule: tuple[Installment, ...], row: LoanReschedule, **options: Any
) -> tuple[Installment, ...]:
    """``schedule`` as ``row`` reschedules it. ``options`` are build_schedule's keyword arguments as
    services.schedule_of passes them for the loan (its conventions): the new schedule is built with the same,
    its period starting on the effective day (``disbursed_on``)."""
    carried = carry_over(schedule, row.paid_to_date, row.effective_on)
    if "disbursed_on" in options:
        options = {**options, "disbursed_on": row.effective_on}
    new = build_schedule(
        carried.principal,
        row.annual_rate,
        row.term_months,
        row.grace_months,
        row.method,
        row.first_due_on,
        **options,
    )
    return splice(carried.kept, new, carried.interest)


def schedule_in_force(
    loan: Loan, schedule: tuple[Installment, ...], **options: Any
) -> tuple[Installment, ...]:
    """The loan's schedule after its reschedules, from ``schedule``, the one it was paid out with.

    The principal carried over is computed again from the schedule before each reschedule and the payments it
    records (``paid_to_date``), so the installments' principal always sums to the loan's principal; it is
    the stored ``principal_carried`` (tests/lending/test_loan_decisions.py holds them equal)."""
    for row in loan.reschedules:  # type: ignore[attr-defined]  # the backref of LoanReschedule.loan
        schedule = rescheduled(schedule, row, **options)
    return schedule


def load_reschedules(loans: Iterable[Loan]) -> None:
    """Read the reschedules of the rescheduled loans among ``loans`` whose rows are not read yet, in one
    query (none when no loan was rescheduled), and keep them on each loan."""
    waiting = {
        loan.id: loan
        for loan in loans
        if (loan.schedule_version or 1) > 1 and "reschedules" in inspect(loan).unloaded
    }
    if not waiting:
        return
    found: dict[int, list[LoanReschedule]] = {loan_id: [] for loan_id in waiting}
    query = (
        select(LoanReschedule)
        .where(LoanReschedule.loan_id.in_(waiting))
        .order_by(LoanReschedule.loan_id, LoanReschedule.version)
    )
    for row in db.session.scalars(query):
        found[row.loan_id].append(row)
    for loan_id, rows in found.items():
        set_committed_value(waiting[loan_id], "reschedules", rows)
