"""The figures a funder asks for, as files: the portfolio (as the page shows it), every loan with its
schedule in force and its repayments, and the tutoring services delivered. Opened as their reader opens them
(openpyxl, csv), in the reader's language."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.factories import disbursed_loan
from tests.support import login_as, make_person
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.lending.portfolio import portfolio_rows
from workbench.lending.repayments import post_repayment
from workbench.lending.services import schedule_of
from workbench.programme.services import create_cohort, enrol
from workbench.timeutil import programme_today

pytestmark = pytest.mark.usefixtures("english_readers")


@pytest.fixture
def portfolio(app_context):
    """Two loans paid out in the past, one repaying on time, one that never paid; a formula-like reference."""
    today = programme_today()
    officer = make_person("exports.officer@example.org", [Role.OFFICER], "Olga Officer")
    cohort = create_cohort(name="Re-Lab Venezia", city=None, starts_on=None, ends_on=None, actor=None)
    loans = []
    for n, history in enumerate(("on_time", "never")):
        borrower = make_person(f"borrower{n}@example.org", [Role.TRAINEE], f"Borrower {n}")
        enrol(borrower, cohort, actor=None)
        loan = disbursed_loan(borrower, disbursed_on=today - timedelta(days=150), officer=officer)
        if history == "on_time":
            for row in schedule_of(loan):
                if row.due_date > today:
                    break
                post_repayment(
                    loan,
                    paid_on=row.due_date,
                    amount=row.total,
                    reference="=HYPERLINK(1)" if row.number == 1 else f"rata {row.number}",
                    key=f"x-{loan.id}-{row.number}",
                    actor=officer,
                )
        loans.append(loan)
    db.session.commit()
    return loans


@pytest.fixture
def manager_client(client, app_context):
    login_as(client, make_person("exports.manager@example.org", [Role.MANAGER], "Mara Manager"))
    return client


def _book(response):
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data))


def test_the_portfolio_workbook_has_the_pages_figures_and_the_definitions(manager_client, portfolio) -> None:
    total = portfolio_rows(programme_today())[0]
    book = _book(manager_client.get("/portfolio.xlsx"))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == ["Grouped by", "Group", "Loans", "Paid out", "Gross portfolio"]
    first = [cell for cell in sheet[2]]
    assert first[0].value == "All loans"
    assert first[2].value == 2
    assert Decimal(str(first[4].value)) == total.gross_portfolio
    assert "€" in first[4].number_format
    assert first[5].number_format == "0.0%"
    assert float(first[5].value) == pytest.approx(float(total.par30))
    groups = {row[1].value for row in sheet.iter_rows(min_row=3)}
    assert {"Re-Lab Venezia", "Olga Officer"} <= groups
    definitions = book.worksheets[1]
    assert any("Portfolio at risk over 30 days" in (row[1].value or "") for row in definitions.iter_rows())


def test_the_loans_workbook_has_each_loan_its_schedule_and_repayments(manager_client, portfolio) -> None:
    book = _book(manager_client.get("/portfolio/loans.xlsx"))
    loans, installments, repayments = book.worksheets
    assert [cell.value for cell in loans[1]][:3] == ["Loan", "Borrower", "Cohort"]
    by_id = {row[0].value: row for row in loans.iter_rows(min_row=2)}
    never = by_id[portfolio[1].id]
    assert never[1].value == "Borrower 1"
    assert never[3].number_format == "yyyy-mm-dd"
    assert never[12].value > 90  # days past due: it never paid
    assert installments.max_row - 1 == sum(len(schedule_of(loan)) for loan in portfolio)
    references = [row[5].value for row in repayments.iter_rows(min_row=2)]
    assert "'=HYPERLINK(1)" in references  # text, never a formula the spreadsheet would run


def test_the_csv_files_are_semicolon_separated_with_iso_dates(manager_client, portfolio) -> None:
    response = manager_client.get("/portfolio/loans.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Loan"
    assert rows[1][3] == (programme_today() - timedelta(days=150)).isoformat()
    summary = list(
        csv.reader(io.StringIO(manager_client.get("/portfolio.csv").data.decode("utf-8-sig")), delimiter=";")
    )
    assert summary[1][0] == "All loans"


def test_the_tutoring_services_delivered_one_row_per_service(manager_client, portfolio, mentor) -> None:
    from workbench.mentoring.sessions import SessionDetails, log_session
    from workbench.programme.services import assign_mentor

    trainee = portfolio[0].borrower
    assign_mentor(trainee, mentor, None)
    details = SessionDetails(programme_today(), 60, "in_person", frozenset({"strategy", "sales"}))
    log_session(trainee, mentor, details, "s" * 32)
    db.session.commit()
    book = _book(manager_client.get("/programme/services.xlsx"))
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2
    assert {row[6] for row in rows} == {"Business strategy", "Pricing, sales and marketing"}
    assert rows[0][1] == trainee.full_name
