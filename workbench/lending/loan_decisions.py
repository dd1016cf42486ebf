"""A loan's write-off and reschedule: proposed by one loan officer, carried out when someone else confirms.

The loan is a four-eyes subject ("loan", decisions.py) with two actions, each proposed with a reason:

- write-off: an amount of the principal still owed (by default all of it: what the loan has on loans
  receivable) and the day. Confirmed, the ledger writes Dr write-offs / Cr loans receivable
  (ledger.post_write_off) and the loan reads "written off" (from the ledger, no status is stored). Its
  outstanding principal for the portfolio is reduced by it (position.portfolio_positions). The borrower still
  owes the schedule: later repayments are accepted and booked as recoveries (ledger.py).
- reschedule: a new yearly rate (by default the loan's), months, months of interest only, method and the day
  the new schedule's first installment falls due. Confirmed, a new schedule version is stored (reschedule_
  models.LoanReschedule, effective the day of the confirmation) and the loan reads "restructured"; it stays
  in the portfolio and in PAR like any loan. No ledger entry: no money moves, and the interest carried into
  the new schedule is income when it is paid (ledger.post_repayment).

Nobody confirms their own proposal (decisions.confirm refuses it); only loan officers propose; a different
officer or a manager confirms. The confirmation runs under the loan's lock (lock_loan, the lock repayments
take) and checks the loan again as it is then: a payment posted since the proposal may leave less to write
off (an amount proposed is then refused; "all of it" writes off what is left), the first due day may have
passed, the loan may have been repaid or written off meanwhile. A refused confirmation changes nothing: the
proposal still waits, to be declined.

Services flush; the request commits. Every proposal, confirmation and effect is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from workbench.audit.services import record
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.finance.errors import AssumptionsError
from workbench.finance.money import CENT, ZERO
from workbench.finance.portfolio import LoanPosition, loan_position
from workbench.finance.reschedule import carry_over
from workbench.finance.schedule import Installment, build_schedule
from workbench.lending import decisions, ledger
from workbench.lending.applications import REPAYMENT_METHODS
from workbench.lending.decisions_models import Proposal
from workbench.lending.locking import lock_loan
from workbench.lending.models import Loan
from workbench.lending.permissions import is_officer
from workbench.lending.position import as_pairs, payments_of, standing
from workbench.lending.reschedule_models import LoanReschedule
from workbench.lending.reschedules import load_reschedules
from workbench.lending.schedules import store_schedule
from workbench.lending.services import schedule_of
from workbench.timeutil import programme_today
from workbench.web.dates import day
from workbench.web.formatting import money

#: The subject type of a loan in the four-eyes proposals.
SUBJECT = "loan"
WRITE_OFF, RESCHEDULE = "write_off", "reschedule"
ACTIONS = (WRITE_OFF, RESCHEDULE)
ACTION_LABELS = {WRITE_OFF: _l("Write off"), RESCHEDULE: _l("Reschedule")}
#: The new schedule's first installment falls due within this many days of the proposal (and of its
#: confirmation): a year, as the longest first period the schedule conventions accept.
MAX_FIRST_DUE_DAYS = 366
#: A yearly rate is stored as a fraction with six decimals (Loan.annual_rate): a percentage with four.
RATE_PLACES = Decimal("0.000001")


def can_propose(user: User) -> bool:
    """Loan officers propose a loan's write-off or reschedule."""
    return is_officer(user) and user.active


# --- where the loan stands, derived ------------------------------------------------------------------------


@dataclass
class LoanDecisions:
    """The four-eyes history of a loan and what it did: its proposals (the latest first), its write-offs
    (day, amount) and its reschedules (oldest first)."""

    loan: Loan
    proposals: list[Proposal] = field(default_factory=list)
    write_offs: list[tuple[date, Decimal]] = field(default_factory=list)
    reschedules: list[LoanReschedule] = field(default_factory=list)

    @property
    def pending(self) -> Proposal | None:
        return next((p for p in self.proposals if p.pending), None)

    @property
    def written_off(self) -> Decimal:
        return sum((amount for _day, amount in self.write_offs), ZERO)

    @property
    def restructured(self) -> bool:
        return bool(self.reschedules)


def decisions_of(loan: Loan) -> LoanDecisions:
    """The loan's proposals, write-offs and reschedules (three queries and the people)."""
    load_reschedules([loan])
    return LoanDecisions(
        loan,
        decisions.proposals_of(SUBJECT, [loan.id])[loan.id],
        ledger.write_offs_of(loan),
        list(loan.reschedules) if (loan.schedule_version or 1) > 1 else [],  # type: ignore[attr-defined]
    )


def shown_terms(proposal: Proposal) -> dict[str, Any]:
    """A loan proposal's terms as a page shows them: days as dates, amounts and rates as Decimal."""
    shown: dict[str, Any] = dict(proposal.terms)
    for key in ("written_off_on", "first_due_on"):
        if isinstance(shown.get(key), str):
            shown[key] = date.fromisoformat(shown[key])
    for key in ("amount", "annual_rate", "principal"):
        if isinstance(shown.get(key), str):
            shown[key] = Decimal(shown[key])
    return shown


def is_written_off(loan: Loan) -> bool:
    return ledger.written_off([loan.id])[loan.id] > ZERO


def subject_of(proposal: Proposal) -> Loan | None:
    if proposal.subject_type != SUBJECT:
        return None
    return db.session.get(Loan, proposal.subject_id)


def waiting_for(user: User) -> list[tuple[Proposal, Loan]]:
    """The loan proposals ``user`` may confirm or decline, the oldest first, each with its loan and borrower
    (the checker's inbox: two queries and the proposers)."""
    waiting = [p for p in decisions.waiting_for(user) if p.subject_type == SUBJECT]
    if not waiting:
        return []
    loans = {
        loan.id: loan
        for loan in db.session.scalars(
            select(Loan)
            .where(Loan.id.in_({p.subject_id for p in waiting}))
            .options(joinedload(Loan.borrower))
        )
    }
    return [(p, loans[p.subject_id]) for p in waiting if p.subject_id in loans]


# --- proposing ---------------------------------------------------------------------------------------------


def _check_proposer(actor: User) -> None:
    if not can_propose(actor):
        raise DomainError({"": _("Only loan officers propose a write-off or a reschedule.")})


def _reason(note: str | None) -> str:
    tidy = (note or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not tidy:
        raise DomainError({"note": _("Say why: the officer or manager who confirms will read it.")})
    return tidy


def propose_write_off(
    loan: Loan, actor: User, *, amount: Decimal | None, written_off_on: date | None, note: str | None
) -> Proposal:
    """Propose to write off ``amount`` of the loan's principal (None: all that is still owed of it) on
    ``written_off_on``, saying why. Refused: a non-officer, no reason, a loan with nothing left to write off,
    an amount that is not positive cents or above what is left, a day in the future or before the payout,
    a proposal already waiting on the loan."""
    _check_proposer(actor)
    terms = {"amount": amount, "written_off_on": written_off_on}
    return decisions.propose(SUBJECT, loan.id, WRITE_OFF, actor=actor, terms=terms, note=_reason(note))


def propose_reschedule(
    loan: Loan,
    actor: User,
    *,
    annual_rate: Decimal | None,
    term_months: int | None,
    grace_months: int | None,
    method: str | None,
    first_due_on: date | None,
    note: str | None,
) -> Proposal:
    """Propose a new schedule for what is still owed: yearly rate (a fraction; None: the loan's), months,
    months of interest only, method and the new first due day, saying why. Refused: a non-officer, no
    reason, a written-off or fully repaid loan, terms the schedule refuses, a first due day not after today
    or more than MAX_FIRST_DUE_DAYS ahead, a proposal already waiting on the loan."""
    _check_proposer(actor)
    terms = {
        "annual_rate": loan.annual_rate if annual_rate is None else annual_rate,
        "term_months": term_months,
        "grace_months": grace_months or 0,
        "method": method,
        "first_due_on": first_due_on,
    }
    return decisions.propose(SUBJECT, loan.id, RESCHEDULE, actor=actor, terms=terms, note=_reason(note))


def _lock(loan_id: int) -> None:
    loan = db.session.get(Loan, loan_id)
    if loan is None:
        raise DomainError({"": _("This loan does not exist.")})
    lock_loan(loan)


def _check_proposal(loan_id: int, action: str, terms: Mapping[str, Any]) -> dict[str, Any]:
    loan = db.session.get(Loan, loan_id)
    assert loan is not None
    today = programme_today()
    if action == WRITE_OFF:
        return _write_off_terms(loan, terms, today)
    return _reschedule_terms(loan, terms, today)


def _write_off_terms(loan: Loan, terms: Mapping[str, Any], today: date) -> dict[str, Any]:
    left = ledger.receivable_of(loan)
    if left <= ZERO:
        raise DomainError({"": _("Nothing is left to write off on this loan.")})
    errors: dict[str, str] = {}
    amount = terms.get("amount")
    whole = amount is None
    if not whole:
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
            errors["amount"] = _("Enter an amount above zero, in euros and cents.")
        elif amount > left:  # before the cents: a huge amount is not rounded
            errors["amount"] = _("At most %(amount)s of this loan can be written off.", amount=money(left))
        elif amount != amount.quantize(CENT):
            errors["amount"] = _("Enter an amount above zero, in euros and cents.")
    on = terms.get("written_off_on")
    if not isinstance(on, date):
        errors["written_off_on"] = _("Choose the day of the write-off.")
    elif on > today:
        errors["written_off_on"] = _("A write-off cannot be dated in the future.")
    elif on < loan.disbursed_on:
        errors["written_off_on"] = _("A write-off cannot come before the loan was paid out.")
    if errors:
        raise DomainError(errors)
    assert isinstance(on, date)
    return {
        "amount": str(left if whole else amount),
        "whole": whole,
        "written_off_on": on.isoformat(),
    }


def _outstanding(loan: Loan, on: date) -> tuple[LoanPosition, tuple[Installment, ...]]:
    """The loan's position on ``on`` and its schedule in force."""
    schedule = schedule_of(loan)
    kept = standing(payments_of([loan.id])[loan.id])
    return loan_position(schedule, as_pairs(kept), on), schedule


def _six_places(rate: Decimal) -> bool:
    try:
        return rate.is_finite() and rate == rate.quantize(RATE_PLACES)
    except ArithmeticError:
        return False


def _reschedule_terms(loan: Loan, terms: Mapping[str, Any], today: date) -> dict[str, Any]:
    from workbench.plans.financials import message_for

    if is_written_off(loan):
        raise DomainError({"": _("This loan was written off: it cannot be rescheduled.")})
    position, _schedule = _outstanding(loan, today)
    if position.outstanding_principal <= ZERO:
        raise DomainError({"": _("This loan is repaid: there is nothing to reschedule.")})
    errors: dict[str, str] = {}
    method = terms.get("method")
    if method not in REPAYMENT_METHODS:
        errors["method"] = _("Choose how the installments are made up.")
    try:
        build_schedule(
            position.outstanding_principal,
            terms.get("annual_rate"),
            terms.get("term_months"),
            terms.get("grace_months") or 0,
            method if method in REPAYMENT_METHODS else "annuity",
        )
    except AssumptionsError as error:
        for issue in error.issues:
            if issue.path != "principal":
                errors.setdefault(issue.path, message_for(issue))
    rate = terms.get("annual_rate")
    if "annual_rate" not in errors and isinstance(rate, Decimal) and not _six_places(rate):
        errors["annual_rate"] = _("At most four decimals in the percentage.")
    first_due = terms.get("first_due_on")
    if not isinstance(first_due, date):
        errors["first_due_on"] = _("Choose the day the first installment falls due.")
    elif first_due <= today or (first_due - today).days > MAX_FIRST_DUE_DAYS:
        errors["first_due_on"] = _("Choose a day after today, within a year.")
    if errors:
        raise DomainError(errors)
    assert isinstance(first_due, date)
    return {
        "annual_rate": format(Decimal(rate), "f"),
        "term_months": int(terms["term_months"]),
        "grace_months": int(terms.get("grace_months") or 0),
        "method": method,
        "first_due_on": first_due.isoformat(),
        "principal": str(position.outstanding_principal),
    }


# --- confirming: the effect --------------------------------------------------------------------------------


def _on_confirmed(proposal: Proposal, actor: User) -> None:
    """Carry out the confirmed proposal, the loan's lock held (decisions.confirm took it), the loan read as
    it is now."""
    if not decisions.is_checker(actor):
        raise DomainError({"": _("Only loan officers and managers confirm a decision.")})
    loan = db.session.get(Loan, proposal.subject_id)
    assert loan is not None
    if proposal.action == WRITE_OFF:
        _write_off(loan, proposal, actor)
    else:
        _reschedule(loan, proposal, actor, programme_today())


def _write_off(loan: Loan, proposal: Proposal, actor: User) -> None:
    terms = proposal.terms
    left = ledger.receivable_of(loan)
    if left <= ZERO:
        raise DomainError(
            {"": _("Nothing is left to write off on this loan any more: decline this proposal.")}
        )
    amount = Decimal(terms["amount"])
    if terms.get("whole"):
        amount = left
    elif amount > left:
        raise DomainError(
            {
                "": _(
                    "Since this proposal, payments brought what is still owed of the amount lent down to "
                    "%(amount)s: decline it, and propose again if need be.",
                    amount=money(left),
                )
            }
        )
    ledger.post_write_off(
        loan, amount, date.fromisoformat(terms["written_off_on"]), actor, proposal_id=proposal.id
    )


def _reschedule(loan: Loan, proposal: Proposal, actor: User, effective_on: date) -> None:
    terms = proposal.terms
    if is_written_off(loan):
        raise DomainError(
            {"": _("This loan was written off since this proposal: decline it, it cannot be rescheduled.")}
        )
    first_due = date.fromisoformat(terms["first_due_on"])
    if first_due <= effective_on or first_due > effective_on + timedelta(days=MAX_FIRST_DUE_DAYS):
        raise DomainError(
            {
                "": _(
                    "The new schedule's first installment was to fall due on %(date)s: that day has come. "
                    "Decline this proposal and propose again.",
                    date=day(first_due),
                )
            }
        )
    position, schedule = _outstanding(loan, effective_on)
    carried = carry_over(schedule, position.paid_to_date, effective_on)
    if carried.principal <= ZERO:
        raise DomainError(
            {"": _("This loan was repaid since this proposal: there is nothing to reschedule. Decline it.")}
        )
    row = LoanReschedule(
        loan_id=loan.id,
        version=(loan.schedule_version or 1) + 1,
        effective_on=effective_on,
        paid_to_date=position.paid_to_date,
        principal_carried=carried.principal,
        interest_carried=carried.interest,
        annual_rate=Decimal(terms["annual_rate"]),
        term_months=int(terms["term_months"]),
        grace_months=int(terms["grace_months"]),
        method=terms["method"],
        first_due_on=first_due,
        reason=proposal.note,
        proposal_id=proposal.id,
        created_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
            loan.schedule_version = row.version
    except IntegrityError as error:  # the lock makes this a backstop: the unique keys
        raise DomainError({"": _("This loan was rescheduled meanwhile: decline this proposal.")}) from error
    db.session.expire(loan, ["reschedules"])  # read again, with the new version
    try:
        store_schedule(loan)  # the new version, built under the loan's conventions, as rows for the portfolio
    except AssumptionsError as error:
        raise DomainError({"": _("These terms do not make a schedule: decline this proposal.")}) from error
    record(
        "loan.rescheduled",
        loan,
        actor,
        before={"schedule_version": row.version - 1},
        after={
            "schedule_version": row.version,
            "proposal_id": proposal.id,
            "effective_on": effective_on.isoformat(),
            "paid_to_date": str(row.paid_to_date),
            "principal_carried": str(row.principal_carried),
            "interest_carried": str(row.interest_carried),
            "annual_rate": terms["annual_rate"],
            "term_months": row.term_months,
            "grace_months": row.grace_months,
            "method": row.method,
            "first_due_on": first_due.isoformat(),
        },
    )


decisions.register_subject(
    SUBJECT,
    decisions.SubjectKind(
        actions=ACTIONS,
        lock=_lock,
        check_proposal=_check_proposal,
        on_confirmed=_on_confirmed,
        note_required=frozenset(ACTIONS),
    ),
)
