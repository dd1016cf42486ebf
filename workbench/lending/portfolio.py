"""The portfolio's figures, summed in SQL: loans disbursed, gross outstanding portfolio, PAR30 and PAR90,
arrears, collection rate, write-offs and restructured loans, in all and by cohort or by officer.

Nothing is stored beyond the money rows and the schedules' rows (installment_models): every figure is
derived when read, by one statement whatever the number of loans. The arithmetic is the finance core's
(workbench.finance.portfolio: loan_position, portfolio_indicators), done per installment row:

- a loan's paid amount P is the sum of its repayments that stand (not reversed), dated on or before the day;
- P covers the installments of the current schedule oldest first, each one's interest before its principal
  (the finance core's waterfall; a schedule row carries no fees or penalties): an installment is covered
  when the total of the ones before it and its own (``due_before + total``) is at most P; the one P reaches
  into is covered in part, interest first;
- outstanding principal = principal - the principal covered - what was written off (never below 0);
- due to date = the installments due on or before the day; overdue = due to date - P when positive;
- the oldest installment not covered is late once its ``late_after`` (due date + the contract's days of
  tolerance) has passed: PAR30 / PAR90 count the whole outstanding of the loans late by more than 30 / 90
  days, as the finance core's days_past_due > 30 / > 90.
A test holds these figures to the finance core's for random loans and payments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, literal, select, text
from sqlalchemy.orm import aliased

from workbench.auth.models import User
from workbench.extensions import db
from workbench.finance.money import ZERO, round_ratio
from workbench.lending.installment_models import LoanInstallment
from workbench.lending.ledger import WRITE_OFFS
from workbench.lending.ledger_models import JournalEntry, JournalLine
from workbench.lending.models import Loan
from workbench.lending.repayment_models import PAYMENT, REVERSAL, LoanPayment
from workbench.programme.models import Cohort, Enrolment

#: Half a cent: SQLite sums money as floating point, so "covered" compares with this margin (on PostgreSQL
#: the sums are exact, and amounts in whole cents compare the same with or without it).
_HALF_CENT = Decimal("0.005")

#: How the figures may be split: in all, by the borrower's cohort, by the officer who paid the loan out.
GROUPINGS = ("all", "cohort", "officer")


@dataclass(frozen=True)
class PortfolioRow:
    """The figures of one group of loans (all of them, a cohort, an officer's)."""

    key: int | None
    label: str
    loans: int
    disbursed: Decimal
    gross_portfolio: Decimal
    par30_amount: Decimal
    par90_amount: Decimal
    arrears_amount: Decimal
    due_to_date: Decimal
    paid_to_date: Decimal
    written_off: Decimal
    restructured: int

    @property
    def par30(self) -> Decimal | None:
        return round_ratio(self.par30_amount, self.gross_portfolio)

    @property
    def par90(self) -> Decimal | None:
        return round_ratio(self.par90_amount, self.gross_portfolio)

    @property
    def arrears_rate(self) -> Decimal | None:
        return round_ratio(self.arrears_amount, self.gross_portfolio)

    @property
    def collection_rate(self) -> Decimal | None:
        return round_ratio(self.paid_to_date, self.due_to_date)


#: The definition of each figure, as the page shows it one click away.
DEFINITIONS = {
    "loans": _l("Loans paid out, and the money paid out, since the programme began."),
    "gross_portfolio": _l(
        "Gross outstanding portfolio: the principal still owed on every loan, after what was written off."
    ),
    "par30": _l(
        "Portfolio at risk over 30 days: the whole principal still owed on the loans whose oldest unpaid "
        "installment is late by more than 30 days (after the contract's days of tolerance), as a share of "
        "the gross portfolio."
    ),
    "par90": _l("The same, for loans late by more than 90 days."),
    "arrears_rate": _l(
        "Arrears rate: the installments due and not paid, as a share of the gross portfolio. Unlike PAR it "
        "counts only the late amounts, not the whole balance."
    ),
    "collection_rate": _l(
        "Collection rate: what borrowers paid, as a share of what fell due so far (above 100 % when they "
        "pay ahead)."
    ),
    "written_off": _l("Principal written off with the four-eyes decision: no longer expected."),
    "restructured": _l(
        "Loans whose schedule was rescheduled: they still count in the gross portfolio and in PAR."
    ),
}


def _per_loan(as_of: date):
    """One row per loan paid out by `as_of`, computed once (a materialized CTE): its group keys,
    principal, paid P, the principal still owed and the day it is late since (both read off the
    installment P reaches, found by an index seek, not by reading every installment), what fell due,
    written off, schedule version."""
    payments = (
        select(LoanPayment.loan_id, func.sum(LoanPayment.amount).label("amount"))
        .where(LoanPayment.kind == PAYMENT, LoanPayment.paid_on <= as_of)
        .group_by(LoanPayment.loan_id)
        .subquery()
    )
    # A reversal takes back a payment for good: the payments of the day less those later reversed.
    reversed_payment = aliased(LoanPayment)
    reversals = (
        select(LoanPayment.loan_id, func.sum(LoanPayment.amount).label("amount"))
        .join(reversed_payment, reversed_payment.id == LoanPayment.reverses_id)
        .where(LoanPayment.kind == REVERSAL, reversed_payment.paid_on <= as_of)
        .group_by(LoanPayment.loan_id)
        .subquery()
    )
    written = (
        select(JournalEntry.loan_id, func.sum(JournalLine.debit).label("written"))
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .where(JournalLine.account == WRITE_OFFS, JournalEntry.entry_date <= as_of)
        .group_by(JournalEntry.loan_id)
        .subquery()
    )
    i = LoanInstallment
    loans = (
        select(
            Loan.id.label("loan_id"),
            Loan.principal.label("principal"),
            Loan.disbursed_by_id.label("officer_id"),
            Enrolment.cohort_id.label("cohort_id"),
            (func.coalesce(payments.c.amount, 0) - func.coalesce(reversals.c.amount, 0)).label("paid"),
            func.coalesce(written.c.written, 0).label("written"),
            Loan.schedule_version.label("version"),
        )
        .outerjoin(payments, payments.c.loan_id == Loan.id)
        .outerjoin(reversals, reversals.c.loan_id == Loan.id)
        .outerjoin(written, written.c.loan_id == Loan.id)
        .outerjoin(Enrolment, Enrolment.user_id == Loan.borrower_id)
        .where(Loan.disbursed_on <= as_of)
        .cte("loan_paid")
        .prefix_with("MATERIALIZED")
    )
    margin = literal(_HALF_CENT)
    into = loans.c.paid - i.due_before  # how far the payments go into the installment they reach
    whole = into + margin >= i.total
    covered_part = case((into - i.interest > margin, into - i.interest), else_=literal(0))

    def at_reached(value):
        """`value` read off the installment the payments reach: the last whose earlier ones they cover."""
        return (
            select(value)
            .where(
                i.loan_id == loans.c.loan_id,
                i.version == loans.c.version,
                i.due_before <= loans.c.paid + margin,
            )
            .order_by(i.due_before.desc())
            .limit(1)
            .correlate(loans)
            .scalar_subquery()
        )

    # What fell due: the running total at the last installment due by the day.
    due = (
        select(i.due_before + i.total)
        .where(i.loan_id == loans.c.loan_id, i.version == loans.c.version, i.due_on <= as_of)
        .order_by(i.due_on.desc())
        .limit(1)
        .correlate(loans)
        .scalar_subquery()
    )
    return (
        select(
            loans,
            # Principal owed: after the reached installment when it is covered whole, else before it less
            # what the payments cover of its principal (its interest first).
            at_reached(case((whole, i.balance), else_=i.balance + i.principal - covered_part)).label("owed"),
            at_reached(case((whole, literal(None)), else_=i.late_after)).label("late_since"),
            func.coalesce(due, 0).label("due"),
        )
        .cte("loan_figures")
        .prefix_with("MATERIALIZED")
    )


def portfolio_groups(as_of: date) -> list[tuple]:
    """The sums of one statement, by (cohort, officer): few rows, whatever the number of loans."""
    if db.session.get_bind().dialect.name == "postgresql":
        # Compiling this one statement just in time costs more than running it.
        db.session.execute(text("SET LOCAL jit = off"))
    loan = _per_loan(as_of)
    left = loan.c.owed - loan.c.written
    outstanding = case((left > 0, left), else_=literal(0))
    overdue = case((loan.c.due > loan.c.paid, loan.c.due - loan.c.paid), else_=literal(0))
    late_30 = loan.c.late_since < as_of - timedelta(days=30)
    late_90 = loan.c.late_since < as_of - timedelta(days=90)
    return list(
        db.session.execute(
            select(
                loan.c.cohort_id,
                loan.c.officer_id,
                func.count(),
                func.sum(loan.c.principal),
                func.sum(outstanding),
                func.sum(case((late_30, outstanding), else_=literal(0))),
                func.sum(case((late_90, outstanding), else_=literal(0))),
                func.sum(overdue),
                func.sum(loan.c.due),
                func.sum(loan.c.paid),
                func.sum(loan.c.written),
                func.sum(case((loan.c.version > 1, 1), else_=0)),
            ).group_by(loan.c.cohort_id, loan.c.officer_id)
        ).all()
    )


def portfolio_rows(as_of: date, by: str = "all", *, groups: list[tuple] | None = None) -> list[PortfolioRow]:
    """The figures on `as_of` in all (one row) or by cohort or by officer (a row per group with loans,
    largest portfolio first). One statement sums them by (cohort, officer) (pass its `groups` to split the
    same sums another way without asking again); one more names the groups."""
    found = portfolio_groups(as_of) if groups is None else groups
    position = {"all": None, "cohort": 0, "officer": 1}[by]
    totals: dict[int | None, list] = {}
    for row in found:
        key = row[position] if position is not None else None
        sums = totals.setdefault(key, [0, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, 0])
        for index, value in enumerate(row[2:]):
            sums[index] += int(value or 0) if index in (0, 9) else _money(value)
    names = _names(by, [key for key in totals if key is not None])
    rows = [
        PortfolioRow(key, names.get(key, "") if by != "all" else "", sums[0], *sums[1:9], sums[9])
        for key, sums in totals.items()
        if sums[0]
    ]
    if by == "all" and not rows:
        rows = [PortfolioRow(None, "", 0, *([ZERO] * 8), 0)]
    return sorted(rows, key=lambda r: (-r.gross_portfolio, r.label))


def _money(value: object) -> Decimal:
    """A sum as the database returns it (Decimal, or float/int on SQLite) in cents."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _names(by: str, keys: list[int]) -> dict[int | None, str]:
    if by == "cohort" and keys:
        return dict(db.session.execute(select(Cohort.id, Cohort.name).where(Cohort.id.in_(keys))).all())
    if by == "officer" and keys:
        return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(keys))).all())
    return {}


@dataclass(frozen=True)
class LoanFigures:
    """One loan's figures on a day, as the portfolio sums them."""

    loan_id: int
    outstanding: Decimal
    overdue: Decimal
    due_to_date: Decimal
    paid_to_date: Decimal
    written_off: Decimal
    #: The day its oldest unpaid installment is late since (None: nothing unpaid is late-able).
    late_since: date | None
    version: int

    def days_past_due(self, as_of: date) -> int:
        return max(0, (as_of - self.late_since).days) if self.late_since is not None else 0


def loan_figures(as_of: date) -> dict[int, LoanFigures]:
    """Every loan's figures on `as_of`, by loan id, from the same statement's per-loan rows."""
    loan = _per_loan(as_of)
    found = db.session.execute(
        select(
            loan.c.loan_id,
            loan.c.owed,
            loan.c.written,
            loan.c.due,
            loan.c.paid,
            loan.c.late_since,
            loan.c.version,
        )
    ).all()
    figures = {}
    for loan_id, owed, written, due, paid, late_since, version in found:
        due_money, paid_money = _money(due), _money(paid)
        figures[loan_id] = LoanFigures(
            loan_id=loan_id,
            outstanding=max(ZERO, _money(owed) - _money(written)),
            overdue=max(ZERO, due_money - paid_money),
            due_to_date=due_money,
            paid_to_date=paid_money,
            written_off=_money(written),
            late_since=late_since if late_since is None or isinstance(late_since, date) else _day(late_since),
            version=int(version or 1),
        )
    return figures


def _day(value: object) -> date:
    return date.fromisoformat(str(value)[:10])
