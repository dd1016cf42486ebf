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
from openpyxl.utils import get_column_letter
from pypdf import PdfReader

from tests.factories import assumptions, make_plan
from tests.support import audit_events, login_as, make_person
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.finance import parse_assumptions
from workbench.plans import exports, services
from workbench.plans.catalogue import business_type_of
from workbench.plans.financials import ROW_LABELS, SINGLES
from workbench.plans.models import BusinessPlan
from workbench.plans.statement import cash_flow_statement
from workbench.programme.services import assign_mentor
from workbench.web.templating import amounts, money

LOCALE = "fr"  # the trainee fixture's language


@pytest.fixture
def plan(trainee) -> BusinessPlan:
    return make_plan(trainee, from_example=True)


@pytest.fixture
def simple_plan(trainee) -> BusinessPlan:
    return make_plan(trainee, assumptions(language="fr"), title="Simple")


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


class Evaluator:
    """Computes the formulas the spreadsheet holds, as a spreadsheet would: references (to this sheet or to
    another), ranges, +, -, SUM, MIN and MAX; the only functions the export writes."""

    _REFERENCE = re.compile(r"(?:'((?:[^']|'')+)'!)?\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?")

    def __init__(self, book) -> None:
        self.book = book
        self.cache: dict[tuple[str, str], object] = {}

    def value(self, sheet: str, coordinate: str):
        key = (sheet, coordinate)
        if key not in self.cache:
            raw = self.book[sheet][coordinate].value
            self.cache[key] = (
                self.formula(sheet, raw[1:]) if isinstance(raw, str) and raw.startswith("=") else raw
            )
        return self.cache[key]

    def formula(self, sheet: str, text: str) -> float:
        values: list = []

        def reference(match: re.Match) -> str:
            where = match.group(1).replace("''", "'") if match.group(1) else sheet
            if match.group(4):
                cells = self.book[where][f"{match.group(2)}{match.group(3)}:{match.group(4)}{match.group(5)}"]
                values.append([self.value(where, cell.coordinate) for row in cells for cell in row])
            else:
                values.append(self.value(where, f"{match.group(2)}{match.group(3)}"))
            return f"v[{len(values) - 1}]"

        expression = self._REFERENCE.sub(reference, text)
        assert re.fullmatch(r"[-+*(),.\d\s\[\]vSUMINAX]*", expression), text
        functions = {"SUM": sum, "MIN": lambda v: min(v), "MAX": max}
        return eval(expression, {"__builtins__": {}}, {"v": values, **functions})  # noqa: S307 - our formulas


def cash_flow_rows(book) -> dict[str, list]:
    """The cash-flow sheet computed, by row label: one value per month (the total column left out)."""
    sheet = book.worksheets[0]
    evaluator = Evaluator(book)
    months = sheet.max_column - 2
    return {
        sheet.cell(row=line, column=1).value: [
            evaluator.value(sheet.title, f"{get_column_letter(column)}{line}")
            for column in range(2, months + 2)
        ]
        for line in range(3, sheet.max_row + 1)
    }


def cents(values) -> list[Decimal]:
    return [Decimal(str(value)).quantize(Decimal("0.01")) for value in values]


def test_the_spreadsheet_has_the_title_and_one_dated_column_a_month(signed_in: FlaskClient, plan) -> None:
    book = download_xlsx(signed_in, plan)
    sheet = book.worksheets[0]
    result, _error = services.projection_of(plan.assumptions)
    assert sheet.title == in_locale(LOCALE, gettext, "Cash flow")[:31]
    assert sheet["A1"].value == "Fatou's Kitchen"
    header = [cell for cell in sheet[2]]
    assert header[0].value == in_locale(LOCALE, gettext, "Month")
    months = header[1:-1]
    assert [cell.value.strftime("%Y-%m") for cell in months] == list(result.months)  # dates, not text
    assert {cell.number_format for cell in months} == {exports.MONTH_FORMAT}
    assert header[-1].value == in_locale(LOCALE, gettext, "Total")
    assert len(header) == plan.assumptions["months"] + 2


def test_a_title_with_characters_a_spreadsheet_cannot_hold_still_exports(
    signed_in: FlaskClient, plan
) -> None:
    plan.title = "Fatou\x01's\x1b Kitchen"
    db.session.commit()
    assert download_xlsx(signed_in, plan).worksheets[0]["A1"].value == "Fatou's Kitchen"


def test_the_spreadsheet_computes_the_projections_figures(signed_in: FlaskClient, plan) -> None:
    """Computed as a spreadsheet computes its formulas, every row gives the finance core's figures."""
    rows = cash_flow_rows(download_xlsx(signed_in, plan))
    result, _error = services.projection_of(plan.assumptions)
    labels = {key: in_locale(LOCALE, str, label) for key, label in ROW_LABELS.items()}
    assert set(rows) == {labels[key] for key in result.table}
    for key, values in result.table.items():
        assert cents(rows[labels[key]]) == list(values), key


def test_the_spreadsheet_sums_and_running_cash_are_formulas(signed_in: FlaskClient, plan) -> None:
    book = download_xlsx(signed_in, plan)
    sheet = book.worksheets[0]
    line = {row[0].value: row[0].row for row in sheet.iter_rows(min_row=3)}
    labels = {key: in_locale(LOCALE, str, label) for key, label in ROW_LABELS.items()}
    net, opening, closing = (line[labels[key]] for key in ("net_cash_flow", "opening_cash", "closing_cash"))
    last = get_column_letter(sheet.max_column - 1)
    assert sheet[f"C{opening}"].value == f"=B{closing}"  # this month opens with last month's close
    assert sheet[f"C{closing}"].value == f"=C{opening}+C{net}"
    assert sheet[f"B{opening}"].value.startswith("='")  # the opening cash of the assumptions sheet
    formula = sheet[f"B{net}"].value
    for key in ("financing_in", "revenue", "variable_costs", "fixed_costs", "tax", "drawings", "investment"):
        assert f"B{line[labels[key]]}" in formula
    total = get_column_letter(sheet.max_column)
    assert (
        sheet[f"{total}{line[labels['revenue']]}"].value
        == f"=SUM(B{line[labels['revenue']]}:{last}{line[labels['revenue']]})"
    )
    assert sheet[f"{total}{closing}"].value == f"={last}{closing}"
    assert all(cell.number_format == exports.EURO for cell in sheet[closing][1:])


def test_the_spreadsheet_of_a_simple_plan_has_the_hand_worked_cash(
    signed_in: FlaskClient, simple_plan
) -> None:
    rows = cash_flow_rows(download_xlsx(signed_in, simple_plan))
    labels = {key: in_locale(LOCALE, str, label) for key, label in ROW_LABELS.items()}
    assert rows[labels["revenue"]] == [1000.0] * 12
    assert rows[labels["closing_cash"]] == [500.0 * month for month in range(1, 13)]


def test_the_cash_follows_the_assumptions_sheet(signed_in: FlaskClient, simple_plan) -> None:
    """The inputs are on their own sheet and the cash-flow formulas refer to them: more own money there
    means more cash every month."""
    book = download_xlsx(signed_in, simple_plan)
    inputs = book.worksheets[3]
    assert inputs.title == in_locale(LOCALE, gettext, "Assumptions")
    by_path = {row[2].value: row[1] for row in inputs.iter_rows(min_row=3) if row[2].value}
    assert by_path["own_funds"].value == 1000
    assert by_path["own_funds"].number_format == exports.EURO
    assert by_path["startup_costs[0].name"].value == "Four"
    assert by_path["revenue_streams[0].unit_price"].value == 10
    assert by_path["start_month"].value.strftime("%Y-%m") == "2027-01"
    assert by_path["tax_rate"].number_format == exports.PERCENT_FORMAT
    labels = {key: in_locale(LOCALE, str, label) for key, label in ROW_LABELS.items()}
    by_path["own_funds"].value = 3000
    by_path["fixed_costs[0].monthly"].value = 600
    rows = cash_flow_rows(book)
    assert rows[labels["closing_cash"]] == [2000.0 + 400.0 * month for month in range(1, 13)]


def test_the_yearly_sheet_sums_the_months(signed_in: FlaskClient, plan) -> None:
    book = download_xlsx(signed_in, plan)
    years = book.worksheets[1]
    assert years.title == in_locale(LOCALE, gettext, "Cash flow by year")
    result, _error = services.projection_of(plan.assumptions)
    (summary,) = cash_flow_statement(result).summary
    evaluator = Evaluator(book)
    labels = {key: in_locale(LOCALE, str, label) for key, label in ROW_LABELS.items()}
    for row in years.iter_rows(min_row=3):
        key = next(k for k, label in labels.items() if label == row[0].value)
        expected = next(line.values for line in summary.lines if line.key == key)
        computed = [evaluator.value(years.title, cell.coordinate) for cell in row[1:]]
        assert cents(computed) == list(expected), key
        assert all(str(cell.value).startswith("=") for cell in row[1:])


def test_the_spreadsheet_marks_months_below_zero(signed_in: FlaskClient, simple_plan) -> None:
    simple_plan.assumptions = assumptions(language="fr", fixed_costs=[{"name": "Loyer", "monthly": 1500}])
    db.session.commit()
    book = download_xlsx(signed_in, simple_plan)
    rows = cash_flow_rows(book)
    closing = in_locale(LOCALE, str, ROW_LABELS["closing_cash"])
    # 500 lost every month: every month ends below zero, and the sheet colours such months.
    assert rows[closing] == [-500.0 * month for month in range(1, 13)]
    sheet = book.worksheets[0]
    line = next(row[0].row for row in sheet.iter_rows(min_row=3) if row[0].value == closing)
    (rule_range,) = [str(r.sqref) for r in sheet.conditional_formatting]
    assert rule_range == f"B{line}:M{line}"
    (rule,) = sheet.conditional_formatting[rule_range]
    assert (rule.operator, rule.formula, rule.dxf.fill.fgColor.rgb[-6:]) == ("lessThan", ["0"], "FDE2E1")


def key_figures(book) -> dict[str, object]:
    sheet = book.worksheets[2]
    evaluator = Evaluator(book)
    return {
        row[0].value: evaluator.value(sheet.title, row[1].coordinate) for row in sheet.iter_rows(min_row=2)
    }


def test_the_key_figures_sheet_names_the_figures_in_the_page_language(
    signed_in: FlaskClient, simple_plan
) -> None:
    book = download_xlsx(signed_in, simple_plan)
    figures = key_figures(book)
    name = {
        m: in_locale(LOCALE, gettext, m) for m in ("Lowest cash", "Money missing", "Net present value (NPV)")
    }
    assert figures[name["Lowest cash"]] == 500.0
    assert figures[name["Money missing"]] == 0
    assert figures[in_locale(LOCALE, gettext, "Business covers its monthly costs from")] == 1
    assert figures[in_locale(LOCALE, gettext, "Repayment capacity (DSCR)")] == in_locale(
        LOCALE, gettext, "no loan"
    )
    assert not {"min_cash", "break_even_month", "irr", "npv"} & set(figures)
    sheet = book.worksheets[2]
    formats = {row[0].value: row[1].number_format for row in sheet.iter_rows(min_row=2)}
    assert (
        formats[in_locale(LOCALE, gettext, "Internal rate of return (IRR, per year)")]
        == exports.PERCENT_FORMAT
    )
    assert formats[name["Net present value (NPV)"]] == exports.EURO


def test_a_plan_short_of_cash_shows_the_money_missing(signed_in: FlaskClient, simple_plan) -> None:
    simple_plan.assumptions = assumptions(language="fr", fixed_costs=[{"name": "Loyer", "monthly": 1500}])
    db.session.commit()
    figures = key_figures(download_xlsx(signed_in, simple_plan))
    assert figures[in_locale(LOCALE, gettext, "Lowest cash")] == -6000.0
    assert figures[in_locale(LOCALE, gettext, "Money missing")] == 6000.0


@pytest.mark.parametrize(("language", "right_to_left"), [("it", False), ("ar", True)])
def test_the_spreadsheet_speaks_the_page_language(
    signed_in: FlaskClient, trainee, plan, language: str, right_to_left: bool
) -> None:
    trainee.locale = language
    db.session.commit()
    book = download_xlsx(signed_in, plan)
    assert [sheet.sheet_view.rightToLeft for sheet in book.worksheets] == [right_to_left] * 4
    assert book.worksheets[0].title == in_locale(language, gettext, "Cash flow")[:31]
    labels = [row[0].value for row in book.worksheets[0].iter_rows(min_row=3)]
    assert labels[-1] == in_locale(language, str, ROW_LABELS["closing_cash"])
    figures = key_figures(book)
    rate = services.projection_of(plan.assumptions)[0].metrics.irr
    assert figures[in_locale(language, gettext, "Internal rate of return (IRR, per year)")] == float(
        rate.annual
    )


def test_a_title_that_looks_like_a_formula_stays_text(signed_in: FlaskClient, simple_plan) -> None:
    simple_plan.title = '=HYPERLINK("http://evil.example","click")'
    simple_plan.assumptions = assumptions(language="fr", fixed_costs=[{"name": "=1+2", "monthly": 500}])
    db.session.commit()
    book = download_xlsx(signed_in, simple_plan)
    for sheet in book.worksheets:
        if sheet["A1"].value is not None and sheet["A1"].value.startswith("=HYPERLINK"):
            assert sheet["A1"].data_type == "s"
    cell = book.worksheets[0]["A1"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://evil.example","click")'
    names = [
        row[1] for row in book.worksheets[3].iter_rows(min_row=3) if row[2].value == "fixed_costs[0].name"
    ]
    assert [(n.value, n.data_type) for n in names] == [("=1+2", "s")]


def test_numbers_that_cannot_be_computed_give_a_message_not_a_spreadsheet(
    signed_in: FlaskClient, simple_plan
) -> None:
    simple_plan.assumptions = assumptions(language="fr", months="tre anni")
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
    template = business_type_of(plan)
    assert template.section("startup").title(LOCALE) in text


def test_the_pdf_in_italian_has_italian_headings_and_numbers(signed_in: FlaskClient, plan) -> None:
    response = signed_in.get(f"/plans/{plan.id}/plan.pdf?lang=it")
    assert response.headers["Content-Disposition"].endswith('-it.pdf"')
    text = pdf_text(response)
    template = business_type_of(plan)
    for section_key in ("about_you", "startup"):
        assert template.section(section_key).title("it") in text
        assert template.section(section_key).title(LOCALE) not in text
    assert plain(in_locale("it", gettext, "The numbers")) in text
    assert plain(in_locale("it", money, total_startup_costs(plan))) in text  # "23.200,00 €"


def text_runs(page) -> list[tuple[float, float, float]]:
    """Where the page draws text: (left edge, a low estimate of the right edge, baseline) in points of every
    text run. The right edge counts each glyph 0.45 em wide, less than any digit or letter of the fonts used,
    so a run that ends past the page's edge is found and none that ends inside it is blamed."""
    runs: list[tuple[float, float, float]] = []
    size = [0.0]

    def before(operator: bytes, operands: list, cm: list, tm: list) -> None:
        if operator == b"Tf":
            size[0] = float(operands[1])
        elif operator in (b"TJ", b"Tj"):
            parts = operands[0] if operator == b"TJ" else [operands[0]]
            glyphs = sum(len(bytes(part)) // 2 for part in parts if isinstance(part, bytes | str))
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append((x, x + glyphs * 0.45 * size[0] * abs(tm[0] * cm[0]), y))

    page.extract_text(visitor_operand_before=before)
    return runs


def shown(amount: str, text: str) -> bool:
    """Whether a formatted amount is in the PDF's text, its minus first in every language."""
    return plain(amount) in text


def pdf_pages(response) -> list:
    assert response.status_code == 200
    return PdfReader(io.BytesIO(response.data)).pages


@pytest.mark.parametrize("language", ["it", "ar"])
def test_the_pdf_draws_every_cash_flow_column_inside_its_page(
    signed_in: FlaskClient, plan, language: str
) -> None:
    """The month-by-month table used to run off the page's edge (on the right in Italian, on the left in
    Arabic): net cash flow and cash at month end were missing. Nothing is drawn outside the page now."""
    pages = pdf_pages(signed_in.get(f"/plans/{plan.id}/plan.pdf?lang={language}"))
    # The pages of the cash-flow table: the only ones with the net cash flow's label. (The charts' SVG text
    # is placed by its own matrices, which pypdf does not report reliably.)
    label = plain(in_locale(language, str, ROW_LABELS["net_cash_flow"]))
    table_pages = [(n, page) for n, page in enumerate(pages, start=1) if label in plain(page.extract_text())]
    assert len(table_pages) >= 2
    for number, page in table_pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        outside = [
            run for run in text_runs(page) if run[0] < 0 or run[1] > width or not 0 <= run[2] <= height
        ]
        assert not outside, f"page {number} draws text outside its {width:.0f} pt width: {outside[:3]}"
    assert any(float(page.mediabox.width) > float(page.mediabox.height) for page in pages)  # landscape


@pytest.mark.parametrize("language", ["it", "ar"])
def test_the_pdf_shows_every_row_of_each_block_of_months_on_one_page(
    signed_in: FlaskClient, plan, language: str
) -> None:
    result, _error = services.projection_of(plan.assumptions)
    texts = [
        plain(page.extract_text())
        for page in pdf_pages(signed_in.get(f"/plans/{plan.id}/plan.pdf?lang={language}"))
    ]
    labels = [plain(in_locale(language, str, ROW_LABELS[row])) for row in result.table]
    months = len(result.months)
    for first in range(1, months + 1, 12):
        last = min(first + 11, months)
        closing = in_locale(language, amounts, result.table["closing_cash"][first - 1 : last])
        # The block's page is the one with its twelve closing amounts (captions mix right-to-left words and
        # digits, which pypdf extracts out of order in Arabic).
        page = next((text for text in texts if all(shown(value, text) for value in closing)), None)
        assert page is not None, f"no block of months {first}-{last}"
        if language == "it":
            caption = in_locale(
                language,
                lambda first=first, last=last: gettext(
                    "Cash flow month by month: months %(first)d to %(last)d (EUR)", first=first, last=last
                ),
            )
            assert plain(caption) in page
        assert all(label in page for label in labels), f"months {first}-{last}: a row is on another page"
        net = in_locale(language, amounts, result.table["net_cash_flow"][first - 1 : last])
        assert all(shown(value, page) for value in net), first
    # The last month's cash at month end, and the summary's total column.
    whole = " ".join(texts)
    assert shown(in_locale(language, amounts, result.table["closing_cash"][-1:])[0], whole)
    total_sales = in_locale(language, amounts, [sum(result.table["revenue"])])[0]
    summary = next(text for text in texts if shown(total_sales, text))
    assert all(label in summary for label in labels)


@pytest.mark.parametrize("language", ["it", "ar"])
def test_the_pdf_writes_negative_amounts_with_the_minus_first(
    signed_in: FlaskClient, simple_plan, language: str
) -> None:
    """In a right-to-left cell a bare "-500.00" showed its minus after the digits ("500.00-"), unlike the
    chart axes; the amounts of the statement read left to right in Arabic too."""
    simple_plan.assumptions = assumptions(language="fr", fixed_costs=[{"name": "Loyer", "monthly": 1500}])
    db.session.commit()
    response = signed_in.get(f"/plans/{simple_plan.id}/plan.pdf?lang={language}")
    label = plain(in_locale(language, str, ROW_LABELS["closing_cash"]))
    runs: list[str] = []
    for page in pdf_pages(response):
        if label in plain(page.extract_text()):
            page.extract_text(visitor_text=lambda text, *_: runs.append(text))
    tokens = {token for run in runs for token in re.findall(r"-?[\d,.]+[.,]\d\d", run)}
    closing = in_locale(language, amounts, [Decimal(-500 * month) for month in range(1, 13)])
    assert all(value.startswith("-") and value in tokens for value in closing), (closing, sorted(tokens))
    assert not [run for run in runs if re.search(r"\d-\s*$", run)]


def test_the_pdf_of_a_one_month_plan_has_one_year_and_one_month(signed_in: FlaskClient, simple_plan) -> None:
    simple_plan.assumptions = assumptions(language="fr", months=1)
    db.session.commit()
    text = pdf_text(signed_in.get(f"/plans/{simple_plan.id}/plan.pdf?lang=en"))
    assert "Cash flow by year (EUR)" in text
    assert "Year 1" in text
    assert "Year 2" not in text
    assert "Cash flow month by month: months 1 to 1 (EUR)" in text
    assert "Month 1" in text
    assert "Month 2" not in text


def test_the_arabic_pdf_writes_the_chart_words_forwards(signed_in: FlaskClient, plan) -> None:
    """SVG text is drawn by WeasyPrint without shaping or bidi: the break-even label came out reversed and
    unjoined. Chart words are HTML now (the legend), written and extracted in reading order."""
    text = pdf_text(signed_in.get(f"/plans/{plan.id}/plan.pdf?lang=ar"))
    squeezed = text.replace(" ", "")
    for message in ("Break-even", "Closing cash", "Sales"):
        word = in_locale("ar", gettext, message)
        assert word[::-1].replace(" ", "") not in squeezed, message
    assert plain(in_locale("ar", gettext, "Closing cash")) in text


def test_a_pdf_in_an_unknown_language_is_not_found(signed_in: FlaskClient, plan) -> None:
    assert signed_in.get(f"/plans/{plan.id}/plan.pdf?lang=de").status_code == 404
    assert signed_in.get(f"/plans/{plan.id}/plan.pdf?lang=../it").status_code == 404


def test_the_pdf_of_numbers_that_cannot_be_computed_says_so(signed_in: FlaskClient, simple_plan) -> None:
    simple_plan.assumptions = assumptions(language="fr", months="tre anni")
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
    assert new.business_type == "food"
    assert new.title.startswith("Fatou's Kitchen (")  # the two plans are told apart in the list
    assert new.title != plan.title
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
        "assumptions": assumptions(language="fr"),
    }
    document.update(changes)
    return json.dumps(document).encode()


def test_a_well_formed_numbers_file_imports(signed_in: FlaskClient, trainee) -> None:
    assert upload(signed_in, numbers_file()).status_code == 303
    assert [p.assumptions for p in plans_of(trainee)] == [assumptions(language="fr")]


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
            numbers_file(assumptions=assumptions(language="fr", fixed_costs=[{"name": "Rent\u0001"}])),
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
    raw = numbers_file(assumptions=assumptions(language="fr", notes=0)).replace(
        b'"notes": 0', b'"notes": ' + nested
    )
    response = upload(signed_in, raw)
    assert response.status_code == 422
    assert file_error(response) == in_locale(LOCALE, gettext, "This is not a Workbench numbers file (.json).")
    assert plans_of(trainee) == []


def test_numbers_with_errors_are_refused_naming_the_field(signed_in: FlaskClient, trainee) -> None:
    bad = assumptions(language="fr", months=500)
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


@pytest.mark.signed_in("mentor")
def test_only_trainees_import(signed_in: FlaskClient) -> None:
    assert upload(signed_in, numbers_file()).status_code == 403
    assert db.session.query(BusinessPlan).count() == 0
