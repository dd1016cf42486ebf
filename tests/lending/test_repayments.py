"""Posting repayments and reversing them: every refusal, the idempotency key, positions from payments that
stand, and the ledger written with each movement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from tests.factories import disbursed_loan
from tests.support import audit_events
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending import ledger
from workbench.lending.ledger_models import JournalEntry, JournalLine
from workbench.lending.models import Loan
from workbench.lending.position import (
    LATE,
    PAID,
    PARTLY_PAID,
    portfolio_positions,
    positions_of,
    standing_of,
)
from workbench.lending.repayment_models import LoanPayment
from workbench.lending.repayments import (
    PossibleDuplicate,
    new_idempotency_key,
    post_repayment,
    reverse_payment,
)
from workbench.lending.services import schedule_of

pytestmark = pytest.mark.usefixtures("english_readers")

PAYOUT = date(2027, 1, 15)
TODAY = date(2027, 6, 1)


def pay(loan: Loan, officer: User, amount: str, on: date = date(2027, 2, 15), **kwargs) -> LoanPayment:
    posted = post_repayment(
        loan,
        paid_on=on,
        amount=Decimal(amount),
        reference=kwargs.pop("reference", "BONIFICO"),
        key=kwargs.pop("key", new_idempotency_key()),
        actor=officer,
        today=TODAY,
        **kwargs,
    )
    db.session.commit()
    return posted.payment


def assert_books_balance(loans: list[Loan]) -> None:
    """Debits = credits, and loans receivable = the sum of the loans' outstanding principal for the portfolio
    (less what was written off, never below zero), loan by loan too."""
    rows = {row.code: row for row in ledger.trial_balance()}
    assert sum(r.debit for r in rows.values()) == sum(r.credit for r in rows.values())
    positions = portfolio_positions(loans, date(9999, 12, 31))
    expected = sum((positions[loan.id].outstanding_principal for loan in loans), Decimal(0))
    assert rows[ledger.RECEIVABLE].balance == expected
    for loan in loans:
        assert ledger.receivable_of(loan) == positions[loan.id].outstanding_principal >= 0


@pytest.fixture
def loan(trainee: User, officer: User) -> Loan:
    return disbursed_loan(trainee, disbursed_on=PAYOUT, officer=officer)


def test_a_repayment_is_posted_allocated_and_booked(loan: Loan, officer: User) -> None:
    first = schedule_of(loan)[0]
    payment = pay(loan, officer, str(first.total))
    assert payment.kind == "payment"
    assert payment.amount == first.total
    entry = db.session.scalars(select(JournalEntry).where(JournalEntry.payment_id == payment.id)).one()
    lines = {line.account: (line.debit, line.credit) for line in entry.lines}
    assert lines[ledger.BANK] == (first.total, Decimal("0.00"))
    assert lines[ledger.INTEREST_INCOME] == (Decimal("0.00"), first.interest)
    assert lines[ledger.RECEIVABLE] == (Decimal("0.00"), first.principal)
    assert [e.object_id for e in audit_events("loan_payment.posted")] == [payment.id]
    assert_books_balance([loan])


def test_the_position_counts_payments_and_marks_installments(loan: Loan, officer: User) -> None:
    schedule = schedule_of(loan)
    pay(loan, officer, str(schedule[0].total + Decimal("10.00")))
    state = standing_of(loan, TODAY)
    assert state.position.paid_to_date == schedule[0].total + Decimal("10.00")
    assert [s.state for s in state.states[:3]] == [PAID, LATE, LATE]
    assert state.states[1].paid == Decimal("10.00")
    assert state.position.days_past_due == (TODAY - schedule[1].due_date).days
    assert state.next_due is not None
    assert state.next_due.installment.due_date >= TODAY
    early = standing_of(loan, date(2027, 2, 16))
    assert early.states[1].state == PARTLY_PAID


@pytest.mark.parametrize(
    ("amount", "on", "field", "words"),
    [
        ("100", date(2027, 6, 2), "paid_on", "future"),
        ("100", date(2027, 1, 14), "paid_on", "before the loan was paid out"),
        ("0", date(2027, 2, 1), "amount", "above zero"),
        ("-5", date(2027, 2, 1), "amount", "above zero"),
        ("1000000.01", date(2027, 2, 1), "amount", "At most"),
        ("1E+30", date(2027, 2, 1), "amount", "At most"),
        ("10.005", date(2027, 2, 1), "amount", "two decimals"),
        ("9000", date(2027, 2, 1), "amount", "more than the whole loan still asks"),
    ],
)
def test_refusals(loan: Loan, officer: User, amount: str, on: date, field: str, words: str) -> None:
    with pytest.raises(DomainError) as refused:
        pay(loan, officer, amount, on)
    assert words in refused.value.errors[field]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(LoanPayment)) == 0
    assert_books_balance([loan])


def test_a_trainee_cannot_post_or_reverse(loan: Loan, officer: User, trainee: User) -> None:
    with pytest.raises(DomainError) as refused:
        pay(loan, trainee, "100")
    assert "Only loan officers" in refused.value.errors[""]
    db.session.rollback()
    payment = pay(loan, officer, "100")
    with pytest.raises(DomainError):
        reverse_payment(payment, reason="typo", actor=trainee, today=TODAY)


def test_the_same_key_posts_once(loan: Loan, officer: User) -> None:
    key = new_idempotency_key()
    first = pay(loan, officer, "100", key=key)
    again = post_repayment(
        loan,
        paid_on=date(2027, 2, 15),
        amount=Decimal("100"),
        reference="X",
        key=key,
        actor=officer,
        today=TODAY,
    )
    assert again.already
    assert again.payment.id == first.id
    assert db.session.scalar(select(func.count()).select_from(LoanPayment)) == 1
    assert_books_balance([loan])


def test_the_same_amount_day_and_reference_asks_for_confirmation(loan: Loan, officer: User) -> None:
    pay(loan, officer, "100", reference="CRO 1")
    with pytest.raises(PossibleDuplicate) as warned:
        pay(loan, officer, "100", reference="CRO 1")
    assert "already posted" in warned.value.errors[""]
    db.session.rollback()
    pay(loan, officer, "100", reference="CRO 1", confirmed_duplicate=True)
    assert db.session.scalar(select(func.count()).select_from(LoanPayment)) == 2


def test_overpayment_beyond_the_whole_schedule_is_refused_and_the_exact_rest_accepted(
    loan: Loan, officer: User
) -> None:
    total = sum(row.total for row in schedule_of(loan))
    pay(loan, officer, "1000")
    with pytest.raises(DomainError) as refused:
        pay(loan, officer, str(total - Decimal("1000") + Decimal("0.01")))
    assert "more than the whole loan still asks" in refused.value.errors["amount"]
    db.session.rollback()
    pay(loan, officer, str(total - Decimal("1000")), on=date(2027, 3, 1))
    state = standing_of(loan, TODAY)
    assert state.repaid
    assert state.position.outstanding_principal == 0
    assert all(s.state == PAID for s in state.states)
    assert_books_balance([loan])


def test_a_reversal_takes_a_payment_back_once(loan: Loan, officer: User) -> None:
    kept = pay(loan, officer, "300")
    mistaken = pay(loan, officer, "250", on=date(2027, 3, 15))
    reversal = reverse_payment(mistaken, reason="Wrong loan", actor=officer, today=TODAY)
    db.session.commit()
    assert reversal.reverses_id == mistaken.id
    assert reversal.kind == "reversal"
    state = standing_of(loan, TODAY)
    assert state.position.paid_to_date == Decimal("300.00")
    assert state.standing_ids == {kept.id}
    assert_books_balance([loan])
    with pytest.raises(DomainError) as twice:
        reverse_payment(mistaken, reason="again", actor=officer, today=TODAY)
    assert "already reversed" in twice.value.errors[""]
    db.session.rollback()
    with pytest.raises(DomainError) as of_reversal:
        reverse_payment(reversal, reason="undo", actor=officer, today=TODAY)
    assert "cannot be reversed" in of_reversal.value.errors[""]
    db.session.rollback()
    with pytest.raises(DomainError) as no_reason:
        reverse_payment(kept, reason="  ", actor=officer, today=TODAY)
    assert "reason" in no_reason.value.errors
    assert db.session.scalar(select(func.count()).select_from(LoanPayment)) == 3


def test_reversing_an_early_payment_moves_the_allocation_and_keeps_the_books(
    loan: Loan, officer: User
) -> None:
    first = pay(loan, officer, "500")
    pay(loan, officer, "2000", on=date(2027, 4, 1))
    reverse_payment(first, reason="Bounced", actor=officer, today=TODAY)
    db.session.commit()
    assert_books_balance([loan])


def test_write_off_books_and_refuses_more_than_the_balance(loan: Loan, officer: User) -> None:
    pay(loan, officer, "1000")
    with pytest.raises(DomainError):
        ledger.post_write_off(loan, Decimal("8000"), TODAY, officer)
    db.session.rollback()
    with pytest.raises(DomainError):
        ledger.post_write_off(loan, Decimal("0"), TODAY, officer)
    db.session.rollback()
    ledger.post_write_off(loan, Decimal("1500.00"), TODAY, officer)
    db.session.commit()
    assert ledger.written_off([loan.id])[loan.id] == Decimal("1500.00")
    assert_books_balance([loan])


def test_money_rows_are_append_only(loan: Loan, officer: User) -> None:
    pay(loan, officer, "100")
    for statement in (
        "UPDATE loan_payments SET amount = 1",
        "DELETE FROM loan_payments",
        "UPDATE journal_lines SET debit = 0",
        "DELETE FROM journal_entries",
    ):
        with pytest.raises(DatabaseError):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(JournalLine)) > 0


def test_positions_of_many_loans_take_one_query(trainee: User, officer: User, app) -> None:
    from tests.support import make_person
    from workbench.auth.roles import Role

    loans = [disbursed_loan(trainee, disbursed_on=PAYOUT, officer=officer)]
    for n in range(3):
        other = make_person(f"b{n}@example.org", [Role.TRAINEE])
        loans.append(disbursed_loan(other, disbursed_on=PAYOUT, officer=officer))
        pay(loans[-1], officer, "200")
    for each in loans:
        db.session.refresh(each)  # loaded, as a page has them before it asks for their positions
    statements: list[str] = []
    from sqlalchemy import event

    def count(*args) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        positions = positions_of(loans, TODAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert positions[loans[0].id].paid_to_date == 0
    assert positions[loans[1].id].paid_to_date == Decimal("200.00")
