"""Importing a bank statement: reading the CSV (separators, decimal commas, BOM, bounds), the preview with
a match or a problem per row, posting the matched rows once, and importing the same file again posting
nothing."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import disbursed_loan
from tests.support import login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending import bank_import
from workbench.lending.models import Loan
from workbench.lending.repayment_models import BankImport, LoanPayment
from workbench.lending.repayments import new_idempotency_key, post_repayment
from workbench.timeutil import programme_today

pytestmark = pytest.mark.usefixtures("english_readers")


@pytest.fixture
def loan(trainee: User, officer: User) -> Loan:
    return disbursed_loan(trainee, disbursed_on=programme_today() - timedelta(days=90), officer=officer)


def day(days_ago: int) -> date:
    return programme_today() - timedelta(days=days_ago)


def test_reading_separators_decimal_commas_and_a_bom(loan: Loan, trainee: User) -> None:
    text = (
        "\ufeffData;Importo;Causale\n"
        f"{day(10).strftime('%d/%m/%Y')};1.250,50;Rata WB-{loan.id}\n"
        f"{day(9).isoformat()};150,00;Bonifico {trainee.full_name.upper()}\n"
    )
    rows = bank_import.preview(text.encode())
    assert [(r.status, r.amount, r.loan_id) for r in rows] == [
        ("match", "1250.50", loan.id),
        ("match", "150.00", loan.id),
    ]
    comma = f'{day(8).isoformat()},"12,00",WB-{loan.id}\n{day(8).isoformat()},13.5,WB-{loan.id} bis\n'
    assert [r.amount for r in bank_import.preview(comma.encode())] == ["12.00", "13.50"]


def test_each_problem_is_named(loan: Loan, officer: User) -> None:
    post_repayment(
        loan,
        paid_on=day(20),
        amount=Decimal("70"),
        reference=f"WB-{loan.id}",
        key=new_idempotency_key(),
        actor=officer,
    )
    db.session.commit()
    lines = [
        f"31/02/2026;10;WB-{loan.id}",
        f"{day(5)};dieci;WB-{loan.id}",
        f"{day(5)};-10;WB-{loan.id}",
        f"{programme_today() + timedelta(days=3)};10;WB-{loan.id}",
        f"{day(5)};10;Nobody we know",
        f"{day(200)};10;WB-{loan.id}",
        f"{day(20)};70;WB-{loan.id}",
        f"{day(5)};10;WB-{loan.id} once",
        f"{day(5)};10;WB-{loan.id} once",
        f"{day(5)};99999;WB-{loan.id}",
        f"{day(5)};1e999;WB-{loan.id}",
    ]
    rows = bank_import.preview("\n".join(lines).encode())
    assert [r.status for r in rows] == [
        "bad_date",
        "bad_amount",
        "not_incoming",
        "future",
        "no_match",
        "before_payout",
        "duplicate",
        "match",
        "same_in_file",
        "overpayment",
        "bad_amount",
    ]
    assert all(r.problem for r in rows if r.status != "match")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\xff\xfe\x00d", "UTF-8"),
        (b"", "no movements"),
        (b"x" * (bank_import.MAX_BYTES + 1), "too large"),
        (("2026-01-01;1;x\n" * (bank_import.MAX_ROWS + 2)).encode(), "At most"),
    ],
)
def test_files_that_cannot_be_read_are_refused(app_context: None, data: bytes, words: str) -> None:
    with pytest.raises(DomainError) as refused:
        bank_import.preview(data)
    assert words in refused.value.errors["file"]


def test_upload_preview_post_and_the_same_file_again(client: FlaskClient, loan: Loan, officer: User) -> None:
    login_as(client, officer)
    assert client.get("/bank-imports").status_code == 200
    data = f"date;amount;reference\n{day(3)};200,00;WB-{loan.id}\n{day(3)};5;nobody\n".encode()
    uploaded = client.post("/bank-imports", data={"file": (io.BytesIO(data), "estratto.csv")})
    assert uploaded.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(LoanPayment)) == 0  # nothing at preview time
    preview = client.get(uploaded.headers["Location"]).get_data(as_text=True)
    assert "Ready to post" in preview
    assert "No loan found" in preview
    batch = db.session.scalars(select(BankImport)).one()
    posted = client.post(f"/bank-imports/{batch.id}/post", follow_redirects=True)
    assert "Posted: 1" in posted.get_data(as_text=True)
    again = client.post(f"/bank-imports/{batch.id}/post", follow_redirects=True)
    assert "already posted" in again.get_data(as_text=True)
    reimported = client.post("/bank-imports", data={"file": (io.BytesIO(data), "estratto.csv")})
    second = client.get(reimported.headers["Location"]).get_data(as_text=True)
    assert "Already posted from an earlier import" in second
    assert db.session.scalar(select(func.count()).select_from(LoanPayment)) == 1


def test_posting_a_stored_preview_whose_row_was_posted_meanwhile_posts_nothing_twice(
    app_context: None, loan: Loan, officer: User
) -> None:
    data = f"{day(3)};200,00;WB-{loan.id}\n".encode()
    first = bank_import.store_preview("a.csv", bank_import.preview(data), officer)
    second = bank_import.store_preview("a.csv", bank_import.preview(data), officer)
    db.session.commit()
    assert bank_import.post_matched(first, officer).posted == 1
    db.session.commit()
    result = bank_import.post_matched(second, officer)
    assert (result.posted, result.already) == (0, 1)


def test_a_bad_upload_comes_back_with_the_reason(client: FlaskClient, officer: User) -> None:
    login_as(client, officer)
    response = client.post("/bank-imports", data={"file": (io.BytesIO(b"\xff\xfe"), "x.csv")})
    assert response.status_code == 422
    assert "UTF-8" in response.get_data(as_text=True)
    assert client.post("/bank-imports", data={}).status_code == 422


def test_only_officers_import(client: FlaskClient, loan: Loan) -> None:
    login_as(client, make_person("g@example.org", [Role.MANAGER]))
    assert client.get("/bank-imports").status_code == 403
    assert client.post("/bank-imports", data={}).status_code == 403
