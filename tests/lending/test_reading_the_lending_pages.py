"""The lending pages as their readers read them: amounts and loan numbers read left to right in an Arabic page
(a minus before the digits), days and amounts in the reader's notation (a bank statement, a proposal's first
installment, a score given by someone who writes another language), choices as groups instead of bulleted
lists, what to do after a refusal, a status that is not a date, a journal spreadsheet an accountant can read
and an Arabic contract whose labels stand beside their values."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from openpyxl import load_workbook
from sqlalchemy import select

from tests.factories import disbursed_loan, endorsed_version, lendable_product
from tests.support import login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.lending import applications, decisions
from workbench.lending.application_models import CreditApplication
from workbench.lending.models import Loan
from workbench.lending.product_models import LoanProduct
from workbench.lending.repayments import post_repayment, reverse_payment
from workbench.lending.scorecard import Rating, score_application
from workbench.plans.exports import EURO
from workbench.timeutil import programme_today
from workbench.web.dates import day
from workbench.web.formatting import ltr, money

RATINGS = {key: Rating(3, "Fine.") for key in ("motivation", "experience", "market")}
#: How the ltr filter opens an island that reads left to right.
ISLAND = '<bdi dir="ltr" class="ltr-value">'
PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"


def read(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def in_locale(language: str, function, *args, **kwargs):
    with force_locale(language):
        return function(*args, **kwargs)


def island(text: str) -> str:
    """A value kept left to right, as the page holds it: without the right-to-left mark of Arabic formats."""
    return ISLAND + text.replace("\u200f", "") + "</bdi>"


def reader(user: User, language: str) -> User:
    user.locale = language
    db.session.commit()
    return user


@pytest.fixture
def checker(app_context) -> User:
    return make_person("second.officer@example.org", [Role.OFFICER], "Second Officer", locale="en")


def scored_application(trainee: User, mentor: User, officer: User) -> CreditApplication:
    """An application scored by an officer who writes English, on a lendable product."""
    lendable_product()
    version = endorsed_version(trainee, mentor)
    with force_locale("en"):  # an officer who writes English scores it
        application = applications.apply_for_credit(
            version, trainee, applications.Request(Decimal("8000"), 36, 0, "Oven", "individual")
        )
        score_application(application, officer, RATINGS, seen=0)
    db.session.commit()
    return application


# --- left to right in Arabic --------------------------------------------------------------------------------


def test_an_amount_keeps_its_minus_before_the_digits_in_an_arabic_sentence(app_context) -> None:
    expected = ISLAND + "-1,234.50\u00a0€</bdi>"
    escaped = ISLAND + "&lt;b&gt;WB-1&lt;/b&gt;</bdi>"
    written = in_locale("ar", money, Decimal("-1234.5"))
    assert written.startswith(
        "\u200f-"
    )  # Babel's Arabic format: in a left-to-right box the minus moves after
    assert str(in_locale("ar", ltr, written)) == expected
    assert str(ltr("<b>WB-1</b>")) == escaped
    assert str(ltr(None)) == ""


def test_the_borrower_reads_the_loans_amounts_and_number_left_to_right_in_arabic(
    client: FlaskClient, trainee: User
) -> None:
    loan = disbursed_loan(trainee)
    login_as(client, reader(trainee, "ar"))
    page = read(client, f"/loans/{loan.id}")
    assert island(in_locale("ar", money, loan.principal)) in page  # the amount lent, what is left of it
    assert island(f"WB-{loan.id}") in page  # to copy into the bank transfer
    contract = read(client, f"/loans/{loan.id}/contract")
    assert island(in_locale("ar", money, loan.principal)) in contract


def test_a_negative_balance_of_the_arabic_ledger_keeps_its_minus_first(
    client: FlaskClient, trainee: User, officer: User
) -> None:
    disbursed_loan(trainee, officer=officer)  # 8,000 out of the bank: a balance of -8,000
    login_as(client, reader(officer, "ar"))
    page = read(client, "/ledger")
    assert island("-8,000.00\u00a0€") in page


# --- the reader's notation and language ---------------------------------------------------------------------


def test_a_bank_statement_is_previewed_in_the_readers_notation_the_state_first(
    client: FlaskClient, trainee: User, officer: User
) -> None:
    loan = disbursed_loan(trainee, disbursed_on=programme_today() - timedelta(days=90), officer=officer)
    paid_on = programme_today() - timedelta(days=3)
    login_as(client, reader(officer, "it"))
    when = f"{paid_on:%d/%m/%Y}"
    statement = f"data;importo;causale\n{when};1.250,50;WB-{loan.id}\n{when};abc;WB-{loan.id}\n"
    uploaded = client.post("/bank-imports", data={"file": (io.BytesIO(statement.encode()), "estratto.csv")})
    assert uploaded.status_code == 303
    page = read(client, uploaded.headers["Location"])
    assert in_locale("it", money, Decimal("1250.50")) in page  # 1.250,50 €, as the statement wrote it
    assert in_locale("it", day, paid_on) in page
    assert "1250.50" not in page
    assert f">{paid_on.isoformat()}<" not in page
    assert page.count('class="row-problem"') == 1  # the unreadable amount stands out
    headings = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', page)
    assert headings[:3] == [in_locale("it", gettext, w) for w in ("Line", "State", "Date")]


def test_a_proposals_first_installment_is_written_as_a_day(
    client: FlaskClient, trainee: User, mentor: User, officer: User, english_readers
) -> None:
    application = scored_application(trainee, mentor, officer)
    first_due = programme_today() + timedelta(days=30)
    terms = {
        "product_id": db.session.scalar(select(LoanProduct.id)),
        "amount": Decimal("8000"),
        "annual_rate": Decimal("0.05"),
        "term_months": 36,
        "grace_months": 0,
        "method": "annuity",
        "first_due_on": first_due,
    }
    applications.propose_decision(application, officer, "approve", terms=terms, note="")
    db.session.commit()
    login_as(client, officer)
    page = read(client, f"/applications/{application.id}")
    assert f"first installment on {day(first_due)}" in page
    assert first_due.isoformat() not in page


def test_a_score_given_in_english_reads_in_italian(
    client: FlaskClient, trainee: User, mentor: User, officer: User
) -> None:
    application = scored_application(trainee, mentor, officer)
    stored = {row["key"]: row for row in applications.state_of(application).score.criteria}
    assert stored["endorsement"]["shown"] == "yes"  # kept as the scorer wrote it
    low, gap = (Decimal(part) for part in stored["min_cash"]["shown"].split(" / "))
    italian = make_person("giulia.verdi@example.org", [Role.OFFICER], "Giulia Verdi", locale="it")
    login_as(client, italian)
    page = read(client, f"/applications/{application.id}")
    assert island("sì") in page
    assert ">yes<" not in page
    with force_locale("it"):
        assert island(f"{money(low)} / {money(gap)}") in page


def test_the_paid_out_status_is_not_the_payout_date_in_arabic(app_context) -> None:
    with force_locale("ar"):
        label = str(applications.STATUS_LABELS[applications.Status.DISBURSED])
        assert label == gettext("Loan disbursed") == "صُرف القرض"
        assert label != gettext("Paid out")  # "تاريخ الصرف", the date of the payout, beside the loan's facts


def test_applying_twice_names_the_day_of_the_first_application(
    trainee: User, mentor: User, english_readers
) -> None:
    version = endorsed_version(trainee, mentor)
    request = applications.Request(Decimal("8000"), 36, 0, "Oven", "individual")
    first = applications.apply_for_credit(version, trainee, request)
    db.session.commit()
    with pytest.raises(applications.AlreadyApplied) as refused:
        applications.apply_for_credit(version, trainee, request)
    message = refused.value.errors[""]
    assert day(first.submitted_at) in message
    assert first.submitted_at.date().isoformat() not in message


def test_day_reads_a_day_kept_as_iso_text(app_context) -> None:
    with force_locale("it"):
        assert day("2027-01-18") == day(date(2027, 1, 18)) == "18 gen 2027"
        assert day("not a day") == "not a day"
        assert day("") == ""


# --- forms and next steps -----------------------------------------------------------------------------------


def test_choices_are_groups_with_a_legend_not_bulleted_lists(
    client: FlaskClient, trainee: User, mentor: User, officer: User, english_readers
) -> None:
    application = scored_application(trainee, mentor, officer)
    login_as(client, officer)
    page = read(client, f"/applications/{application.id}")
    assert "<legend>You propose to</legend>" in page
    assert page.count('class="rating-choices"') == 3  # each judged criterion rated 0 to 4 on one line
    assert '<ul id="action"' not in page
    assert '<ul id="motivation_rating"' not in page
    endorsed_version(trainee, mentor, title="A second plan")  # not applied for yet: its form is on the page
    login_as(client, trainee)
    assert "<legend>Legal form of the business</legend>" in read(client, "/applications/mine")


def test_after_a_refusal_the_applicant_reads_how_to_apply_again(
    client: FlaskClient, trainee: User, mentor: User, officer: User, checker: User, english_readers
) -> None:
    application = scored_application(trainee, mentor, officer)
    proposal = applications.propose_decision(
        application, officer, "reject", terms=None, note="The installment is above the plan's cash."
    )
    decisions.confirm(proposal, checker)
    db.session.commit()
    login_as(client, trainee)
    page = read(client, f"/applications/{application.id}")
    assert "To apply again, work on your plan with your mentor" in page
    assert 'href="/plans"' in page
    assert '<p class="prose" dir="auto">The installment is above' in page


# --- exports ------------------------------------------------------------------------------------------------


@pytest.fixture
def booked(trainee: User, officer: User) -> Loan:
    today = programme_today()
    loan = disbursed_loan(trainee, disbursed_on=today - timedelta(days=60), officer=officer)
    payment = post_repayment(
        loan,
        paid_on=today,
        amount=Decimal("300"),
        reference="BONIFICO",
        key="b" * 32,
        actor=officer,
        today=today,
    ).payment
    reverse_payment(payment, reason="Wrong loan", actor=officer, today=today)
    db.session.commit()
    return loan


def test_the_journal_spreadsheet_reads_as_an_accountant_expects(
    client: FlaskClient, booked: Loan, officer: User, english_readers
) -> None:
    login_as(client, officer)
    book = load_workbook(io.BytesIO(client.get("/ledger/journal.xlsx").get_data()))
    journal, per_entry = book.worksheets
    assert journal.freeze_panes == "A2"
    assert journal.auto_filter.ref == f"A1:I{journal.max_row}"
    assert journal["G2"].number_format == EURO  # euros, not bare numbers
    assert journal["H2"].number_format == EURO
    assert journal.column_dimensions["B"].width >= 10  # a date shows, not "####"
    assert journal["I2"].value == f"WB-{booked.id}"  # not "Loan 1", in no reader's language
    assert not journal.sheet_view.rightToLeft
    assert per_entry.title == "Debits and credits per entry"
    rows = list(per_entry.iter_rows(values_only=True))
    assert rows[0] == ("Entry", "Date", "Kind", "Loan", "Debit", "Credit", "Difference")
    entries, total = rows[1:-1], rows[-1]
    assert [row[2] for row in entries] == ["Disbursement", "Repayment", "Reversal"]
    assert all(row[4] == row[5] and row[6] == 0 for row in entries)  # each entry balances
    assert total[0] == "Total"
    assert total[4] == total[5] == 8600
    assert per_entry["E2"].number_format == EURO
    csv_text = client.get("/ledger/journal.csv").get_data().decode("utf-8-sig")
    assert f";WB-{booked.id}\r\n" in csv_text
    login_as(client, reader(officer, "ar"))
    arabic = load_workbook(io.BytesIO(client.get("/ledger/journal.xlsx").get_data()))
    assert all(sheet.sheet_view.rightToLeft for sheet in arabic.worksheets)


def words_of(pdf: bytes) -> list[tuple[str, float, float, float]]:
    """(text, left, top, right) of every word pdftotext finds (Arabic words come back letter-reversed)."""
    done = subprocess.run(
        [PDFTOTEXT, "-bbox", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    found = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
        done.stdout.decode(),
    )
    return [(text, float(left), float(top), float(right)) for left, top, right, text in found]


def test_the_arabic_contract_sets_each_label_at_the_right_of_its_value_and_leaves_room_to_sign(
    client: FlaskClient, trainee: User
) -> None:
    loan = disbursed_loan(trainee)
    login_as(client, trainee)
    arabic = words_of(client.get(f"/loans/{loan.id}/contract.pdf?lang=ar").data)
    label = in_locale("ar", gettext, "Borrower")
    _text, label_left, label_top, _right = next(w for w in arabic if w[0] in {label, label[::-1]})
    surname = trainee.full_name.split()[-1]
    beside = [w for w in arabic if w[0] == surname and abs(w[2] - label_top) < 8]
    assert beside, "the borrower's name on the label's line"
    assert label_left > beside[0][3]  # right to left: the label first, at the right, then the name
    english = words_of(client.get(f"/loans/{loan.id}/contract.pdf?lang=en").data)
    lender = next(w for w in english if w[0] == "lender:")
    place = next(w for w in english if w[0] == "date:")
    assert place[2] - lender[2] > 28  # about 10 mm between the signature lines (one line of text before)
