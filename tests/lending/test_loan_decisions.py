"""A loan's write-off and reschedule, four eyes: an officer proposes with a reason, someone else confirms, the
confirmation checks the loan as it is then; the ledger and the schedule follow, and the books stay true."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DatabaseError

from tests.concurrency import at_once
from tests.factories import disbursed_loan
from tests.lending.test_repayments import assert_books_balance
from tests.support import audit_events, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.finance.money import ZERO
from workbench.finance.portfolio import loan_position, portfolio_indicators
from workbench.finance.reschedule import carry_over
from workbench.lending import decisions, ledger, loan_decisions
from workbench.lending.decisions_models import Proposal
from workbench.lending.ledger_models import JournalEntry
from workbench.lending.models import Loan
from workbench.lending.position import as_pairs, payments_of, portfolio_positions, positions_of, standing
from workbench.lending.repayment_models import LoanPayment
from workbench.lending.repayments import new_idempotency_key, post_repayment, reverse_payment
from workbench.lending.reschedule_models import LoanReschedule
from workbench.lending.services import schedule_of
from workbench.timeutil import back_in_time, programme_today

pytestmark = pytest.mark.usefixtures("english_readers")

D = Decimal


@pytest.fixture
def checker(app_context) -> User:
    return make_person("second.officer@example.org", [Role.OFFICER], "Second Officer")


@pytest.fixture
def loan(trainee: User, officer: User) -> Loan:
    """8,000 at 7 % over 36 months, paid out 200 days ago: six installments due by now."""
    return disbursed_loan(trainee, disbursed_on=programme_today() - timedelta(days=200), officer=officer)


def pay(loan: Loan, officer: User, amount: Decimal, on: date | None = None) -> LoanPayment:
    posted = post_repayment(
        loan,
        paid_on=on or programme_today(),
        amount=amount,
        reference=f"Rata {new_idempotency_key()[:6]}",
        key=new_idempotency_key(),
        actor=officer,
    )
    db.session.commit()
    return posted.payment


def pay_installments(loan: Loan, officer: User, count: int) -> Decimal:
    """The first ``count`` installments, each paid on its due date; their total."""
    paid = ZERO
    for row in schedule_of(loan)[:count]:
        pay(loan, officer, row.total, row.due_date)
        paid += row.total
    return paid


def write_off(loan: Loan, officer: User, amount: Decimal | None = None, **changes) -> Proposal:
    values = {"amount": amount, "written_off_on": programme_today(), "note": "The business closed."}
    values.update(changes)
    proposal = loan_decisions.propose_write_off(loan, officer, **values)
    db.session.commit()
    return proposal


def reschedule_terms(**changes) -> dict:
    terms = {
        "annual_rate": D("0.05"),
        "term_months": 24,
        "grace_months": 2,
        "method": "annuity",
        "first_due_on": programme_today() + timedelta(days=30),
        "note": "Illness: three months without work.",
    }
    terms.update(changes)
    return terms


def reschedule(loan: Loan, officer: User, **changes) -> Proposal:
    proposal = loan_decisions.propose_reschedule(loan, officer, **reschedule_terms(**changes))
    db.session.commit()
    return proposal


def confirm(proposal: Proposal, actor: User) -> None:
    decisions.confirm(proposal, actor)
    db.session.commit()


def refused(call, *args, **kwargs) -> dict[str, str]:
    with pytest.raises(DomainError) as error:
        call(*args, **kwargs)
    db.session.rollback()
    return error.value.errors


# --- write-off ----------------------------------------------------------------------------------------------


def test_a_write_off_is_proposed_then_confirmed_by_someone_else(loan, officer, checker) -> None:
    pay_installments(loan, officer, 2)
    owed = positions_of([loan], programme_today())[loan.id].outstanding_principal
    proposal = write_off(loan, officer)
    assert proposal.terms == {
        "amount": str(owed),
        "whole": True,
        "written_off_on": programme_today().isoformat(),
    }
    assert ledger.written_off([loan.id])[loan.id] == ZERO  # nothing happens before the confirmation
    assert decisions.waiting_count(checker) == 1
    assert [p.id for p, _loan in loan_decisions.waiting_for(checker)] == [proposal.id]
    assert loan_decisions.waiting_for(officer) == []
    confirm(proposal, checker)
    assert ledger.written_off([loan.id])[loan.id] == owed
    assert ledger.receivable_of(loan) == ZERO
    assert loan_decisions.is_written_off(loan)
    made = loan_decisions.decisions_of(loan)
    assert made.written_off == owed
    assert made.write_offs == [(programme_today(), owed)]
    assert made.pending is None
    # The contract's position is unchanged (the borrower still owes it); the portfolio's drops it.
    assert positions_of([loan], programme_today())[loan.id].outstanding_principal == owed
    assert portfolio_positions([loan], programme_today())[loan.id].outstanding_principal == ZERO
    [event_] = audit_events("loan.written_off")
    assert (event_.actor_id, event_.after["proposal_id"]) == (checker.id, proposal.id)
    assert [e.actor_id for e in audit_events("proposal.made")] == [officer.id]
    assert_books_balance([loan])


def test_a_manager_confirms_a_write_off(loan, officer, manager) -> None:
    confirm(write_off(loan, officer, D("1000.00")), manager)
    assert ledger.written_off([loan.id])[loan.id] == D("1000.00")
    assert_books_balance([loan])


def test_nobody_confirms_their_own_loan_proposal(loan, officer) -> None:
    for proposal in (write_off(loan, officer),):
        assert "" in refused(decisions.confirm, proposal, officer)
        assert "" in refused(decisions.decline, proposal, officer, "No.")
        assert not decisions.can_check(officer, proposal)
    assert ledger.written_off([loan.id])[loan.id] == ZERO


def test_nobody_confirms_their_own_reschedule(loan, officer) -> None:
    proposal = reschedule(loan, officer)
    assert "" in refused(decisions.confirm, proposal, officer)
    db.session.refresh(loan)
    assert loan.schedule_version == 1


def test_only_officers_propose_and_a_reason_is_needed(loan, officer, manager, mentor, trainee) -> None:
    for person in (manager, mentor, trainee):
        assert "" in refused(
            loan_decisions.propose_write_off,
            loan,
            person,
            amount=None,
            written_off_on=programme_today(),
            note="Why not.",
        )
        assert "" in refused(loan_decisions.propose_reschedule, loan, person, **reschedule_terms())
    for note in ("", "   ", None):
        assert "note" in refused(
            loan_decisions.propose_write_off,
            loan,
            officer,
            amount=None,
            written_off_on=programme_today(),
            note=note,
        )
        assert "note" in refused(
            loan_decisions.propose_reschedule, loan, officer, **reschedule_terms(note=note)
        )
    assert "note" in refused(
        loan_decisions.propose_write_off,
        loan,
        officer,
        amount=None,
        written_off_on=programme_today(),
        note="x" * (decisions.MAX_NOTE_CHARACTERS + 1),
    )
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_a_checker_must_be_an_officer_or_a_manager(loan, officer, mentor) -> None:
    proposal = write_off(loan, officer)
    assert "" in refused(decisions.confirm, proposal, mentor)
    assert ledger.written_off([loan.id])[loan.id] == ZERO


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": D("8000.01")}, "amount"),
        ({"amount": D("0")}, "amount"),
        ({"amount": D("-5")}, "amount"),
        ({"amount": D("10.001")}, "amount"),
        ({"amount": D("NaN")}, "amount"),
        ({"amount": D("1E+400")}, "amount"),
        ({"written_off_on": None}, "written_off_on"),
        ({"written_off_on": date(2100, 1, 1)}, "written_off_on"),
        ({"written_off_on": date(2000, 1, 1)}, "written_off_on"),
    ],
)
def test_a_write_off_with_bad_terms_is_refused_at_its_field(loan, officer, changes, field) -> None:
    values = {"amount": None, "written_off_on": programme_today(), "note": "Closed."}
    values.update(changes)
    assert field in refused(loan_decisions.propose_write_off, loan, officer, **values)
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_a_write_off_above_what_is_owed_names_the_most(loan, officer) -> None:
    pay_installments(loan, officer, 3)
    owed = ledger.receivable_of(loan)
    errors = refused(
        loan_decisions.propose_write_off,
        loan,
        officer,
        amount=owed + D("0.01"),
        written_off_on=programme_today(),
        note="Closed.",
    )
    assert "€" in errors["amount"]
    assert f"{owed:,.2f}" in errors["amount"]


def test_one_proposal_waits_per_loan(loan, officer, checker) -> None:
    write_off(loan, officer)
    assert "" in refused(loan_decisions.propose_reschedule, loan, checker, **reschedule_terms())
    assert "" in refused(
        loan_decisions.propose_write_off,
        loan,
        checker,
        amount=None,
        written_off_on=programme_today(),
        note="Again.",
    )


def test_a_loan_is_not_written_off_twice(loan, officer, checker) -> None:
    confirm(write_off(loan, officer, D("3000.00")), checker)  # part of it: the rest may follow
    confirm(write_off(loan, officer), checker)
    assert ledger.written_off([loan.id])[loan.id] == D("8000.00")
    errors = refused(
        loan_decisions.propose_write_off,
        loan,
        officer,
        amount=None,
        written_off_on=programme_today(),
        note="Once more.",
    )
    assert "Nothing is left to write off" in errors[""]
    assert_books_balance([loan])


def test_a_paid_off_loan_has_nothing_to_write_off(loan, officer) -> None:
    pay_installments(loan, officer, 6)
    pay(loan, officer, sum((row.total for row in schedule_of(loan)[6:]), ZERO))
    assert "" in refused(
        loan_decisions.propose_write_off,
        loan,
        officer,
        amount=None,
        written_off_on=programme_today(),
        note="Closed.",
    )


def test_a_payment_between_proposal_and_confirmation_refuses_the_amount_proposed(
    loan, officer, checker
) -> None:
    owed = ledger.receivable_of(loan)
    proposal = write_off(loan, officer, owed)
    pay(loan, officer, D("1000.00"))  # interest first, then principal: less principal is left
    left = ledger.receivable_of(loan)
    errors = refused(decisions.confirm, proposal, checker)
    assert "decline it" in errors[""]
    assert f"{left:,.2f}" in errors[""]
    db.session.refresh(proposal)
    assert proposal.pending  # nothing was written: the checker declines it
    assert ledger.written_off([loan.id])[loan.id] == ZERO
    decisions.decline(proposal, checker, "A payment came in.")
    db.session.commit()
    assert_books_balance([loan])


def test_all_that_is_owed_is_what_is_left_at_the_confirmation(loan, officer, checker) -> None:
    proposal = write_off(loan, officer)
    pay(loan, officer, D("1000.00"))
    left = ledger.receivable_of(loan)
    confirm(proposal, checker)
    assert ledger.written_off([loan.id])[loan.id] == left
    assert ledger.receivable_of(loan) == ZERO
    assert_books_balance([loan])


def test_a_loan_repaid_before_the_confirmation_is_not_written_off(loan, officer, checker) -> None:
    proposal = write_off(loan, officer)
    pay(loan, officer, sum((row.total for row in schedule_of(loan)), ZERO))
    assert "Nothing is left" in refused(decisions.confirm, proposal, checker)[""]


def test_repayments_after_a_write_off_are_recoveries_and_the_books_stay_true(loan, officer, checker) -> None:
    pay_installments(loan, officer, 2)
    confirm(write_off(loan, officer), checker)
    assert_books_balance([loan])
    before = {row.code: row.balance for row in ledger.trial_balance()}
    late = pay(loan, officer, D("500.00"))
    entry = db.session.scalars(select(JournalEntry).where(JournalEntry.payment_id == late.id)).one()
    lines = {line.account: (line.debit, line.credit) for line in entry.lines}
    assert ledger.RECEIVABLE not in lines  # nothing left there: the principal is recovered
    allocated = lines[ledger.INTEREST_INCOME][1] + lines[ledger.WRITE_OFFS][1]
    assert allocated == D("500.00")
    assert lines[ledger.WRITE_OFFS][1] > 0
    after = {row.code: row.balance for row in ledger.trial_balance()}
    assert after[ledger.WRITE_OFFS] == before[ledger.WRITE_OFFS] - lines[ledger.WRITE_OFFS][1]
    assert ledger.receivable_of(loan) == ZERO
    assert_books_balance([loan])
    reverse_payment(late, reason="Bounced.", actor=officer)
    db.session.commit()
    assert {row.code: row.balance for row in ledger.trial_balance()} == before
    assert_books_balance([loan])


def test_a_partial_write_off_then_repayments_reach_the_rest_before_recovering(loan, officer, checker) -> None:
    confirm(write_off(loan, officer, D("7000.00")), checker)
    assert ledger.receivable_of(loan) == D("1000.00")
    pay(loan, officer, D("2500.00"))  # more principal than the 1,000 left on the books
    assert ledger.receivable_of(loan) == ZERO
    assert_books_balance([loan])
    recovered = -sum(
        (row.balance for row in ledger.trial_balance() if row.code == ledger.WRITE_OFFS), ZERO
    ) + D("7000.00")
    assert recovered > 0
    first = db.session.scalars(select(LoanPayment).order_by(LoanPayment.id)).first()
    reverse_payment(first, reason="Bounced.", actor=officer)
    db.session.commit()
    assert ledger.receivable_of(loan) == D("1000.00")
    assert_books_balance([loan])


# --- reschedule ---------------------------------------------------------------------------------------------


def late_loan(loan: Loan, officer: User) -> Decimal:
    """Two installments paid, four due and unpaid (over 90 days late)."""
    paid = pay_installments(loan, officer, 2)
    assert positions_of([loan], programme_today())[loan.id].days_past_due > 90
    return paid


def test_a_reschedule_makes_a_new_schedule_version_and_nothing_is_overdue(loan, officer, checker) -> None:
    paid = late_loan(loan, officer)
    today = programme_today()
    before = schedule_of(loan)
    payments = as_pairs(standing(payments_of([loan.id])[loan.id]))
    old = loan_position(before, payments, today)
    unpaid_interest = sum((row.interest for row in before[2:] if row.due_date <= today), ZERO)
    proposal = reschedule(loan, officer)
    assert proposal.terms["principal"] == str(old.outstanding_principal)
    assert schedule_of(loan) == before  # nothing before the confirmation
    confirm(proposal, checker)
    db.session.expire_all()
    loan = db.session.get(Loan, loan.id)
    assert loan.schedule_version == 2
    [row] = loan.reschedules
    assert (row.version, row.effective_on, row.paid_to_date) == (2, today, paid)
    assert row.principal_carried == old.outstanding_principal
    assert row.interest_carried == unpaid_interest
    assert (row.reason, row.proposal_id, row.created_by_id) == (proposal.note, proposal.id, checker.id)
    after = schedule_of(loan)
    assert after[:2] == before[:2]  # what was paid stays as it was
    assert len(after) == 2 + 24
    assert sum(r.principal for r in after) == loan.principal
    assert after[2].due_date == today + timedelta(days=30)
    assert after[2].principal == ZERO  # a month of grace: interest only
    assert after[2].interest > unpaid_interest  # the interest carried, plus the month's
    assert after[-1].balance == ZERO
    position = positions_of([loan], today)[loan.id]
    assert (position.overdue_amount, position.days_past_due) == (ZERO, 0)
    assert (position.paid_interest, position.paid_principal) == (old.paid_interest, old.paid_principal)
    assert position.outstanding_principal == old.outstanding_principal
    # Still in the portfolio and in PAR's denominator, as any loan.
    indicators = portfolio_indicators(portfolio_positions([loan], today).values())
    assert (indicators.loans, indicators.gross_portfolio) == (1, old.outstanding_principal)
    assert loan_decisions.decisions_of(loan).restructured
    [event_] = audit_events("loan.rescheduled")
    assert (event_.actor_id, event_.after["proposal_id"], event_.after["schedule_version"]) == (
        checker.id,
        proposal.id,
        2,
    )
    assert_books_balance([loan])  # no money moved: no entry


def test_a_rescheduled_loan_goes_late_again_and_counts_in_par(loan, officer, checker) -> None:
    late_loan(loan, officer)
    with back_in_time(120):
        proposal = reschedule(
            loan, officer, grace_months=0, first_due_on=programme_today() + timedelta(days=10)
        )
        confirm(proposal, checker)
    position = positions_of([loan], programme_today())[loan.id]
    assert position.days_past_due > 90  # nothing paid on the new schedule either
    indicators = portfolio_indicators(portfolio_positions([loan], programme_today()).values())
    assert indicators.par90_amount == position.outstanding_principal > 0


def test_payments_after_a_reschedule_allocate_on_the_new_schedule_and_book_right(
    loan, officer, checker
) -> None:
    late_loan(loan, officer)
    confirm(reschedule(loan, officer, grace_months=0), checker)
    first_new = schedule_of(loan)[2]
    payment = pay(loan, officer, first_new.total)
    entry = db.session.scalars(select(JournalEntry).where(JournalEntry.payment_id == payment.id)).one()
    lines = {line.account: (line.debit, line.credit) for line in entry.lines}
    assert lines[ledger.INTEREST_INCOME] == (ZERO, first_new.interest)  # the carried interest is income now
    assert lines[ledger.RECEIVABLE] == (ZERO, first_new.principal)
    assert_books_balance([loan])


def test_a_second_reschedule_builds_on_the_first(loan, officer, checker) -> None:
    late_loan(loan, officer)
    with back_in_time(60):
        confirm(reschedule(loan, officer, first_due_on=programme_today() + timedelta(days=20)), checker)
    pay(loan, officer, D("150.00"))
    confirm(reschedule(loan, officer, term_months=12, grace_months=0, method="equal_principal"), checker)
    db.session.expire_all()
    loan = db.session.get(Loan, loan.id)
    assert [r.version for r in loan.reschedules] == [2, 3]
    schedule = schedule_of(loan)
    assert sum(r.principal for r in schedule) == loan.principal
    # The stored carry-over is what the schedule computes again from the version before.
    first, second = loan.reschedules
    loan.reschedules = [first]  # type: ignore[attr-defined]  # the schedule of version 2, in memory
    version_two = schedule_of(loan)
    db.session.expire_all()
    carried = carry_over(version_two, second.paid_to_date, second.effective_on)
    assert (carried.principal, carried.interest) == (second.principal_carried, second.interest_carried)
    assert positions_of([db.session.get(Loan, loan.id)], programme_today())[loan.id].overdue_amount == ZERO


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"annual_rate": D("1E+400")}, "annual_rate"),
        ({"annual_rate": D("-0.01")}, "annual_rate"),
        ({"annual_rate": D("NaN")}, "annual_rate"),
        ({"annual_rate": D("0.0512345")}, "annual_rate"),
        ({"term_months": 0}, "term_months"),
        ({"term_months": 10**30}, "term_months"),
        ({"term_months": None}, "term_months"),
        ({"grace_months": 24}, "grace_months"),
        ({"grace_months": -1}, "grace_months"),
        ({"method": "balloon"}, "method"),
        ({"method": None}, "method"),
        ({"first_due_on": None}, "first_due_on"),
        ({"first_due_on": date(2000, 1, 1)}, "first_due_on"),
        ({"first_due_on": date(9999, 1, 1)}, "first_due_on"),
    ],
)
def test_a_reschedule_with_bad_terms_is_refused_at_its_field(loan, officer, changes, field) -> None:
    assert field in refused(loan_decisions.propose_reschedule, loan, officer, **reschedule_terms(**changes))
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_the_rate_defaults_to_the_loans(loan, officer) -> None:
    proposal = reschedule(loan, officer, annual_rate=None)
    assert Decimal(proposal.terms["annual_rate"]) == loan.annual_rate


def test_a_written_off_loan_is_not_rescheduled(loan, officer, checker) -> None:
    confirm(write_off(loan, officer, D("100.00")), checker)
    assert (
        "written off" in refused(loan_decisions.propose_reschedule, loan, officer, **reschedule_terms())[""]
    )


def test_a_repaid_loan_is_not_rescheduled(loan, officer) -> None:
    pay(loan, officer, sum((row.total for row in schedule_of(loan)), ZERO))
    assert "repaid" in refused(loan_decisions.propose_reschedule, loan, officer, **reschedule_terms())[""]


def test_a_reschedule_whose_first_due_day_has_come_is_refused_at_confirmation(loan, officer, checker) -> None:
    with back_in_time(40):
        proposal = reschedule(loan, officer, first_due_on=programme_today() + timedelta(days=30))
    errors = refused(decisions.confirm, proposal, checker)
    assert "Decline this proposal" in errors[""]
    db.session.refresh(loan)
    assert loan.schedule_version == 1
    assert db.session.scalar(select(func.count(LoanReschedule.id))) == 0


def test_a_loan_repaid_or_written_off_before_the_confirmation_is_not_rescheduled(
    loan, officer, checker
) -> None:
    proposal = reschedule(loan, officer)
    pay(loan, officer, sum((row.total for row in schedule_of(loan)), ZERO))
    assert "repaid" in refused(decisions.confirm, proposal, checker)[""]
    assert db.session.scalar(select(func.count(LoanReschedule.id))) == 0


def test_reschedule_rows_are_append_only(loan, officer, checker) -> None:
    confirm(reschedule(loan, officer), checker)
    for statement in ("UPDATE loan_reschedules SET term_months = 1", "DELETE FROM loan_reschedules"):
        with pytest.raises(DatabaseError):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalar(select(func.count(LoanReschedule.id))) == 1


# --- cost -----------------------------------------------------------------------------------------------


def count_queries(call) -> tuple[object, int]:
    statements: list[str] = []

    def counted(*args) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        result = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    return result, len(statements)


def test_reading_a_schedule_costs_no_query_unless_rescheduled_then_one(
    loan, officer, checker, trainee
) -> None:
    other = make_person("b2@example.org", [Role.TRAINEE])
    plain = disbursed_loan(other, disbursed_on=programme_today() - timedelta(days=200), officer=officer)
    confirm(reschedule(loan, officer), checker)
    for each in (loan, plain):
        db.session.refresh(each)
    assert count_queries(lambda: schedule_of(plain))[1] == 0
    assert count_queries(lambda: schedule_of(loan))[1] == 1
    assert count_queries(lambda: schedule_of(loan))[1] == 0  # kept on the loan
    db.session.commit()
    for each in (loan, plain):
        db.session.refresh(each)
    positions, queries = count_queries(lambda: positions_of([loan, plain], programme_today()))
    assert queries == 2  # the payments, the reschedules of both loans at once
    assert positions[loan.id].overdue_amount == ZERO
    assert count_queries(lambda: schedule_of(loan))[1] == 0


# --- two people at once (both engines; PostgreSQL with real row locks) ------------------------------------


def _confirming(app, proposal_id: int, user_ids: tuple[int, int]) -> list[str]:
    def confirming(user_id: int) -> str:
        try:
            decisions.confirm(db.session.get(Proposal, proposal_id), db.session.get(User, user_id))
            db.session.commit()
            return "confirmed"
        except DomainError:
            db.session.rollback()
            return "told"

    return at_once(app, lambda: confirming(user_ids[0]), lambda: confirming(user_ids[1]))


def test_two_confirmations_of_a_write_off_at_once_write_off_once(
    app, loan, officer, checker, manager
) -> None:
    proposal_id = write_off(loan, officer).id
    results = _confirming(app, proposal_id, (checker.id, manager.id))
    assert sorted(results) == ["confirmed", "told"]
    assert len(audit_events("loan.written_off")) == 1
    assert ledger.written_off([loan.id])[loan.id] == D("8000.00")
    assert_books_balance([db.session.get(Loan, loan.id)])


def test_two_confirmations_of_a_reschedule_at_once_reschedule_once(
    app, loan, officer, checker, manager
) -> None:
    late_loan(loan, officer)
    proposal_id = reschedule(loan, officer).id
    results = _confirming(app, proposal_id, (checker.id, manager.id))
    assert sorted(results) == ["confirmed", "told"]
    assert db.session.scalar(select(func.count(LoanReschedule.id))) == 1
    assert db.session.get(Loan, loan.id).schedule_version == 2


def test_a_write_off_confirmed_while_a_payment_is_posted_keeps_the_books(app, loan, officer, checker) -> None:
    proposal_id = write_off(loan, officer).id
    ids = (loan.id, officer.id, checker.id)

    def confirming() -> str:
        decisions.confirm(db.session.get(Proposal, proposal_id), db.session.get(User, ids[2]))
        db.session.commit()
        return "confirmed"

    def paying() -> str:
        post_repayment(
            db.session.get(Loan, ids[0]),
            paid_on=programme_today(),
            amount=D("900.00"),
            reference="Rata",
            key=new_idempotency_key(),
            actor=db.session.get(User, ids[1]),
        )
        db.session.commit()
        return "paid"

    assert sorted(at_once(app, confirming, paying)) == ["confirmed", "paid"]
    loan = db.session.get(Loan, ids[0])
    assert ledger.receivable_of(loan) == ZERO
    assert_books_balance([loan])


def test_two_proposals_at_once_store_one(app, loan, officer, checker) -> None:
    ids = (loan.id, officer.id, checker.id)

    def proposing(user_id: int) -> str:
        try:
            loan_decisions.propose_write_off(
                db.session.get(Loan, ids[0]),
                db.session.get(User, user_id),
                amount=None,
                written_off_on=programme_today(),
                note="Closed.",
            )
            db.session.commit()
            return "proposed"
        except DomainError:
            db.session.rollback()
            return "told"

    results = at_once(app, lambda: proposing(ids[1]), lambda: proposing(ids[2]))
    assert sorted(results) == ["proposed", "told"]
    assert db.session.scalar(select(func.count(Proposal.id))) == 1


def test_the_portfolios_sql_figures_follow_reschedules_write_offs_and_recoveries(
    trainee, officer, checker, mentor
) -> None:
    """The dashboard's sums (stored schedule rows, one statement) are the finance core's positions for the
    portfolio (portfolio_positions) after a reschedule, a partial write-off and a recovery."""
    from workbench.finance.portfolio import portfolio_indicators
    from workbench.lending.installment_models import LoanInstallment
    from workbench.lending.portfolio import portfolio_rows
    from workbench.lending.position import portfolio_positions

    today = programme_today()
    rescheduled = disbursed_loan(trainee, disbursed_on=today - timedelta(days=200), officer=officer)
    late_loan(rescheduled, officer)
    confirm(reschedule(rescheduled, officer), checker)
    other = make_person("second.borrower@example.org", [Role.TRAINEE], "Second Borrower")
    written = disbursed_loan(other, disbursed_on=today - timedelta(days=200), officer=officer)
    pay_installments(written, officer, 1)
    confirm(write_off(written, officer, D("3000.00")), checker)
    pay(written, officer, D("500.00"))
    versions = db.session.query(LoanInstallment.loan_id, LoanInstallment.version).distinct().all()
    assert sorted(versions) == sorted([(rescheduled.id, 1), (rescheduled.id, 2), (written.id, 1)])
    loans = [rescheduled, written]
    for as_of in (today, today + timedelta(days=75)):
        expected = portfolio_indicators(portfolio_positions(loans, as_of).values())
        (row,) = portfolio_rows(as_of)
        assert row.gross_portfolio == expected.gross_portfolio
        assert (row.par30_amount, row.par90_amount) == (expected.par30_amount, expected.par90_amount)
        assert (row.arrears_amount, row.due_to_date) == (expected.arrears_amount, expected.due_to_date)
        assert row.paid_to_date == expected.paid_to_date
        assert (row.restructured, row.written_off) == (1, D("3000.00"))
