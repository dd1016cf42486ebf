"""A loan's contract page and its PDF: who reads them (as the loan page), what they state (the parties, the
plan version, the terms, the whole schedule, the totals, "no fees", TAN and TAEG side by side), and the PDF
in the borrower's language, in Italian for institutions and in Arabic."""

from __future__ import annotations

import html as html_lib
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, format_percent

from tests.factories import disbursed_loan
from tests.mentoring.actuals_support import accompanied
from tests.support import login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.lending.contract import contract_figures
from workbench.lending.models import Loan
from workbench.web.templating import amounts, day, money

pytestmark = pytest.mark.usefixtures("english_readers")

#: poppler-utils' text extractor, which gives the shaped Arabic back as text.
PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"


@pytest.fixture
def mentee(trainee: User, mentor: User) -> User:
    return accompanied(trainee, mentor)


@pytest.fixture
def loan(mentee: User) -> Loan:
    return disbursed_loan(mentee)


def page_of(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html_lib.unescape(response.get_data(as_text=True))


def plain(text: str) -> str:
    """Text with every kind of space made one plain space (PDF text and locales use narrow and hard ones)."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    done = subprocess.run(
        [PDFTOTEXT, "-enc", "UTF-8", "-", "-"], input=response.data, capture_output=True, check=True
    )
    return plain(done.stdout.decode())


def in_locale(language: str, function, *args, **kwargs):
    with force_locale(language):
        return function(*args, **kwargs)


def rate(language: str, value: Decimal) -> str:
    return in_locale(language, format_percent, value, format="#,##0.###%")


@pytest.mark.parametrize("person", ["mentee", "mentor", "officer", "manager"])
def test_the_borrower_their_mentor_officers_and_managers_read_the_contract(
    request: pytest.FixtureRequest, client: FlaskClient, loan: Loan, person: str
) -> None:
    login_as(client, request.getfixturevalue(person))
    page = page_of(client, f"/loans/{loan.id}/contract")
    assert "Fatou Ndiaye" in page
    assert f"/loans/{loan.id}/contract.pdf?lang=en" in page
    assert f"/loans/{loan.id}/contract.pdf?lang=it" in page
    response = client.get(f"/loans/{loan.id}/contract.pdf?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"


def test_nobody_else_learns_the_contract_exists(client: FlaskClient, loan: Loan) -> None:
    for url in (f"/loans/{loan.id}/contract", f"/loans/{loan.id}/contract.pdf"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    for email, role in (
        ("other.trainee@example.org", Role.TRAINEE),
        ("other.mentor@example.org", Role.MENTOR),
    ):
        login_as(client, make_person(email, [role]))
        for url in (f"/loans/{loan.id}/contract", f"/loans/{loan.id}/contract.pdf?lang=it"):
            assert client.get(url).status_code == 404
        assert client.get(f"/loans/{loan.id + 1}/contract").status_code == 404
        assert client.get("/loans/99999999999999999999/contract.pdf").status_code == 404


def test_the_loan_page_links_to_its_contract(client: FlaskClient, loan: Loan, mentee: User) -> None:
    login_as(client, mentee)
    assert f'href="/loans/{loan.id}/contract"' in page_of(client, f"/loans/{loan.id}")


def test_the_contract_states_terms_schedule_totals_fees_and_both_rates(
    client: FlaskClient, loan: Loan, mentee: User
) -> None:
    login_as(client, mentee)
    page = page_of(client, f"/loans/{loan.id}/contract")
    figures = contract_figures(loan)
    schedule = figures.schedule
    # the plan version financed, linked for its owner
    assert f"/plans/{loan.plan_version.plan_id}/versions/{loan.plan_version.number}" in page
    assert "Version 1" in page
    # the terms
    assert "36 months" in page
    assert "None: every installment repays part of the loan" in page
    assert "Equal installments" in page
    # every installment, numbered, with its six columns
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(\d+)</th>((?:\s*<td[^>]*>[^<]*</td>){5})", page)
    assert [number for number, _ in rows] == [str(n) for n in range(1, 37)]
    last = schedule[-1]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", rows[-1][1])
    assert cells == [
        in_locale("en", day, last.due_date),
        *in_locale("en", amounts, [last.principal, last.interest, last.total, last.balance]),
    ]
    # totals: the interest and everything to repay; no fee, said plainly
    assert in_locale("en", money, figures.total_interest) in page
    assert in_locale("en", money, figures.total_to_repay) in page
    assert figures.total_to_repay == sum(row.total for row in schedule)
    assert "No fees" in page
    # TAN and TAEG side by side, each explained
    assert figures.apr is not None
    rates = page[page.index('class="rate-pair"') :]
    assert rates.index(rate("en", Decimal("0.07"))) < rates.index(rate("en", figures.apr))
    assert rate("en", figures.apr) == "7.23%"
    assert "The nominal rate" in rates
    assert "The yearly cost of the credit including everything" in rates


def test_the_lender_is_the_configured_partner_or_named_by_its_role(
    app: Flask, client: FlaskClient, loan: Loan, officer: User
) -> None:
    login_as(client, officer)
    assert "The microfinance partner of the programme" in page_of(client, f"/loans/{loan.id}/contract")
    app.config["LENDER_NAME"] = "Microcredito Solidale S.c.r.l."
    try:
        page = page_of(client, f"/loans/{loan.id}/contract")
    finally:
        app.config["LENDER_NAME"] = None
    assert "Microcredito Solidale S.c.r.l." in page
    assert "The microfinance partner of the programme" not in page
    # an officer may not open the trainee's plan: the version is named, not linked
    assert f"/plans/{loan.plan_version.plan_id}/versions/" not in page


def test_the_pdf_in_italian_holds_the_schedule_and_the_taeg(
    client: FlaskClient, loan: Loan, officer: User
) -> None:
    login_as(client, officer)
    response = client.get(f"/loans/{loan.id}/contract.pdf?lang=it")
    assert response.headers["Content-Disposition"].endswith(f'loan-contract-{loan.id}-it.pdf"')
    text = pdf_text(response)
    figures = contract_figures(loan)
    assert figures.apr is not None
    assert "Fatou Ndiaye" in text
    assert "TAEG" in text
    assert "TAN" in text
    assert plain(rate("it", figures.apr)) in text  # "7,23%"
    last = figures.schedule[-1]
    last_row = " ".join(
        [
            "36",
            in_locale("it", day, last.due_date),
            *in_locale("it", amounts, [last.principal, last.interest, last.total, last.balance]),
        ]
    )
    assert plain(last_row) in text
    assert plain(in_locale("it", money, figures.total_to_repay)) in text


def test_the_pdf_is_in_the_borrowers_language_unless_another_is_asked(
    client: FlaskClient, loan: Loan, officer: User, mentee: User
) -> None:
    mentee.locale = "fr"
    login_as(client, officer)
    response = client.get(f"/loans/{loan.id}/contract.pdf")
    assert response.headers["Content-Disposition"].endswith(f'loan-contract-{loan.id}-fr.pdf"')
    assert "TAEG" in pdf_text(response)
    assert client.get(f"/loans/{loan.id}/contract.pdf?lang=xx").status_code == 404
    assert client.get(f"/loans/{loan.id}/contract.pdf?lang=" + "e" * 5000).status_code == 404


def test_the_arabic_pdf_reads_right_to_left(client: FlaskClient, loan: Loan, mentee: User) -> None:
    login_as(client, mentee)
    response = client.get(f"/loans/{loan.id}/contract.pdf?lang=ar")
    text = pdf_text(response)
    figures = contract_figures(loan)
    assert "Fatou Ndiaye" in text
    # the amounts stay whole and left to right inside the Arabic text
    assert plain(in_locale("ar", amounts, [figures.schedule[-1].total])[0]) in text
    assert plain(in_locale("ar", amounts, [figures.total_interest])[0]) in text
