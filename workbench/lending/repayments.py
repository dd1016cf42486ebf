"""Posting repayments and reversing them. The request commits; these functions flush.

A repayment is posted once: the form carries an idempotency key (unique in the table), so a retried or
double-submitted post answers with the payment already posted. The loan's row is locked while a payment or a
reversal is decided, so two officers at the same moment are served one after the other. Each money row writes
its ledger entry in the same transaction (ledger.py) and an audit event.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from workbench.audit.services import record
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.finance.errors import OverpaymentError
from workbench.finance.money import CENT, ZERO
from workbench.finance.portfolio import LoanPosition, loan_position
from workbench.lending import ledger
from workbench.lending.locking import lock_loan
from workbench.lending.models import Loan
from workbench.lending.permissions import is_officer
from workbench.lending.position import as_pairs, payments_of, standing
from workbench.lending.repayment_models import PAYMENT, REVERSAL, SOURCES, LoanPayment
from workbench.lending.services import schedule_of
from workbench.timeutil import programme_today
from workbench.web.formatting import money

#: No single repayment is larger than this (a typo of three zeros is refused, not posted).
MAX_PAYMENT = Decimal("1000000.00")
MAX_REFERENCE = 140
MAX_REASON = 500
#: A far day: the allocation of every payment that stands, whatever its date.
_ALWAYS = date(9999, 12, 31)


def new_idempotency_key() -> str:
    """The token a repayment form carries (32 hex digits)."""
    return secrets.token_hex(16)


class PossibleDuplicate(DomainError):
    """The same amount, day and reference is already posted on the loan: posted only when confirmed."""


@dataclass(frozen=True)
class Posted:
    payment: LoanPayment
    #: True when the same key had already posted it: nothing new was written.
    already: bool = False


def _by_key(key: str) -> LoanPayment | None:
    return db.session.scalars(
        select(LoanPayment)
        .where(LoanPayment.idempotency_key == key)
        .execution_options(populate_existing=True)
    ).one_or_none()


def _check_officer(actor: User | None) -> None:
    if actor is None or not is_officer(actor):
        raise DomainError({"": _("Only loan officers post repayments and reversals.")})


def check_amount(amount: Decimal) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise DomainError({"amount": _("Enter an amount in euros, with digits only (for example 150).")})
    if amount <= 0:
        raise DomainError({"amount": _("A repayment is above zero.")})
    if amount > MAX_PAYMENT:
        raise DomainError({"amount": _("At most %(amount)s in one repayment.", amount=money(MAX_PAYMENT))})
    if amount != amount.quantize(CENT):
        raise DomainError({"amount": _("At most two decimals: euros and cents.")})
    return amount.quantize(CENT)


def check_day(loan: Loan, paid_on: date, today: date) -> None:
    if paid_on > today:
        raise DomainError({"paid_on": _("A repayment cannot be dated in the future.")})
    if paid_on < loan.disbursed_on:
        raise DomainError({"paid_on": _("A repayment cannot come before the loan was paid out.")})


def duplicates_of(loan: Loan, paid_on: date, amount: Decimal, reference: str) -> list[LoanPayment]:
    """Repayments that stand on the loan with the same day, amount and reference."""
    rows = standing(payments_of([loan.id])[loan.id])
    return [
        row
        for row in rows
        if row.paid_on == paid_on and row.amount == amount and row.reference.strip() == reference.strip()
    ]


def _allocation(loan: Loan, payments: list[tuple[date, Decimal]]) -> LoanPosition:
    return loan_position(schedule_of(loan), payments, _ALWAYS)


def post_repayment(
    loan: Loan,
    *,
    paid_on: date,
    amount: Decimal,
    reference: str,
    key: str,
    actor: User | None,
    confirmed_duplicate: bool = False,
    source: str = "manual",
    today: date | None = None,
) -> Posted:
    """Record money received on the loan. Refused: a non-officer, a day in the future or before the payout,
    an amount not above zero, above MAX_PAYMENT or with fractions of cents, more than what the whole schedule
    still asks (OverpaymentError), and, unless ``confirmed_duplicate``, the same day, amount and reference
    as a repayment already posted (PossibleDuplicate). The same ``key`` posted again answers with the
    payment it posted (Posted.already)."""
    _check_officer(actor)
    assert actor is not None
    amount = check_amount(amount)
    reference = (reference or "").strip()
    if len(reference) > MAX_REFERENCE:
        raise DomainError({"reference": _("At most %(max)d characters.", max=MAX_REFERENCE)})
    if source not in SOURCES or not key or len(key) > 80:
        raise DomainError({"": _("This form is out of date: check what you typed and send it again.")})
    check_day(loan, paid_on, today or programme_today())
    earlier = _by_key(key)
    if earlier is None:
        lock_loan(loan)
        earlier = _by_key(key)  # posted by the request this one waited for
    if earlier is not None:
        if earlier.loan_id != loan.id or earlier.kind != PAYMENT:
            raise DomainError({"": _("This form is out of date: check what you typed and send it again.")})
        return Posted(earlier, already=True)
    kept = standing(payments_of([loan.id])[loan.id])
    if not confirmed_duplicate and any(
        row.paid_on == paid_on and row.amount == amount and row.reference == reference for row in kept
    ):
        raise PossibleDuplicate(
            {
                "": _(
                    "A repayment of %(amount)s on this day with the same reference is already posted on this "
                    "loan. If this is a second payment, confirm it and post again.",
                    amount=money(amount),
                )
            }
        )
    before = _allocation(loan, as_pairs(kept))
    try:
        after = _allocation(loan, [*as_pairs(kept), (paid_on, amount)])
    except OverpaymentError as error:
        still = max(ZERO, error.schedule_total - before.paid_to_date)
        raise DomainError(
            {
                "amount": _(
                    "This is more than the whole loan still asks (%(owed)s): check the amount.",
                    owed=money(still),
                )
            }
        ) from error
    payment = LoanPayment(
        loan_id=loan.id,
        kind=PAYMENT,
        paid_on=paid_on,
        amount=amount,
        reference=reference,
        idempotency_key=key,
        source=source,
        posted_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(payment)
    except IntegrityError:  # the same key at the same moment from another tab
        earlier = _by_key(key)
        if earlier is None:
            raise
        return Posted(earlier, already=True)
    ledger.post_repayment(
        loan,
        payment.id,
        paid_on,
        after.paid_interest - before.paid_interest,
        after.paid_principal - before.paid_principal,
        actor,
    )
    record(
        "loan_payment.posted",
        payment,
        actor,
        after={
            "loan_id": loan.id,
            "paid_on": paid_on.isoformat(),
            "amount": str(amount),
            "reference": reference,
            "source": source,
        },
    )
    return Posted(payment)


def reverse_payment(
    payment: LoanPayment, *, reason: str, actor: User | None, today: date | None = None
) -> LoanPayment:
    """Take back a mistaken repayment with a new row pointing at it (nothing is deleted). Refused: a
    non-officer, no reason, a reversal (a reversal is not reversed), a payment already reversed (also when
    two officers try at the same moment: the unique key on ``reverses_id``)."""
    _check_officer(actor)
    assert actor is not None
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"reason": _("Say why this payment is reversed.")})
    if len(reason) > MAX_REASON:
        raise DomainError({"reason": _("At most %(max)d characters.", max=MAX_REASON)})
    if payment.kind != PAYMENT:
        raise DomainError({"": _("A reversal cannot be reversed: post the payment again instead.")})
    loan = db.session.get(Loan, payment.loan_id)
    assert loan is not None
    lock_loan(loan)
    rows = payments_of([loan.id])[loan.id]
    if any(row.reverses_id == payment.id for row in rows):
        raise DomainError({"": _("This payment was already reversed.")})
    kept = standing(rows)
    before = _allocation(loan, as_pairs(kept))
    after = _allocation(loan, as_pairs(row for row in kept if row.id != payment.id))
    on = today or programme_today()
    reversal = LoanPayment(
        loan_id=loan.id,
        kind=REVERSAL,
        paid_on=max(on, payment.paid_on),
        amount=payment.amount,
        reference=payment.reference,
        reverses_id=payment.id,
        reason=reason,
        idempotency_key=f"reversal-{payment.id}",
        source="manual",
        posted_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(reversal)
    except IntegrityError as error:
        raise DomainError({"": _("This payment was already reversed.")}) from error
    ledger.post_reversal(
        loan,
        reversal.id,
        reversal.paid_on,
        before.paid_interest - after.paid_interest,
        before.paid_principal - after.paid_principal,
        actor,
    )
    record(
        "loan_payment.reversed",
        reversal,
        actor,
        after={
            "loan_id": loan.id,
            "reverses_id": payment.id,
            "amount": str(payment.amount),
            "reason": reason,
        },
    )
    return reversal
