"""Four eyes: one officer proposes, a different officer or a manager confirms or declines; one proposal waits
per application; an approval confirmed is paid out once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from tests.concurrency import at_once
from tests.factories import endorsed_version, lendable_product
from tests.support import audit_events, login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending import applications, decisions
from workbench.lending.application_models import CreditApplication
from workbench.lending.decisions_models import Proposal
from workbench.lending.models import Loan
from workbench.lending.product_models import LoanProduct, UsuryRate
from workbench.lending.products import DEMO_PRODUCT_NAME
from workbench.lending.scorecard import Rating, score_application
from workbench.lending.scorecard_models import ApplicationScore
from workbench.timeutil import programme_today

pytestmark = pytest.mark.usefixtures("english_readers")

RATINGS = {key: Rating(3, "Fine.") for key in ("motivation", "experience", "market")}


@pytest.fixture(autouse=True)
def product(app_context) -> LoanProduct:
    return lendable_product()


def terms(**changes) -> dict:
    base = {
        "product_id": db.session.scalar(select(LoanProduct.id).where(LoanProduct.name == DEMO_PRODUCT_NAME)),
        "amount": Decimal("8000"),
        "annual_rate": Decimal("0.05"),
        "term_months": 36,
        "grace_months": 0,
        "method": "annuity",
        "first_due_on": programme_today() + timedelta(days=30),
    }
    base.update(changes)
    return base


@pytest.fixture
def checker(app_context) -> User:
    return make_person("second.officer@example.org", [Role.OFFICER], "Second Officer")


@pytest.fixture
def scored(trainee: User, mentor: User, officer: User) -> CreditApplication:
    version = endorsed_version(trainee, mentor)
    application = applications.apply_for_credit(
        version, trainee, applications.Request(Decimal("8000"), 36, 0, "Oven", "individual")
    )
    score_application(application, officer, RATINGS, seen=0)
    db.session.commit()
    return application


def approve(application, officer) -> Proposal:
    proposal = applications.propose_decision(application, officer, "approve", terms=terms(), note="")
    db.session.commit()
    return proposal


def test_an_approval_is_proposed_then_confirmed_by_someone_else(scored, officer, checker) -> None:
    proposal = approve(scored, officer)
    assert applications.state_of(scored).status == applications.Status.PROPOSED
    assert decisions.waiting_count(checker) == 1
    assert decisions.waiting_count(officer) == 0
    decisions.confirm(proposal, checker)
    db.session.commit()
    state = applications.state_of(scored)
    assert state.status == applications.Status.APPROVED
    assert (state.decision.proposed_by_id, state.decision.decided_by_id) == (officer.id, checker.id)
    assert state.decision.decided_at is not None
    assert [e.actor_id for e in audit_events("proposal.confirmed")] == [checker.id]


def test_a_manager_confirms_too(scored, officer, manager) -> None:
    decisions.confirm(approve(scored, officer), manager)
    assert applications.state_of(scored).status == applications.Status.APPROVED


def test_nobody_confirms_their_own_proposal(scored, officer) -> None:
    proposal = approve(scored, officer)
    with pytest.raises(DomainError):
        decisions.confirm(proposal, officer)
    with pytest.raises(DomainError):
        decisions.decline(proposal, officer, "No.")
    assert not decisions.can_check(officer, proposal)


def test_confirming_twice_confirms_once(scored, officer, checker, manager) -> None:
    proposal = approve(scored, officer)
    decisions.confirm(proposal, checker)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        decisions.confirm(proposal, manager)
    assert "already confirmed" in refused.value.errors[""]


def test_a_declined_proposal_cannot_be_confirmed_and_a_new_one_may_be_made(scored, officer, checker) -> None:
    proposal = approve(scored, officer)
    with pytest.raises(DomainError):
        decisions.decline(proposal, checker, "  ")
    decisions.decline(proposal, checker, "The rate is too high.")
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        decisions.confirm(proposal, checker)
    assert "declined" in refused.value.errors[""]
    assert applications.state_of(scored).status == applications.Status.SCORED
    again = applications.propose_decision(scored, officer, "reject", terms=None, note="Too much debt.")
    decisions.confirm(again, checker)
    db.session.commit()
    assert applications.state_of(scored).status == applications.Status.REJECTED


def test_one_proposal_waits_per_application(scored, officer, checker) -> None:
    approve(scored, officer)
    with pytest.raises(DomainError):
        applications.propose_decision(scored, checker, "reject", terms=None, note="No.")


def test_rejecting_and_sending_back_need_a_note(scored, officer) -> None:
    for action in ("reject", "send_back"):
        with pytest.raises(DomainError) as refused:
            applications.propose_decision(scored, officer, action, terms=None, note=" ")
        assert "note" in refused.value.errors


def test_approving_needs_a_score_and_sound_terms(trainee, mentor, officer) -> None:
    version = endorsed_version(trainee, mentor)
    unscored = applications.apply_for_credit(
        version, trainee, applications.Request(Decimal("8000"), 36, 0, "Oven", "individual")
    )
    with pytest.raises(DomainError):
        applications.propose_decision(unscored, officer, "approve", terms=terms(), note="")
    score_application(unscored, officer, RATINGS, seen=0)
    for bad, field in (
        (terms(amount=Decimal("9000")), "amount"),
        (terms(term_months=0), "term_months"),
        (terms(grace_months=36), "grace_months"),
        (terms(first_due_on=None), "first_due_on"),
    ):
        with pytest.raises(DomainError) as refused:
            applications.propose_decision(unscored, officer, "approve", terms=bad, note="")
        assert field in refused.value.errors


def test_sending_back_closes_the_application(scored, officer, checker) -> None:
    proposal = applications.propose_decision(scored, officer, "send_back", terms=None, note="Add the rent.")
    decisions.confirm(proposal, checker)
    assert applications.state_of(scored).status == applications.Status.SENT_BACK
    with pytest.raises(DomainError):
        applications.propose_decision(scored, officer, "approve", terms=terms(), note="")


def test_two_confirmations_at_once_confirm_once(app, scored, officer, checker, manager) -> None:
    proposal_id = approve(scored, officer).id
    checker_id, manager_id = checker.id, manager.id

    def confirming(user_id: int) -> str:
        try:
            decisions.confirm(db.session.get(Proposal, proposal_id), db.session.get(User, user_id))
            db.session.commit()
            return "confirmed"
        except DomainError:
            db.session.rollback()
            return "told"

    results = at_once(app, lambda: confirming(checker_id), lambda: confirming(manager_id))
    assert sorted(results) == ["confirmed", "told"]
    assert len(audit_events("proposal.confirmed")) == 1


# --- disbursement ---------------------------------------------------------------------------------------


def test_an_unapproved_application_is_not_paid_out(scored, officer) -> None:
    with pytest.raises(DomainError):
        applications.disburse(
            scored, officer, disbursed_on=programme_today(), disbursement_method="bank_transfer"
        )


def test_the_proposer_pays_out_the_confirmed_approval_once(scored, officer, checker) -> None:
    decisions.confirm(approve(scored, officer), checker)
    loan = applications.disburse(
        scored, officer, disbursed_on=programme_today(), disbursement_method="cheque"
    )
    db.session.commit()
    assert (loan.application_id, loan.principal, loan.annual_rate) == (
        scored.id,
        Decimal("8000.00"),
        Decimal("0.05"),
    )
    assert loan.first_due_on == programme_today() + timedelta(days=30)
    assert applications.state_of(scored).status == applications.Status.DISBURSED
    with pytest.raises(DomainError):
        applications.disburse(scored, checker, disbursed_on=programme_today(), disbursement_method="cheque")


def test_two_disbursements_at_once_pay_out_once(app, scored, officer, checker) -> None:
    decisions.confirm(approve(scored, officer), checker)
    db.session.commit()
    ids = (scored.id, officer.id, checker.id)

    def paying(user_id: int) -> str:
        try:
            applications.disburse(
                db.session.get(CreditApplication, ids[0]),
                db.session.get(User, user_id),
                disbursed_on=programme_today(),
                disbursement_method="bank_transfer",
            )
            db.session.commit()
            return "paid"
        except DomainError:
            db.session.rollback()
            return "told"

    results = at_once(app, lambda: paying(ids[1]), lambda: paying(ids[2]))
    assert sorted(results) == ["paid", "told"]
    assert db.session.query(Loan).count() == 1


# --- the product's and the law's rules ------------------------------------------------------------------


def _propose(application, **changes) -> Proposal:
    return applications.propose_decision(
        application, application_officer(), "approve", terms=terms(**changes), note=""
    )


def _refusals(application, **changes) -> dict[str, str]:
    with pytest.raises(DomainError) as refused:
        _propose(application, **changes)
    db.session.rollback()
    return refused.value.errors


def application_officer() -> User:
    """The officer who scored the application (the `officer` fixture)."""
    officer_id = db.session.scalars(select(ApplicationScore.officer_id).limit(1)).one()
    return db.session.get(User, officer_id)


def test_terms_answer_to_the_product_the_legal_limits_and_the_usury_threshold(scored) -> None:
    assert "product_id" in _refusals(scored, product_id=None)
    assert "product_id" in _refusals(scored, product_id=2**40)  # no such row, never a database error
    assert "This product's rate is from" in _refusals(scored, annual_rate=Decimal("0.09"))["annual_rate"]
    assert "This product lends for at most" in _refusals(scored, term_months=121)["term_months"]
    assert "grace" in _refusals(scored, grace_months=13)["grace_months"]
    wide = lendable_product(name="Wide", max_rate=Decimal("0.25"), max_amount=Decimal("200000"))
    # TEGM 12 %: the threshold is 12 x 1.25 + 4 = 19 %; at 19 % the rate itself is refused ...
    at_19 = _refusals(scored, product_id=wide.id, annual_rate=Decimal("0.19"))
    assert "usury threshold of 19.00%" in at_19["annual_rate"]
    # ... and at 18 % nominal, monthly installments make an APR (TAEG) of about 19.6 %: refused too.
    assert (
        "usury threshold" in _refusals(scored, product_id=wide.id, annual_rate=Decimal("0.18"))["annual_rate"]
    )
    assert _propose(scored, product_id=wide.id, annual_rate=Decimal("0.17")).terms["product_id"] == wide.id


def test_the_arrangement_fee_counts_in_the_apr_the_contract_and_the_ledger(scored, officer, checker) -> None:
    from workbench.lending.contract import contract_figures
    from workbench.lending.ledger import FEE_INCOME, trial_balance

    costly = lendable_product(name="Costly", max_rate=Decimal("0.25"), arrangement_fee=Decimal("500.00"))
    # 17 % nominal passes alone (APR about 18.4 %), but 500 EUR paid at signing lifts the APR above 19 %.
    assert (
        "usury threshold"
        in _refusals(scored, product_id=costly.id, annual_rate=Decimal("0.17"))["annual_rate"]
    )
    modest = lendable_product(name="Modest", arrangement_fee=Decimal("80.00"))
    proposal = _propose(scored, product_id=modest.id)
    decisions.confirm(proposal, checker)
    loan = applications.disburse(
        scored, officer, disbursed_on=programme_today(), disbursement_method="cheque"
    )
    db.session.commit()
    assert loan.arrangement_fee == Decimal("80.00")
    figures = contract_figures(loan)
    assert figures.fees == ((loan.disbursed_on, Decimal("80.00")),)
    assert figures.total_cost == figures.total_interest + Decimal("80.00")
    without_fee = contract_figures(loan, fees=())
    assert figures.apr > without_fee.apr
    balances = {row.code: row for row in trial_balance()}
    assert balances[FEE_INCOME].credit == Decimal("80.00")
    assert sum(row.debit for row in balances.values()) == sum(row.credit for row in balances.values())


def test_without_the_quarters_tegm_no_terms_pass(scored, officer) -> None:
    other_class = lendable_product(name="Other class", usury_class="Credito finalizzato")
    db.session.execute(delete(UsuryRate).where(UsuryRate.loan_class == "Credito finalizzato"))
    db.session.commit()
    errors = _refusals(scored, product_id=other_class.id)
    assert "No TEGM is entered" in errors["annual_rate"]


def test_an_srl_borrows_up_to_its_own_legal_limit_on_a_product_that_lends_to_srls(
    trainee, mentor, officer
) -> None:
    version = endorsed_version(trainee, mentor)
    application = applications.apply_for_credit(
        version, trainee, applications.Request(Decimal("90000"), 36, 0, "Shop", "individual")
    )
    score_application(application, officer, RATINGS, seen=0)
    wide = lendable_product(name="Wide", max_amount=Decimal("150000"))
    db.session.commit()
    errors = _refusals(application, product_id=wide.id, amount=Decimal("90000"))
    assert "Above the legal limit of microcredit" in errors["amount"]  # 75,000 EUR for a person


def test_the_loan_keeps_the_products_conventions_and_a_switched_off_product_still_pays_out(
    scored, officer, checker
) -> None:
    from workbench.lending.products import set_product_active
    from workbench.lending.services import schedule_of

    actual = lendable_product(
        name="Actual days",
        day_count="actual/365",
        first_period="actual_days",
        installment_unit=Decimal("1"),
        late_tolerance_days=5,
    )
    proposal = applications.propose_decision(
        scored, officer, "approve", terms=terms(product_id=actual.id), note=""
    )
    decisions.confirm(proposal, checker)
    db.session.commit()
    set_product_active(actual, active=False, base_revision=actual.revision, actor=checker)
    db.session.commit()
    loan = applications.disburse(
        scored, officer, disbursed_on=programme_today(), disbursement_method="bank_transfer"
    )
    db.session.commit()
    assert loan.product_id == actual.id
    assert (loan.day_count, loan.first_period, loan.late_tolerance_days) == ("actual/365", "actual_days", 5)
    schedule = schedule_of(loan)
    assert {row.total for row in schedule[:-1]} == {schedule[0].total}
    assert schedule[0].total == schedule[0].total.to_integral_value()  # whole euros, as the product says
    # The first period runs from the payout to the first due date, 30 days: its interest is 30/365 of a year.
    assert schedule[0].interest == (Decimal("8000") * Decimal("0.05") * 30 / 365).quantize(Decimal("0.01"))


# --- pages ----------------------------------------------------------------------------------------------


def test_the_whole_path_through_the_pages(client, scored, officer, checker, product) -> None:
    login_as(client, officer)
    page = client.get(f"/applications/{scored.id}").get_data(as_text=True)
    assert f'<option selected value="{product.id}">' in page  # the active product, at its lowest rate
    form = {
        "action": "approve",
        "product_id": str(product.id),
        "amount": "8000",
        "annual_rate": "5",
        "term_months": "36",
        "grace_months": "0",
        "method": "annuity",
        "first_due_on": (programme_today() + timedelta(days=30)).isoformat(),
        "note": "",
    }
    assert client.post(f"/applications/{scored.id}/propose", data=form).status_code == 303
    proposal = db.session.query(Proposal).one()
    page = client.get(f"/applications/{scored.id}").get_data(as_text=True)
    assert f"/proposals/{proposal.id}/confirm" not in page  # hidden from the proposer
    assert client.post(f"/proposals/{proposal.id}/confirm").status_code == 303
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).outcome is None  # refused in the service
    login_as(client, checker)
    queue = client.get("/queue").get_data(as_text=True)
    assert "Waiting for your confirmation" in queue
    page = client.get(f"/applications/{scored.id}").get_data(as_text=True)
    assert f"/proposals/{proposal.id}/confirm" in page
    assert client.post(f"/proposals/{proposal.id}/confirm").status_code == 303
    login_as(client, officer)
    paid = client.post(
        f"/applications/{scored.id}/disburse",
        data={"disbursed_on": programme_today().isoformat(), "disbursement_method": "bank_transfer"},
    )
    assert paid.status_code == 303
    loan = db.session.query(Loan).one()
    assert paid.headers["Location"].endswith(f"/loans/{loan.id}")


def test_the_queue_uses_the_same_number_of_queries_for_3_and_30_applications(client, officer, mentor) -> None:
    from sqlalchemy import event

    login_as(client, officer)
    counts = []
    made = 0
    for wanted in (3, 30):
        while made < wanted:
            person = make_person(f"applicant{made}@example.org", [Role.TRAINEE], f"Applicant {made}")
            version = endorsed_version(person, mentor, title=f"Plan {made}")
            application = applications.apply_for_credit(
                version, person, applications.Request(Decimal("5000"), 24, 0, "Tools", "individual")
            )
            if made % 2:
                score_application(application, officer, RATINGS, seen=0)
            db.session.commit()
            made += 1
        statements: list[str] = []

        def count(*_args, statements=statements, **_kwargs) -> None:
            statements.append("q")

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = client.get("/queue")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("/applications/") >= wanted
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_the_checker_sees_the_queue_once_in_the_navigation_with_the_count(scored, officer, checker, client):
    approve(scored, officer)
    login_as(client, checker)
    nav = client.get("/queue").get_data(as_text=True).split("<nav", 1)[1].split("</nav>", 1)[0]
    assert nav.count('href="/queue"') == 1
    assert 'id="nav-badge-lending-queue"' in nav
    assert "1 waits for your confirmation" in nav
