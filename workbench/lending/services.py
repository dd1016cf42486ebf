"""Recording a loan's disbursement, once, and reading loans for the other domains. The request commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from workbench import events
from workbench.audit.services import record
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.finance.conventions import DEFAULT_CONVENTIONS, Conventions
from workbench.finance.money import ZERO, add_months
from workbench.finance.schedule import Installment, build_schedule
from workbench.lending import ledger
from workbench.lending.application_models import CreditApplication
from workbench.lending.models import Loan
from workbench.lending.product_models import LoanProduct
from workbench.lending.reschedules import schedule_in_force
from workbench.lending.schedules import store_schedule
from workbench.plans.models import PlanVersion

METHODS = ("bank_transfer", "cheque")


def record_disbursement(
    version: PlanVersion,
    *,
    principal: Decimal,
    annual_rate: Decimal,
    term_months: int,
    grace_months: int,
    method: str,
    disbursed_on: date,
    disbursement_method: str,
    actor: User | None,
    first_due_on: date | None = None,
    application: CreditApplication | None = None,
    product: LoanProduct | None = None,
) -> Loan:
    """The loan on `version`, paid out on `disbursed_on`. A version is financed once: a second press, or a
    second officer at the same moment, gets a clear error and nothing is paid twice (unique key). A loan
    that pays out an approved `application` remembers it (unique too: an application is paid out once).
    A loan made on a `product` keeps it and copies its schedule conventions: the contract's, for good."""
    conventions = Conventions.of(product) if product is not None else DEFAULT_CONVENTIONS
    first_due_on = first_due_on or add_months(disbursed_on, 1)
    build_schedule(  # refuses impossible terms
        principal,
        annual_rate,
        term_months,
        grace_months,
        method,
        first_due_on,
        conventions=conventions,
        disbursed_on=disbursed_on,
    )
    if disbursement_method not in METHODS:
        raise DomainError({"disbursement_method": _("Choose how the money was paid out.")})
    loan = Loan(
        borrower_id=version.plan.owner_id,
        plan_version_id=version.id,
        principal=principal,
        annual_rate=annual_rate,
        term_months=term_months,
        grace_months=grace_months,
        method=method,
        disbursed_on=disbursed_on,
        disbursement_method=disbursement_method,
        first_due_on=first_due_on,
        disbursed_by_id=actor.id if actor is not None else None,
        application_id=application.id if application is not None else None,
        product_id=product.id if product is not None else None,
        arrangement_fee=product.arrangement_fee if product is not None else ZERO,
        **{name: getattr(conventions, name) for name in Conventions.__slots__},
    )
    try:
        with db.session.begin_nested():
            db.session.add(loan)
    except IntegrityError as error:
        raise DomainError({"": _("This plan version has already been financed.")}) from error
    record(
        "loan.disbursed",
        loan,
        actor,
        after={
            "principal": str(loan.principal),
            "disbursed_on": disbursed_on.isoformat(),
            "application_id": loan.application_id,
            "product_id": loan.product_id,
            "arrangement_fee": str(loan.arrangement_fee),
        },
    )
    store_schedule(loan)  # the schedule as rows, for the portfolio's figures
    ledger.post_disbursement(loan, actor)  # Dr loans receivable / Cr bank, in the same transaction
    if loan.arrangement_fee > 0:
        ledger.post_fee(loan, loan.arrangement_fee, disbursed_on, actor)
    events.loan_disbursed.send(loan, actor=actor)
    return loan


def schedule_of(loan: Loan) -> tuple[Installment, ...]:
    """The loan's schedule in force, under the conventions of its contract: the one it was paid out with,
    changed by each confirmed reschedule (lending/reschedules.py)."""
    options = {"conventions": loan.conventions, "disbursed_on": loan.disbursed_on}
    schedule = build_schedule(
        loan.principal,
        loan.annual_rate,
        loan.term_months,
        loan.grace_months,
        loan.method,
        loan.first_due_on,
        **options,
    )
    if (loan.schedule_version or 1) > 1:
        return schedule_in_force(loan, schedule, **options)
    return schedule


@dataclass(frozen=True)
class DueSoFar:
    """The installments of the schedule that fell due on or before a day: how many, and their total."""

    as_of: date
    count: int
    amount: Decimal


def due_so_far(schedule: Sequence[Installment], as_of: date) -> DueSoFar:
    due = [row for row in schedule if row.due_date is not None and row.due_date <= as_of]
    return DueSoFar(as_of, len(due), sum((row.total for row in due), ZERO))


def next_installment(schedule: Sequence[Installment], as_of: date) -> Installment | None:
    """The first installment due on ``as_of`` or later; None once the last one's date has passed. This is what
    the schedule says, not what is still unpaid: for that, workbench.lending.position (standing_of,
    positions_of) counts the repayments that stand."""
    return next((row for row in schedule if row.due_date is not None and row.due_date >= as_of), None)


def loans_by_borrower(borrower_ids: Iterable[int]) -> dict[int, list[Loan]]:
    """Each borrower's loans, the latest disbursed first, in one query."""
    ids = list(borrower_ids)
    found: dict[int, list[Loan]] = {i: [] for i in ids}
    if not ids:
        return found
    query = select(Loan).where(Loan.borrower_id.in_(ids)).order_by(Loan.disbursed_on.desc(), Loan.id.desc())
    for loan in db.session.scalars(query):
        found[loan.borrower_id].append(loan)
    return found
