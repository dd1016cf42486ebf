"""The loan page's write-off and reschedule: the officer proposes from the page (errors in place, what was
typed kept), a checker confirms or declines there or from the inbox, the borrower and the mentor never see
proposals and the borrower reads the new schedule."""

from __future__ import annotations

import html as html_lib
from datetime import timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import disbursed_loan
from tests.support import login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.lending import decisions, ledger, loan_decisions
from workbench.lending.decisions_models import Proposal
from workbench.lending.models import Loan
from workbench.lending.services import schedule_of
from workbench.programme.services import assign_mentor
from workbench.timeutil import programme_today

pytestmark = pytest.mark.usefixtures("english_readers")


@pytest.fixture
def checker(app_context) -> User:
    return make_person("second.officer@example.org", [Role.OFFICER], "Second Officer")


@pytest.fixture
def loan(trainee: User, officer: User, mentor: User) -> Loan:
    assign_mentor(trainee, mentor, None)
    return disbursed_loan(trainee, disbursed_on=programme_today() - timedelta(days=200), officer=officer)


def page(client: FlaskClient, loan: Loan) -> str:
    response = client.get(f"/loans/{loan.id}")
    assert response.status_code == 200
    return html_lib.unescape(response.get_data(as_text=True))


def write_off_form(**values: str) -> dict[str, str]:
    data = {
        "write_off-amount": "",
        "write_off-written_off_on": programme_today().isoformat(),
        "write_off-note": "The business closed in March.",
    }
    data.update({f"write_off-{key}": value for key, value in values.items()})
    return data


def reschedule_form(**values: str) -> dict[str, str]:
    data = {
        "reschedule-annual_rate": "5",
        "reschedule-term_months": "24",
        "reschedule-grace_months": "1",
        "reschedule-method": "annuity",
        "reschedule-first_due_on": (programme_today() + timedelta(days=30)).isoformat(),
        "reschedule-note": "Three months in hospital.",
    }
    data.update({f"reschedule-{key}": value for key, value in values.items()})
    return data


def test_the_officer_proposes_a_write_off_and_the_checker_confirms_it_from_the_page(
    client, loan, officer, checker
) -> None:
    login_as(client, officer)
    shown = page(client, loan)
    assert f'action="/loans/{loan.id}/write-off"' in shown
    assert f'action="/loans/{loan.id}/reschedule"' in shown
    response = client.post(f"/loans/{loan.id}/write-off", data=write_off_form())
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/loans/{loan.id}#decisions")
    proposal = db.session.scalars(select(Proposal)).one()
    shown = page(client, loan)
    assert "The business closed in March." in shown
    assert "Waiting for another officer or a manager to confirm it." in shown
    assert f"/proposals/{proposal.id}/confirm" not in shown  # not for the proposer
    assert f'action="/loans/{loan.id}/write-off"' not in shown  # one proposal waits at a time
    login_as(client, checker)
    shown = page(client, loan)
    assert f"/proposals/{proposal.id}/confirm" in shown
    assert 'id="decline-reason"' in shown
    response = client.post(f"/proposals/{proposal.id}/confirm")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/loans/{loan.id}#decisions")
    assert ledger.written_off([loan.id])[loan.id] == Decimal("8000.00")
    shown = page(client, loan)
    assert "Written off" in shown
    assert "Confirmed by Second Officer" in shown


def test_the_proposer_cannot_confirm_by_posting(client, loan, officer) -> None:
    login_as(client, officer)
    client.post(f"/loans/{loan.id}/write-off", data=write_off_form())
    proposal = db.session.scalars(select(Proposal)).one()
    response = client.post(f"/proposals/{proposal.id}/confirm", follow_redirects=True)
    assert "another officer or a manager must confirm it" in html_lib.unescape(
        response.get_data(as_text=True)
    )
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).pending
    assert ledger.written_off([loan.id])[loan.id] == 0


def test_a_checker_declines_with_a_reason_on_the_loan_page(client, loan, officer, checker) -> None:
    login_as(client, officer)
    client.post(f"/loans/{loan.id}/reschedule", data=reschedule_form())
    proposal = db.session.scalars(select(Proposal)).one()
    login_as(client, checker)
    empty = client.post(f"/proposals/{proposal.id}/decline", data={"reason": ""})
    assert empty.status_code == 422
    assert 'id="decline-reason"' in empty.get_data(as_text=True)
    response = client.post(f"/proposals/{proposal.id}/decline", data={"reason": "Try a shorter term first."})
    assert response.status_code == 303
    shown = page(client, loan)
    assert "Declined by Second Officer" in shown
    assert "Try a shorter term first." in shown
    assert f'action="/loans/{loan.id}/reschedule"' in shown  # may be proposed again
    assert loan.schedule_version == 1


@pytest.mark.parametrize(
    ("values", "field", "typed"),
    [
        ({"amount": "9.999.999"}, "write_off-amount", "9.999.999"),
        ({"amount": "abc"}, "write_off-amount", "abc"),
        ({"amount": "9" * 5000}, "write_off-amount", None),
        ({"amount": "1e400"}, "write_off-amount", "1e400"),
        ({"written_off_on": "2999-01-01"}, "write_off-written_off_on", "2999-01-01"),
        ({"note": ""}, "write_off-note", None),
    ],
)
def test_a_bad_write_off_comes_back_with_the_error_and_what_was_typed(
    client, loan, officer, values, field, typed
) -> None:
    login_as(client, officer)
    response = client.post(f"/loans/{loan.id}/write-off", data=write_off_form(**values))
    assert response.status_code == 422
    shown = html_lib.unescape(response.get_data(as_text=True))
    assert f'id="{field}-error"' in shown
    assert "The business closed in March." in shown or field == "write_off-note"
    if typed:
        assert f'value="{typed}"' in shown
    assert '<details class="loan-action" open>' in shown
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"annual_rate": "abc"}, "reschedule-annual_rate"),
        ({"annual_rate": "9" * 5000}, "reschedule-annual_rate"),
        ({"annual_rate": "-3"}, "reschedule-annual_rate"),
        ({"term_months": "9" * 5000}, "reschedule-term_months"),
        ({"term_months": "0"}, "reschedule-term_months"),
        ({"grace_months": "24"}, "reschedule-grace_months"),
        ({"method": "balloon"}, "reschedule-method"),
        ({"first_due_on": "2001-01-01"}, "reschedule-first_due_on"),
        ({"first_due_on": "tomorrow"}, "reschedule-first_due_on"),
        ({"note": "  "}, "reschedule-note"),
    ],
)
def test_a_bad_reschedule_comes_back_with_the_error(client, loan, officer, values, field) -> None:
    login_as(client, officer)
    response = client.post(f"/loans/{loan.id}/reschedule", data=reschedule_form(**values))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_a_second_proposal_is_refused_with_a_conflict(client, loan, officer, checker) -> None:
    login_as(client, officer)
    client.post(f"/loans/{loan.id}/write-off", data=write_off_form())
    login_as(client, checker)
    response = client.post(f"/loans/{loan.id}/reschedule", data=reschedule_form())
    assert response.status_code == 409
    assert "already proposed a decision" in html_lib.unescape(response.get_data(as_text=True))


def test_managers_confirm_but_do_not_propose(client, loan, officer, manager) -> None:
    login_as(client, manager)
    assert 'action="/loans/' + str(loan.id) + '/write-off"' not in page(client, loan)
    assert client.post(f"/loans/{loan.id}/write-off", data=write_off_form()).status_code == 403
    proposal = loan_decisions.propose_write_off(
        loan, officer, amount=Decimal("500"), written_off_on=programme_today(), note="Partial loss."
    )
    db.session.commit()
    assert client.post(f"/proposals/{proposal.id}/confirm").status_code == 303
    assert ledger.written_off([loan.id])[loan.id] == Decimal("500.00")


def test_the_borrower_and_the_mentor_see_the_new_schedule_never_the_proposals(
    client, loan, officer, checker, trainee, mentor
) -> None:
    proposal = loan_decisions.propose_reschedule(
        loan,
        officer,
        annual_rate=Decimal("0.05"),
        term_months=24,
        grace_months=1,
        method="annuity",
        first_due_on=programme_today() + timedelta(days=30),
        note="Confidential: three months in hospital.",
    )
    db.session.commit()
    for person in (trainee, mentor):
        login_as(client, person)
        shown = page(client, loan)
        assert "Confidential" not in shown
        assert "/proposals/" not in shown
        assert "/write-off" not in shown
        assert "/reschedule" not in shown
        assert client.post(f"/proposals/{proposal.id}/confirm").status_code == 403
    decisions.confirm(proposal, checker)
    db.session.commit()
    db.session.refresh(loan)
    new_first = schedule_of(loan)[0]
    login_as(client, trainee)
    shown = page(client, loan)
    assert "Restructured" in shown
    assert "Schedule changes" in shown
    assert "Confidential" not in shown
    assert "Written off" not in shown
    assert f'<th scope="row">{len(schedule_of(loan))}</th>' in shown  # the new schedule's last installment
    assert new_first.due_date is not None


def test_the_checkers_inbox_lists_loan_proposals_and_links_to_the_loan(
    client, loan, officer, checker
) -> None:
    login_as(client, officer)
    client.post(f"/loans/{loan.id}/write-off", data=write_off_form())
    queue = html_lib.unescape(client.get("/queue").get_data(as_text=True))
    assert "Loan decisions waiting for your confirmation" not in queue  # not the proposer's to confirm
    login_as(client, checker)
    queue = html_lib.unescape(client.get("/queue").get_data(as_text=True))
    assert "Loan decisions waiting for your confirmation" in queue
    assert f'href="/loans/{loan.id}#decisions"' in queue
    assert loan.borrower.full_name in queue
    nav = queue.split("<nav", 1)[1].split("</nav>", 1)[0]
    assert "1 waits for your confirmation" in nav


def test_a_confirmation_the_loan_refuses_now_comes_back_with_the_reason(
    client, loan, officer, checker
) -> None:
    proposal = loan_decisions.propose_write_off(
        loan, officer, amount=Decimal("8000.00"), written_off_on=programme_today(), note="Closed."
    )
    db.session.commit()
    from workbench.lending.repayments import new_idempotency_key, post_repayment

    post_repayment(
        loan,
        paid_on=programme_today(),
        amount=Decimal("700"),
        reference="Rata",
        key=new_idempotency_key(),
        actor=officer,
    )
    db.session.commit()
    login_as(client, checker)
    response = client.post(f"/proposals/{proposal.id}/confirm", follow_redirects=True)
    shown = html_lib.unescape(response.get_data(as_text=True))
    assert "Since this proposal, payments brought" in shown
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).pending


def test_another_borrowers_loan_proposal_is_not_found_for_a_trainee(client, loan, officer) -> None:
    other = make_person("other@example.org", [Role.TRAINEE])
    login_as(client, other)
    proposal = loan_decisions.propose_write_off(
        loan, officer, amount=None, written_off_on=programme_today(), note="Closed."
    )
    db.session.commit()
    assert client.get(f"/loans/{loan.id}").status_code == 404
    assert client.post(f"/proposals/{proposal.id}/decline", data={"reason": "x"}).status_code == 403


@pytest.mark.parametrize(
    ("role", "confirm_status", "decline_status"),
    [("anonymous", 302, 302), ("trainee", 403, 403), ("mentor", 403, 403), ("manager", 303, 422)],
)
def test_who_reaches_a_loan_proposal(
    request, client, loan, officer, role, confirm_status, decline_status
) -> None:
    """The route matrix's rows for a loan's proposal (its own rows are an application's): the borrower and
    their mentor are refused, a manager confirms; an empty decline comes back with its error."""
    proposal = loan_decisions.propose_write_off(
        loan, officer, amount=Decimal("100"), written_off_on=programme_today(), note="Closed."
    )
    db.session.commit()
    if role != "anonymous":
        login_as(client, request.getfixturevalue(role))
    assert client.post(f"/proposals/{proposal.id}/decline").status_code == decline_status
    assert client.post(f"/proposals/{proposal.id}/confirm").status_code == confirm_status
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).pending == (confirm_status != 303)
