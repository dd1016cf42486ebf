"""The portfolio's figures summed in SQL are the finance core's: for random loans, payments and reversals,
in all and by cohort and by officer; write-offs come off the portfolio; the statements do not grow with the
number of loans."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from tests.factories import disbursed_loan, loan_product
from tests.support import make_person
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.finance.portfolio import portfolio_indicators
from workbench.lending import ledger
from workbench.lending.models import Loan
from workbench.lending.portfolio import portfolio_rows
from workbench.lending.position import positions_of
from workbench.lending.repayments import post_repayment, reverse_payment
from workbench.lending.services import schedule_of
from workbench.programme.services import create_cohort, enrol
from workbench.timeutil import programme_today

pytestmark = pytest.mark.usefixtures("english_readers")


def _loans(count: int, seed: int) -> list[Loan]:
    """`count` loans paid out up to two years ago, each with its own history: on time, stopped paying,
    paid in odd amounts, a payment reversed; half the borrowers in a second cohort, two officers."""
    rng = random.Random(seed)
    today = programme_today()
    officers = [
        make_person(f"officer{n}.{seed}@example.org", [Role.OFFICER], f"Officer {n}") for n in range(2)
    ]
    cohorts = [
        create_cohort(name=f"Cohort {n} {seed}", city=None, starts_on=None, ends_on=None, actor=None)
        for n in range(2)
    ]
    loans = []
    for n in range(count):
        borrower = make_person(f"borrower{n}.{seed}@example.org", [Role.TRAINEE], f"Borrower {n}")
        enrol(borrower, cohorts[n % 2], actor=None)
        loan = disbursed_loan(
            borrower,
            disbursed_on=today - timedelta(days=rng.randint(20, 720)),
            principal=str(rng.choice([3000, 8000, 12500, 25000])),
            officer=officers[n % 2],
        )
        history = rng.choice(["on_time", "stopped", "odd", "reversed", "none"])
        stop = today - timedelta(days=rng.choice([0, 45, 120]))
        for row in schedule_of(loan):
            if row.due_date > today or (history == "stopped" and row.due_date > stop) or history == "none":
                break
            amount = row.total if history != "odd" else (row.total * Decimal("0.7")).quantize(Decimal("0.01"))
            posted = post_repayment(
                loan,
                paid_on=row.due_date,
                amount=amount,
                reference=f"rata {row.number}",
                key=f"{seed}-{loan.id}-{row.number}",
                actor=officers[0],
                today=today,
            )
            if history == "reversed" and row.number == 2:
                reverse_payment(posted.payment, reason="Bounced.", actor=officers[1], today=today)
        loans.append(loan)
    db.session.commit()
    return loans


def _core(loans: list[Loan], as_of: date):
    return portfolio_indicators(positions_of(loans, as_of).values())


@pytest.mark.parametrize("seed", [1, 2])
def test_the_sql_figures_are_the_finance_cores(app_context, seed: int) -> None:
    loans = _loans(14, seed)
    today = programme_today()
    for as_of in (today, today - timedelta(days=200)):
        expected = _core([loan for loan in loans if loan.disbursed_on <= as_of], as_of)
        (row,) = portfolio_rows(as_of)
        assert row.loans == expected.loans > 0
        assert expected.par30_amount > 0 or as_of != today  # the histories make some loans late
        assert row.gross_portfolio == expected.gross_portfolio
        assert (row.par30_amount, row.par90_amount) == (expected.par30_amount, expected.par90_amount)
        assert (row.par30, row.par90) == (expected.par30, expected.par90)
        assert row.arrears_amount == expected.arrears_amount
        assert (row.due_to_date, row.paid_to_date) == (expected.due_to_date, expected.paid_to_date)
        assert row.collection_rate == expected.collection_rate
    by_cohort = portfolio_rows(today, "cohort")
    assert len(by_cohort) == 2
    for row in by_cohort:
        group = [loan for loan in loans if loan.borrower.id in {e.user_id for e in _cohort_members(row.key)}]
        assert row.gross_portfolio == _core(group, today).gross_portfolio
        assert row.label.startswith("Cohort")
    by_officer = portfolio_rows(today, "officer")
    assert sum(row.loans for row in by_officer) == len(loans)
    for row in by_officer:
        group = [loan for loan in loans if loan.disbursed_by_id == row.key]
        assert row.par30_amount == _core(group, today).par30_amount
        assert row.label.startswith("Officer")


def _cohort_members(cohort_id: int):
    from workbench.programme.models import Enrolment

    return db.session.query(Enrolment).filter(Enrolment.cohort_id == cohort_id).all()


def test_a_write_off_comes_off_the_gross_portfolio(app_context) -> None:
    (loan,) = _loans(1, 3)
    before = portfolio_rows(programme_today())[0]
    ledger.post_write_off(loan, Decimal("1000.00"), programme_today(), None)
    db.session.commit()
    after = portfolio_rows(programme_today())[0]
    assert after.gross_portfolio == before.gross_portfolio - Decimal("1000.00")
    assert after.written_off == Decimal("1000.00")


def test_the_contracts_days_of_tolerance_delay_par(app_context) -> None:
    """An installment unpaid for 35 days is not in PAR30 under 10 days of tolerance; 6 days later it is."""
    tolerant = loan_product(late_tolerance_days=10)
    borrower = make_person("tolerated@example.org", [Role.TRAINEE], "Tolerated")
    loan = disbursed_loan(borrower, disbursed_on=programme_today() - timedelta(days=70), product=tolerant)
    first_due = schedule_of(loan)[0].due_date
    unpaid_35_days = first_due + timedelta(days=35)
    (row,) = portfolio_rows(unpaid_35_days)
    assert row.par30_amount == _core([loan], unpaid_35_days).par30_amount == Decimal("0.00")
    unpaid_41_days = first_due + timedelta(days=41)
    (row,) = portfolio_rows(unpaid_41_days)
    assert row.par30_amount == _core([loan], unpaid_41_days).par30_amount == loan.principal


def test_an_empty_portfolio_has_no_ratios(app_context) -> None:
    (row,) = portfolio_rows(programme_today())
    assert (row.loans, row.gross_portfolio, row.par30, row.collection_rate) == (
        0,
        Decimal("0.00"),
        None,
        None,
    )


def test_the_statements_do_not_grow_with_the_loans(app_context) -> None:
    counts = []
    for seed, count in ((4, 2), (5, 10)):
        _loans(count, seed)
        statements: list[str] = []

        def listener(*_args, statements=statements, **_kwargs) -> None:
            statements.append("q")

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            portfolio_rows(programme_today(), "cohort")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 3  # the sums, the names (and on PostgreSQL: no JIT for them)


def test_the_page_shows_the_figures_their_definitions_and_the_groups(client, app_context) -> None:
    from tests.support import login_as

    loans = _loans(3, 6)
    manager = make_person("portfolio.manager@example.org", [Role.MANAGER], "Portfolio Manager")
    login_as(client, manager)
    page = client.get("/portfolio").get_data(as_text=True)
    total = portfolio_rows(programme_today())[0]
    assert "Gross portfolio" in page
    assert f"{total.gross_portfolio:,.2f}" in page
    assert "Portfolio at risk over 30 days" in page  # the definition, one click away
    assert "Cohort 0 6" in page
    assert "Officer 1" in page
    assert len(loans) == 3
