"""A plan leaving the app: the spreadsheet, the PDF (also in Italian), the printable page and the numbers file
that can be imported into a new plan; bad files are refused at the file field and make no plan."""

from __future__ import annotations

import html as html_lib
import io
import json
import re
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.support import audit_events, login_as, make_person
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.finance import parse_assumptions
from workbench.plans import exports, services
from workbench.plans.financials import ROW_LABELS, SINGLES
from workbench.plans.models import BusinessPlan
from workbench.programme.services import assign_mentor
from workbench.web.templating import money

LOCALE = "fr"  # the trainee fixture's language


def simple_assumptions() -> dict:
    """Own money pays the oven in month 1; then 1000 EUR of sales against 500 EUR of rent each month."""
    return {
        "start_month": "2027-01",
        "months": 12,
        "own_funds": 1000,
        "startup_costs": [{"name": "Four", "amount": 1000}],
        "revenue_streams": [{"name": "Repas", "units_per_month": 100, "unit_price": 10}],
        "fixed_costs": [{"name": "Loyer", "monthly": 500}],
    }


@pytest.fixture
def plan(trainee) -> BusinessPlan:
    made = services.create_plan(
        owner=trainee, business_type="food", title="Fatou's Kitchen", from_example=True
    )
    db.session.commit()
    return made


@pytest.fixture
def simple_plan(trainee) -> BusinessPlan:
    made = services.create_plan(
        owner=trainee, business_type="food", title="Simple", assumptions=simple_assumptions()
    )
    db.session.commit()
    return made


def in_locale(language: str, function, *args):
    with force_locale(language):
        return function(*args)


def plain(text: str) -> str:
    """Every run of white space (narrow no-break spaces of French grouping included) as one space."""
    return " ".join(text.split())


def plans_of(user) -> list[BusinessPlan]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(BusinessPlan).where(BusinessPlan.owner_id == user.id)))


# --- spreadsheet --------------------------------------------------------------------------------------------


def download_xlsx(client: FlaskClient, plan: BusinessPlan):
    response = client.get(f"/plans/{plan.id}/projection.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.data))


def sheet_rows(book) -> dict[str, list]:
    """The cash-flow sheet's rows by their label (first column)."""
    return {row[0]: list(row[1:]) for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)}


def test_the_spreadsheet_has_the_title_and_one_column_a_month(signed_in: FlaskClient, plan) -> None:
    book = download_xlsx(signed_in, plan)
    sheet = book.worksheets[0]
    result, _error = services.projection_of(plan.assumptions)
    assert sheet.title == in_locale(LOCALE, gettext, "Cash flow")[:31]
    assert sheet["A1"].value == "Fatou's Kitchen"
    header = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    assert header[0] == in_locale(LOCALE, gettext, "Month")
    assert list(header[1:]) == list(result.months)
    assert len(header) == plan.assumptions["months"] + 1


def test_a_title_with_characters_a_spreadsheet_cannot_hold_still_exports(
    signed_in: FlaskClient, plan
) -> None:
    plan.title = "Fatou\x01's\x1b Kitchen"
    db.session.commit()
    assert download_xlsx(signed_in, plan).worksheets[0]["A1"].value == "Fatou's Kitchen"


def test_the_spreadsheet_figures_are_the_projections(signed_in: FlaskClient, plan) -> None:
    rows = sheet_rows(download_xlsx(signed_in, plan))
    result, _error = services.projection_of(plan.assumptions)
    labels = {key: in_locale(LOCALE, str, label) for key, label in ROW_LABELS.items()}
    assert set(rows) == {labels[key] for key in result.table}
    for key in ("revenue", "closing_cash"):
        assert rows[labels[key]] == [float(value) for value in result.table[key]]
    assert all(isinstance(value, float) for value in rows[labels["net_cash_flow"]])  # numbers, not text


def test_the_spreadsheet_of_a_simple_plan_has_the_hand_worked_cash(
    signed_in: FlaskClient, simple_plan
) -> None:
    rows = sheet_rows(download_xlsx(signed_in, simple_plan))
    labels = {key: in_locale(LOCALE, str, label) for key, label in ROW_LABELS.items()}
    assert rows[labels["revenue"]] == [1000.0] * 12
    assert rows[labels["closing_cash"]] == [500.0 * month for month in range(1, 13)]


def test_the_spreadsheet_marks_months_below_zero(signed_in: FlaskClient, simple_plan) -> None:
    simple_plan.assumptions = {**simple_assumptions(), "fixed_costs": [{"name": "Loyer", "monthly": 1500}]}
    db.session.commit()
    sheet = download_xlsx(signed_in, simple_plan).worksheets[0]
    closing = next(
        row
        for row in sheet.iter_rows(min_row=3)
        if row[0].value == in_locale(LOCALE, str, ROW_LABELS["closing_cash"])
    )
    # 500 lost every month: every month ends below zero, and each is marked.
    assert [cell.value for cell in closing[1:]] == [-500.0 * month for month in range(1, 13)]
    assert {cell.fill.fgColor.rgb[-6:] for cell in closing[1:]} == {"FDE2E1"}


def test_the_key_figures_sheet_has_the_lowest_cash(signed_in: FlaskClient, simple_plan) -> None:
    figures = download_xlsx(signed_in, simple_plan).worksheets[1]
    values = {name: value for name, value in figures.iter_rows(values_only=True)}
    assert values["min_cash"] == 500.0
    assert values["min_cash_month"] == 1
    assert values["break_even_month"] == 1


def test_a_title_that_looks_like_a_formula_stays_text(signed_in: FlaskClient, simple_plan) -> None:
    simple_plan.title = '=HYPERLINK("http://evil.example","click")'
    db.session.commit()
    cell = download_xlsx(signed_in, simple_plan).worksheets[0]["A1"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://evil.example","click")'


def test_numbers_that_cannot_be_computed_give_a_message_not_a_spreadsheet(
    signed_in: FlaskClient, simple_plan
) -> None:
    simple_plan.assumptions = {**simple_assumptions(), "months": "tre anni"}
    db.session.commit()
    response = signed_in.get(f"/plans/{simple_plan.id}/projection.xlsx")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/plans/{simple_plan.id}/sections/cashflow")
    page = html_lib.unescape(signed_in.get(response.headers["Location"]).get_data(as_text=True))
    expected = in_locale(
        LOCALE,
        gettext,
        "The spreadsheet needs numbers that can be read: check the messages in the numbers pages.",
    )
    assert expected in page


# --- PDF ----------------------------------------------------------------------------------------------------


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.data))
    return plain(" ".join(page.extract_text() for page in reader.pages))


def total_startup_costs(plan: BusinessPlan) -> Decimal:
    return sum((Decimal(str(cost["amount"])) for cost in plan.assumptions["startup_costs"]), Decimal(0))


def test_the_pdf_has_the_title_an_answer_and_the_figures(signed_in: FlaskClient, plan) -> None:
    response = signed_in.get(f"/plans/{plan.id}/plan.pdf")
    assert response.headers["Content-Disposition"] == 'attachment; filename="fatou-s-kitchen-fr.pdf"'
    text = pdf_text(response)
    assert "Fatou's Kitchen" in text
    assert plain(plan.answer("business_name").text) in text
    assert plain(in_locale(LOCALE, money, total_startup_costs(plan))) in text  # "23 200,00 €"
    template = services.business_type_of(plan)
    assert template.section("startup").title(LOCALE) in text


def test_the_pdf_in_italian_has_italian_headings_and_numbers(signed_in: FlaskClient, plan) -> None:
    response = signed_in.get(f"/plans/{plan.id}/plan.pdf?lang=it")
    assert response.headers["Content-Disposition"].endswith('-it.pdf"')
    text = pdf_text(response)
    template = services.business_type_of(plan)
    for section_key in ("about_you", "startup"):
        assert template.section(section_key).title("it") in text
        assert template.section(section_key).title(LOCALE) not in text
    assert plain(in_locale("it", gettext, "The numbers")) in text
    assert plain(in_locale("it", money, total_startup_costs(plan))) in text  # "23.200,00 €"


def test_a_pdf_in_an_unknown_language_is_not_found(signed_in: FlaskClient, plan) -> None:
    assert signed_in.get(f"/plans/{plan.id}/plan.pdf?lang=de").status_code == 404
    assert signed_in.get(f"/plans/{plan.id}/plan.pdf?lang=../it").status_code == 404


def test_the_pdf_of_numbers_that_cannot_be_computed_says_so(signed_in: FlaskClient, simple_plan) -> None:
    simple_plan.assumptions = {**simple_assumptions(), "months": "tre anni"}
    db.session.commit()
    text = pdf_text(signed_in.get(f"/plans/{simple_plan.id}/plan.pdf?lang=en"))
    assert "Some numbers cannot be read yet, so the cash flow is not shown." in text


# --- printable page -----------------------------------------------------------------------------------------


def test_the_printable_page_draws_the_charts_as_inline_svg(signed_in: FlaskClient, simple_plan) -> None:
    response = signed_in.get(f"/plans/{simple_plan.id}/print")
    assert response.status_code == 200
    page = html_lib.unescape(response.get_data(as_text=True))
    assert '<svg class="chart chart-cash"' in page
    assert '<svg class="chart chart-revenue-costs"' in page
    bars = re.findall(r'<rect class="bar[^"]*"[^>]*><title>\d{4}-\d{2}: (.*?)</title>', page)
    assert bars == [in_locale(LOCALE, money, Decimal(500 * month)) for month in range(1, 13)]
    assert "<img" not in page


def test_the_printable_page_lists_where_the_money_comes_from(signed_in: FlaskClient, simple_plan) -> None:
    page = html_lib.unescape(signed_in.get(f"/plans/{simple_plan.id}/print").get_data(as_text=True))
    assert "Simple" in page
    assert "Four" in page
    assert in_locale(LOCALE, money, Decimal(1000)) in page


def test_the_assigned_mentor_can_download_but_other_trainees_cannot(
    client: FlaskClient, trainee, mentor, simple_plan
) -> None:
    urls = [
        f"/plans/{simple_plan.id}/print",
        f"/plans/{simple_plan.id}/projection.xlsx",
        f"/plans/{simple_plan.id}/assumptions.json",
    ]
    login_as(client, make_person("other@example.org", [Role.TRAINEE]))
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]  # as if there were no plan
    assign_mentor(trainee, mentor, None)
    db.session.commit()
    login_as(client, mentor)
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]


# --- numbers file -------------------------------------------------------------------------------------------


def upload(client: FlaskClient, content: bytes, name: str = "numbers.json"):
    return client.post(
        "/plans/import", data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data"
    )


def file_error(response) -> str:
    found = re.search(r'<p class="error" id="file-error">(.*?)</p>', response.get_data(as_text=True))
    assert found, "no message at the file field"
    return html_lib.unescape(found.group(1))


def test_the_numbers_file_holds_the_plans_assumptions(signed_in: FlaskClient, plan) -> None:
    response = signed_in.get(f"/plans/{plan.id}/assumptions.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="fatou-s-kitchen.json"'
    document = json.loads(response.data)
    assert document["format"] == exports.JSON_FORMAT
    assert document["business_type"] == "food"
    assert document["title"] == "Fatou's Kitchen"
    assert document["assumptions"] == plan.assumptions


def test_a_downloaded_numbers_file_imports_into_a_new_plan_with_the_same_numbers(
    signed_in: FlaskClient, trainee, plan
) -> None:
    plan.assumptions = {**plan.assumptions, "own_funds": "7000.5"}
    db.session.commit()
    raw = signed_in.get(f"/plans/{plan.id}/assumptions.json").data
    response = upload(signed_in, raw)
    assert response.status_code == 303
    new = next(p for p in plans_of(trainee) if p.id != plan.id)
    assert response.headers["Location"].endswith(f"/plans/{new.id}")
    assert new.assumptions == plan.assumptions
    assert parse_assumptions(new.assumptions) == parse_assumptions(plan.assumptions)
    assert (new.business_type, new.title) == ("food", "Fatou's Kitchen")
    assert new.answers == []
    created = audit_events("plan.created")[-1]
    assert (created.object_id, created.actor_id, created.after["imported"]) == (new.id, trainee.id, True)


def test_the_import_page_opens(signed_in: FlaskClient) -> None:
    response = signed_in.get("/plans/import")
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.get_data(as_text=True)


def numbers_file(**changes: object) -> bytes:
    document = {
        "format": exports.JSON_FORMAT,
        "version": exports.JSON_FORMAT_VERSION,
        "business_type": "food",
        "title": "Imported",
        "assumptions": simple_assumptions(),
    }
    document.update(changes)
    return json.dumps(document).encode()


def test_a_well_formed_numbers_file_imports(signed_in: FlaskClient, trainee) -> None:
    assert upload(signed_in, numbers_file()).status_code == 303
    assert [p.assumptions for p in plans_of(trainee)] == [simple_assumptions()]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not json", "This is not a Workbench numbers file (.json)."),
        (b"\xff\xfe\x00garbage", "This is not a Workbench numbers file (.json)."),
        (b'{"format": "other.app", "assumptions": {}}', "This is not a Workbench numbers file (.json)."),
        (b"[1, 2, 3]", "This is not a Workbench numbers file (.json)."),
        (b"[" * 100_000, "This is not a Workbench numbers file (.json)."),
        (
            numbers_file(business_type="spaceship"),
            "The file names a business type this programme does not offer.",
        ),
        (numbers_file(assumptions=[1, 2]), "The file has no numbers in it."),
        (
            numbers_file(title="Caf\u00e9\u0000"),
            "The file contains characters that are not text. Save it again from Workbench.",
        ),
        (
            numbers_file(assumptions={**simple_assumptions(), "fixed_costs": [{"name": "Rent\u0001"}]}),
            "The file contains characters that are not text. Save it again from Workbench.",
        ),
    ],
    ids=[
        "text",
        "binary",
        "other-format",
        "a-list",
        "deeply-nested",
        "unknown-type",
        "no-numbers",
        "nul-in-title",
        "control-in-a-name",
    ],
)
def test_a_wrong_file_is_refused_at_the_file_field(
    signed_in: FlaskClient, trainee, content: bytes, message: str
) -> None:
    response = upload(signed_in, content)
    assert response.status_code == 422
    assert file_error(response) == in_locale(LOCALE, gettext, message)
    assert plans_of(trainee) == []


@pytest.mark.parametrize("depth", [40, 600])
def test_numbers_nested_too_deep_are_refused(signed_in: FlaskClient, trainee, depth: int) -> None:
    nested = b"[" * depth + b"]" * depth  # under an extra key, which the numbers themselves would ignore
    raw = numbers_file(assumptions={**simple_assumptions(), "notes": 0}).replace(
        b'"notes": 0', b'"notes": ' + nested
    )
    response = upload(signed_in, raw)
    assert response.status_code == 422
    assert file_error(response) == in_locale(LOCALE, gettext, "This is not a Workbench numbers file (.json).")
    assert plans_of(trainee) == []


def test_numbers_with_errors_are_refused_naming_the_field(signed_in: FlaskClient, trainee) -> None:
    bad = {**simple_assumptions(), "months": 500}
    response = upload(signed_in, numbers_file(assumptions=bad))
    assert response.status_code == 422
    label = in_locale(trainee.locale, lambda: str(SINGLES["months"].label))
    assert plain(label) in plain(file_error(response))
    assert plans_of(trainee) == []


def test_a_file_over_the_size_limit_is_refused(signed_in: FlaskClient, trainee) -> None:
    padded = numbers_file(title="x" * exports.MAX_IMPORT_BYTES)
    assert len(padded) > exports.MAX_IMPORT_BYTES
    response = upload(signed_in, padded)
    assert response.status_code == 422
    assert file_error(response) == in_locale(
        LOCALE, gettext, "This file is too large to be a plan's numbers."
    )
    assert plans_of(trainee) == []


def test_importing_without_a_file_is_refused(signed_in: FlaskClient, trainee) -> None:
    response = signed_in.post("/plans/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert file_error(response)
    assert plans_of(trainee) == []


def test_only_trainees_import(client: FlaskClient, mentor) -> None:
    login_as(client, mentor)
    assert upload(client, numbers_file()).status_code == 403
    assert db.session.query(BusinessPlan).count() == 0
