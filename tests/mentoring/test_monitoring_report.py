"""The one-year monitoring report: who reads it, what it says (the plan financed, twelve months of plan
against actual, the repayment as far as Workbench knows it, the places for sessions and milestones), and its
PDF in Italian for the agency and in Arabic."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from pypdf import PdfReader

from tests.mentoring.actuals_support import (
    accompanied,
    label,
    loan_of,
    post_month,
    shift,
    text_of,
    this_month,
)
from tests.support import login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.lending.models import Loan
from workbench.mentoring.plan_actual import REPORT_MONTHS
from workbench.web.templating import amounts, money


@pytest.fixture
def mentee(trainee: User, mentor: User) -> User:
    return accompanied(trainee, mentor)


@pytest.fixture
def loan(mentee: User) -> Loan:
    return loan_of(mentee)


@pytest.fixture
def entered(client: FlaskClient, loan: Loan, mentee: User) -> Loan:
    """The payout month entered with round figures, well behind the plan: sales 1,234.56."""
    login_as(client, mentee)
    assert (
        post_month(client, loan, shift(this_month(), -2), "1234.56", "987.65", "-432.10").status_code == 303
    )
    return loan


def in_locale(language: str, function, *args):
    with force_locale(language):
        return function(*args)


def plain(text: str) -> str:
    return " ".join(text.split())


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return plain(" ".join(page.extract_text() for page in reader.pages))


@pytest.mark.parametrize("person", ["mentee", "mentor", "officer", "manager"])
def test_the_borrower_mentor_officers_and_managers_read_the_report(
    request: pytest.FixtureRequest, client: FlaskClient, loan: Loan, person: str
) -> None:
    login_as(client, request.getfixturevalue(person))
    assert client.get(f"/loans/{loan.id}/monitoring-report").status_code == 200


def test_nobody_else_reads_it(client: FlaskClient, loan: Loan) -> None:
    assert client.get(f"/loans/{loan.id}/monitoring-report").status_code == 302
    for email, role in (("someone@example.org", Role.TRAINEE), ("someone.else@example.org", Role.MENTOR)):
        login_as(client, make_person(email, [role]))
        assert client.get(f"/loans/{loan.id}/monitoring-report").status_code == 404
        assert client.get(f"/loans/{loan.id}/monitoring-report.pdf").status_code == 404


def test_the_report_covers_twelve_months_from_the_payout(client: FlaskClient, entered: Loan) -> None:
    page = text_of(client.get(f"/loans/{entered.id}/monitoring-report"))
    months = re.findall(r'<tr id="row-(\d{4}-\d{2})"', page)
    assert len(months) == REPORT_MONTHS
    assert months[0] == label(shift(this_month(), -2))
    assert months[-1] == label(shift(this_month(), REPORT_MONTHS - 3))
    # The payout month, entered, is flagged: its cash is below zero where the plan expected it above.
    assert 'class="flagged' in page[page.index(f'<tr id="row-{months[0]}"') :].split("</tr>")[0]
    # Sessions and milestones each have their own section, for the other parts of mentoring to fill.
    assert 'id="report-tutoring"' in page
    assert 'id="report-milestones"' in page
    # Repayments are not invented: the report says they are not recorded.
    expected = "Repayments are not recorded in Workbench yet, so what has been paid is not shown here."
    assert in_locale("fr", gettext, expected) in page


def test_the_pdf_in_italian_holds_the_key_figures(client: FlaskClient, entered: Loan) -> None:
    response = client.get(f"/loans/{entered.id}/monitoring-report.pdf?lang=it")
    assert response.headers["Content-Disposition"].endswith(f'monitoring-report-loan-{entered.id}-it.pdf"')
    text = pdf_text(response)
    assert "Fatou Ndiaye" in text
    assert "Fatou's Kitchen" in text
    assert plain(in_locale("it", money, Decimal("8000"))) in text  # "8.000,00 €"
    for figure in ("1234.56", "987.65", "-432.10"):
        assert plain(in_locale("it", amounts, [Decimal(figure)])[0]) in text  # "1.234,56"
    assert plain(in_locale("it", gettext, "Repayment capacity (DSCR)")) in text


def test_the_pdf_in_arabic_keeps_amounts_with_their_minus_first(client: FlaskClient, entered: Loan) -> None:
    """In a right-to-left page a bare "-432.10" is drawn "432.10-" unless it is isolated left to right."""
    response = client.get(f"/loans/{entered.id}/monitoring-report.pdf?lang=ar")
    text = pdf_text(response)
    assert "Fatou Ndiaye" in text
    assert plain(in_locale("ar", amounts, [Decimal("1234.56")])[0]) in text
    runs: list[str] = []
    for page in PdfReader(io.BytesIO(response.data)).pages:
        page.extract_text(visitor_text=lambda run, *_: runs.append(run))
    tokens = {token for run in runs for token in re.findall(r"-?[\d,.]+[.,]\d\d", run)}
    assert "-432.10" in tokens, sorted(tokens)
    assert not [run for run in runs if re.search(r"\d-\s*$", run)]


def test_the_pdf_of_an_unknown_language_is_not_found(client: FlaskClient, entered: Loan) -> None:
    assert client.get(f"/loans/{entered.id}/monitoring-report.pdf?lang=de").status_code == 404


def test_the_report_lists_the_sessions_services_and_milestones_without_private_notes(
    client: FlaskClient, loan: Loan, mentee: User, mentor: User
) -> None:
    from datetime import timedelta

    from workbench.extensions import db
    from workbench.mentoring.milestones import milestones_of
    from workbench.mentoring.sessions import SessionDetails, log_session, new_submission_key
    from workbench.timeutil import programme_today

    log_session(
        mentee,
        mentor,
        SessionDetails(
            held_on=programme_today() - timedelta(days=3),
            minutes=75,
            channel="video",
            services=frozenset({"strategy", "sales"}),
            notes="Private worry about the landlord.",
            next_steps="Prices list.",
        ),
        new_submission_key(),
    )
    db.session.commit()
    login_as(client, mentee)
    page = text_of(client.get(f"/loans/{loan.id}/monitoring-report"))
    section = page[page.index('id="report-tutoring"') : page.index('id="report-milestones"')]
    assert "75" in section
    assert "landlord" not in page
    given = milestones_of([mentee.id])[mentee.id]
    assert given  # the payout gave the loan's milestones
    milestones = page[page.index('id="report-milestones"') : page.index('id="report-signature"')]
    assert milestones.count('<tr><td dir="auto">') == len(given)
