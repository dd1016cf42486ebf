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
from sqlalchemy import and_, case, exists, func, literal, select
from sqlalchemy.orm import aliased

from workbench.auth.models import User
from workbench.extensions import db
from workbench.finance.money import ZERO, round_ratio
from workbench.lending.installment_models import LoanInstallment
from workbench.lending.ledger import WRITE_OFFS
from workbench.lending.ledger_models import JournalEntry, JournalLine
from workbench.lending.models import Loan
from workbench.lending.repayment_models import PAYMENT, LoanPayment
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
    """One row per loan: its group keys, principal, paid, principal covered, due, oldest late day,
    written off, schedule version."""
    reversal = aliased(LoanPayment)
    paid = (
        select(LoanPayment.loan_id, func.sum(LoanPayment.amount).label("paid"))
        .where(
            LoanPayment.kind == PAYMENT,
            LoanPayment.paid_on <= as_of,
            ~exists().where(reversal.reverses_id == LoanPayment.id),
        )
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
    current = (
        select(LoanInstallment.loan_id, func.max(LoanInstallment.version).label("version"))
        .group_by(LoanInstallment.loan_id)
        .subquery()
    )
    i = LoanInstallment
    p = func.coalesce(paid.c.paid, 0)
    margin = literal(_HALF_CENT)
    covered_principal = case(
        (i.due_before + i.total <= p + margin, i.principal),
        (i.due_before + i.interest < p - margin, p - i.due_before - i.interest),
        else_=literal(0),
    )
    return (
        select(
            Loan.id.label("loan_id"),
            Loan.principal.label("principal"),
            Loan.disbursed_by_id.label("officer_id"),
            Enrolment.cohort_id.label("cohort_id"),
            p.label("paid"),
            func.sum(covered_principal).label("covered"),
            func.sum(case((i.due_on <= as_of, i.total), else_=literal(0))).label("due"),
            func.min(case((i.due_before + i.total > p + margin, i.late_after))).label("late_since"),
            func.coalesce(written.c.written, 0).label("written"),
            current.c.version.label("version"),
        )
        .join(current, current.c.loan_id == Loan.id)
        .join(i, and_(i.loan_id == Loan.id, i.version == current.c.version))
        .outerjoin(paid, paid.c.loan_id == Loan.id)
        .outerjoin(written, written.c.loan_id == Loan.id)
        .outerjoin(Enrolment, Enrolment.user_id == Loan.borrower_id)
        .where(Loan.disbursed_on <= as_of)
        .group_by(
            Loan.id,
            Loan.principal,
            Loan.disbursed_by_id,
            Enrolment.cohort_id,
            paid.c.paid,
            written.c.written,
            current.c.version,
        )
        .subquery()
    )


def portfolio_rows(as_of: date, by: str = "all") -> list[PortfolioRow]:
    """The figures on `as_of` in all (one row) or by cohort or by officer (a row per group with loans,
    largest portfolio first): one statement for the figures, one for the group names."""
    loan = _per_loan(as_of)
    left = loan.c.principal - loan.c.covered - loan.c.written
    outstanding = case((left > 0, left), else_=literal(0))
    overdue = case((loan.c.due > loan.c.paid, loan.c.due - loan.c.paid), else_=literal(0))
    late_30 = loan.c.late_since < as_of - timedelta(days=30)
    late_90 = loan.c.late_since < as_of - timedelta(days=90)
    key = {"all": literal(None), "cohort": loan.c.cohort_id, "officer": loan.c.officer_id}[by]
    query = select(
        key.label("key"),
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
    )
    if by != "all":
        query = query.group_by(key)
    found = db.session.execute(query).all()
    names = _names(by, [row[0] for row in found if row[0] is not None])
    rows = [
        PortfolioRow(
            key=row[0],
            label=names.get(row[0], "") if by != "all" else "",
            loans=int(row[1] or 0),
            disbursed=_money(row[2]),
            gross_portfolio=_money(row[3]),
            par30_amount=_money(row[4]),
            par90_amount=_money(row[5]),
            arrears_amount=_money(row[6]),
            due_to_date=_money(row[7]),
            paid_to_date=_money(row[8]),
            written_off=_money(row[9]),
            restructured=int(row[10] or 0),
        )
        for row in found
        if row[1]
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
