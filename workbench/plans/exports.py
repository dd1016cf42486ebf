"""A plan leaves the app as a PDF (WeasyPrint), a spreadsheet of its projection (openpyxl) or its
assumptions as JSON, which can be imported back into a new plan."""

from __future__ import annotations

import io
import json
import logging
import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from workbench.errors import DomainError
from workbench.finance import Assumptions, AssumptionsError, ProjectionResult, fields, project
from workbench.finance.money import MAX_NUMBER_TEXT
from workbench.plans import financials
from workbench.plans.catalogue import UnknownBusinessType, get_business_type
from workbench.plans.models import BusinessPlan
from workbench.plans.statement import years
from workbench.web.dates import month_names

#: Marks a file as Workbench assumptions, so a wrong file is refused with a clear message.
JSON_FORMAT = "workbench.assumptions"
JSON_FORMAT_VERSION = 1
#: The largest assumptions file accepted on import.
MAX_IMPORT_BYTES = 512 * 1024
#: How deep lists and objects may nest in an imported file (a plan's numbers need 4 levels); deeper ones would
#: exhaust Python's recursion when the plan is copied and compared.
MAX_IMPORT_NESTING = 16
#: Control characters no person types (tab and line breaks are text): a file carrying them is refused.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def assumptions_json(plan: BusinessPlan) -> bytes:
    document = {
        "format": JSON_FORMAT,
        "version": JSON_FORMAT_VERSION,
        "business_type": plan.business_type,
        "title": plan.title,
        "assumptions": plan.assumptions,
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def read_assumptions_json(raw: bytes) -> dict[str, Any]:
    """Check an uploaded file; DomainError at the file field says what is wrong in plain words."""
    if len(raw) > MAX_IMPORT_BYTES:
        raise DomainError({"file": _("This file is too large to be a plan's numbers.")})
    try:
        document = json.loads(
            raw.decode("utf-8"),
            parse_int=_bounded_int,
            parse_float=_bounded_float,
            parse_constant=_refused_constant,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as error:  # too deep: RecursionError
        raise DomainError({"file": _("This is not a Workbench numbers file (.json).")}) from error
    if (
        not isinstance(document, dict)
        or document.get("format") != JSON_FORMAT
        or _nesting(document) > MAX_IMPORT_NESTING
    ):
        raise DomainError({"file": _("This is not a Workbench numbers file (.json).")})
    if _has_control_characters(document):
        raise DomainError(
            {"file": _("The file contains characters that are not text. Save it again from Workbench.")}
        )
    try:
        get_business_type(str(document.get("business_type")))
    except UnknownBusinessType as error:
        raise DomainError(
            {"file": _("The file names a business type this programme does not offer.")}
        ) from error
    assumptions = document.get("assumptions")
    if not isinstance(assumptions, dict):
        raise DomainError({"file": _("The file has no numbers in it.")})
    try:
        project(assumptions)  # the fields, and a projection that stays countable
    except AssumptionsError as error:
        first = error.issues[0]
        raise DomainError(
            {
                "file": _(
                    "The numbers in the file are not valid (%(field)s: %(problem)s).",
                    field=financials.describe_path(first.path, assumptions),
                    problem=financials.message_for(first),
                )
            }
        ) from error
    return document


def _bounded_int(text: str) -> int | str:
    """A JSON integer: beyond the bounded reader's length it stays text, so the finance core refuses it at its
    field ("too long") instead of Python spending time on (or refusing) a 5,000-digit int."""
    return int(text) if len(text) <= MAX_NUMBER_TEXT else text


def _bounded_float(text: str) -> float | str:
    """A JSON number with a fraction or exponent; beyond float range (1e1000000) it stays text, so the finance
    core says which field is too large."""
    value = float(text) if len(text) <= MAX_NUMBER_TEXT else math.inf
    return value if math.isfinite(value) else text


def _refused_constant(text: str) -> str:
    """NaN, Infinity and -Infinity are not JSON numbers: kept as text, the finance core refuses them at their
    field ("Enter a number")."""
    return text


# --- spreadsheet --------------------------------------------------------------------------------------------

#: Number formats; the spreadsheet application writes grouping and decimal signs in its own locale.
EURO = '#,##0.00 "€";[Red]-#,##0.00 "€"'
PERCENT_FORMAT = "0.00%"
MONTH_FORMAT = "mmm yyyy"
WHOLE_FORMAT = "0"
NUMBER_FORMAT = "#,##0.####"
_FORMATS = {
    fields.MONEY: EURO,
    fields.PERCENT: PERCENT_FORMAT,
    fields.WHOLE: WHOLE_FORMAT,
    fields.NUMBER: NUMBER_FORMAT,
    fields.YEAR_MONTH: MONTH_FORMAT,
}
_BOLD = Font(bold=True)
_HEADING = Font(bold=True, size=14)
_QUIET = Font(color="667085", size=9)
_NEGATIVE = PatternFill("solid", fgColor="FDE2E1")
_SHEET_NAME_UNSAFE = re.compile(r"[\\/*?:\[\]]")
#: Rows the cash-flow sheet computes from the rows above it, so that the sums can be checked in the sheet.
_DERIVED = {
    "gross_profit": (("revenue", 1), ("variable_costs", -1)),
    "operating_profit": (("gross_profit", 1), ("fixed_costs", -1)),
    "net_cash_flow": (
        ("financing_in", 1),
        ("revenue", 1),
        ("variable_costs", -1),
        ("fixed_costs", -1),
        ("interest", -1),
        ("principal", -1),
        ("tax", -1),
        ("drawings", -1),
        ("investment", -1),
    ),
}


@dataclass(frozen=True, slots=True)
class AssumptionRow:
    """One input of the plan on the assumptions sheet: ``path`` in the assumptions document
    (``loans[0].principal``), its label in the page's language, its kind (financials' MONEY, PERCENT...), its
    value as the finance core read it, and the heading of its group ("Loans 1: Microcredito")."""

    path: str
    label: str
    kind: str
    value: Any
    group: str = ""


def assumption_rows(assumptions: Assumptions) -> list[AssumptionRow]:
    """Every input of the plan, from the field registry, with the labels of the numbers pages, in the
    document's order: the single values under "General", then each row of each list under its own heading."""
    rows: list[AssumptionRow] = []
    general = _("General")
    for key, single in fields.SINGLES.items():
        label = str(financials.LABELS[single.label])
        rows.append(AssumptionRow(key, label, single.kind, getattr(assumptions, key), general))
    for key, table in fields.LISTS.items():
        title = financials.LABELS[table.label]
        for index, item in enumerate(getattr(assumptions, key)):
            group = f"{title} {index + 1}" + (f": {item.name}" if item.name else "")
            for column in table.columns:
                value = getattr(item, column.key)
                if column.kind == fields.METHOD:
                    value = str(financials.METHOD_LABELS.get(value, value))
                label = str(financials.LABELS[column.label])
                rows.append(AssumptionRow(f"{key}[{index}].{column.key}", label, column.kind, value, group))
            if table.seasonality:
                busy = financials.LABELS[fields.SEASONALITY.label]
                for month, (name, factor) in enumerate(zip(month_names(), item.seasonality, strict=True)):
                    rows.append(
                        AssumptionRow(
                            f"{key}[{index}].seasonality[{month}]",
                            f"{busy}: {name}",
                            fields.SEASONALITY.kind,
                            factor,
                            group,
                        )
                    )
    return rows


def _sheet_name(text: str) -> str:
    return _SHEET_NAME_UNSAFE.sub(" ", text)[:31]


def _ref(sheet: Worksheet, row: int, column: int) -> str:
    """An absolute reference to a cell of another sheet: 'Assumptions'!$B$7."""
    name = sheet.title.replace("'", "''")
    return f"'{name}'!${get_column_letter(column)}${row}"


def _typed(kind: str, value: Any) -> Any:
    """A value as the spreadsheet holds it: numbers as numbers, "YYYY-MM" months as dates."""
    if kind == fields.YEAR_MONTH:
        year, month = (int(part) for part in str(value).split("-"))
        return date(year, month, 1)
    if isinstance(value, Decimal):
        return int(value) if kind == fields.WHOLE else float(value)
    return value


def _text(cell, value: str) -> None:
    """Text the person typed: kept as text, never read as a formula; characters a spreadsheet cannot hold are
    left out."""
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.data_type = "s"


def assumptions_sheet(sheet: Worksheet, title: str, rows: list[AssumptionRow]) -> dict[str, str]:
    """Write the inputs, one a line under their group's heading (label, value, path in the document), and
    return the reference of each value cell by path, for the formulas of the other sheets."""
    _text(sheet["A1"], title)
    sheet["A1"].font = _HEADING
    sheet.append([_("What"), _("Value"), _("Field")])
    for cell in sheet[2]:
        cell.font = _BOLD
    references: dict[str, str] = {}
    group, line = None, 2
    for row in rows:
        if row.group != group:  # a blank line, then the group's heading
            group, line = row.group, line + 2
            _text(sheet.cell(row=line, column=1), group)
            sheet.cell(row=line, column=1).font = _BOLD
        line += 1
        _text(sheet.cell(row=line, column=1), row.label)
        value = sheet.cell(row=line, column=2)
        if row.kind in (fields.TEXT, fields.METHOD) or row.value is None:
            _text(value, str(row.value or ""))
        else:
            value.value = _typed(row.kind, row.value)
            value.number_format = _FORMATS.get(row.kind, "General")
        sheet.cell(row=line, column=3, value=row.path).font = _QUIET
        references[row.path] = _ref(sheet, line, 2)
    sheet.column_dimensions["A"].width = 44
    sheet.column_dimensions["B"].width = 18
    sheet.column_dimensions["C"].width = 30
    return references


def _inputs_formula(refs: list[str]) -> str | None:
    return "=" + "+".join(refs) if refs else None


def _input_formulas(result: ProjectionResult, references: dict[str, str]) -> dict[str, list[str | None]]:
    """The rows that are plain sums of inputs, month by month, as formulas over the assumptions sheet (None
    where nothing falls in a month): start-up spending, money in, drawings, and the monthly costs when no
    amount has fractions of a cent (the core rounds their total to cents)."""
    a = result.assumptions
    count = len(result.months)
    months = range(1, count + 1)
    rows: dict[str, list[str | None]] = {}
    rows["investment"] = [
        _inputs_formula(
            [references[f"startup_costs[{i}].amount"] for i, c in enumerate(a.startup_costs) if c.month == m]
        )
        for m in months
    ]
    rows["financing_in"] = [
        _inputs_formula(
            ([references["own_funds"]] if m == 1 and a.own_funds else [])
            + [references[f"grants[{i}].amount"] for i, g in enumerate(a.grants) if g.month == m]
            + [references[f"loans[{i}].principal"] for i, loan in enumerate(a.loans) if loan.month == m]
        )
        for m in months
    ]
    rows["drawings"] = [f"={references['owner_drawings']}" for _m in months]
    if all(cost.monthly == cost.monthly.quantize(Decimal("0.01")) for cost in a.fixed_costs):
        rows["fixed_costs"] = [
            _inputs_formula(
                [
                    references[f"fixed_costs[{i}].monthly"]
                    for i, c in enumerate(a.fixed_costs)
                    if c.start_month <= m
                ]
            )
            for m in months
        ]
    return rows


def projection_xlsx(plan: BusinessPlan, result: ProjectionResult, row_labels: dict[str, str]) -> bytes:
    """The plan as a loan officer audits it, in the page's language (right to left in Arabic):

    - "Cash flow": one column per month (real dates) and a total; the rows that follow from others are
      formulas (margins, net cash flow, cash at month start and end), the inputs' rows refer to the
      assumptions sheet, and the core's figures (sales, loan installments, tax) are numbers.
    - "Cash flow by year": sums of the months per plan year and in total, as formulas.
    - "Key figures": break-even, lowest cash and the money missing (formulas), DSCR, NPV, IRR.
    - "Assumptions": every input (:func:`assumptions_sheet`).
    """
    book = Workbook()
    book.calculation.fullCalcOnLoad = True  # no cached values: the application computes on opening
    right_to_left = get_locale().character_order == "right-to-left"
    sheet = book.active
    sheet.title = _sheet_name(_("Cash flow"))
    years_sheet = book.create_sheet(_sheet_name(_("Cash flow by year")))
    figures = book.create_sheet(_sheet_name(_("Key figures")))
    inputs = book.create_sheet(_sheet_name(_("Assumptions")))
    for each in book.worksheets:
        each.sheet_view.rightToLeft = right_to_left
    references = assumptions_sheet(inputs, plan.title, assumption_rows(result.assumptions))

    count = len(result.months)
    first, last, total = 2, count + 1, count + 2
    _text(sheet["A1"], plan.title)
    sheet["A1"].font = _HEADING
    header = [_("Month"), *(_typed(fields.YEAR_MONTH, month) for month in result.months), _("Total")]
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = _BOLD
        if isinstance(cell.value, date):
            cell.number_format = MONTH_FORMAT
    line_of = {row: index for index, row in enumerate(result.table, start=3)}
    formulas = _input_formulas(result, references)
    for row, values in result.table.items():
        line = line_of[row]
        sheet.cell(row=line, column=1, value=row_labels.get(row, row))
        for month, value in enumerate(values, start=1):
            column = month + 1
            cell = sheet.cell(row=line, column=column)
            letter = get_column_letter(column)
            if row in _DERIVED:
                cell.value = "=" + "".join(
                    f"{'+' if sign > 0 else '-'}{letter}{line_of[part]}" for part, sign in _DERIVED[row]
                ).lstrip("+")
            elif row == "opening_cash":
                previous = get_column_letter(column - 1)
                cell.value = (
                    f"={references['opening_cash']}"
                    if month == 1
                    else f"={previous}{line_of['closing_cash']}"
                )
            elif row == "closing_cash":
                cell.value = f"={letter}{line_of['opening_cash']}+{letter}{line_of['net_cash_flow']}"
            elif row in formulas:
                cell.value = formulas[row][month - 1] or 0
            else:
                cell.value = float(value)
            cell.number_format = EURO
        total_cell = sheet.cell(row=line, column=total)
        total_cell.value = _period_total(
            row, f"{get_column_letter(first)}{line}", f"{get_column_letter(last)}{line}"
        )
        total_cell.number_format = EURO
        total_cell.font = _BOLD
        if row in {"net_cash_flow", "closing_cash", "operating_profit"}:
            sheet.cell(row=line, column=1).font = _BOLD
    closing = line_of["closing_cash"]
    closing_range = f"{get_column_letter(first)}{closing}:{get_column_letter(last)}{closing}"
    sheet.conditional_formatting.add(
        closing_range, CellIsRule(operator="lessThan", formula=["0"], fill=_NEGATIVE)
    )
    sheet.column_dimensions["A"].width = 34
    for column in range(first, total + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 13
    sheet.freeze_panes = "B3"

    _years_sheet(years_sheet, plan, result, row_labels, line_of, sheet)
    _figures_sheet(figures, result, sheet, line_of)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _years_sheet(
    years_sheet: Worksheet,
    plan: BusinessPlan,
    result: ProjectionResult,
    row_labels: dict[str, str],
    line_of: dict[str, int],
    months_sheet: Worksheet,
) -> None:
    periods = years(len(result.months))
    names = month_names()

    def month(label: str) -> str:
        return f"{names[int(label[5:]) - 1]} {label[:4]}"

    _text(years_sheet["A1"], plan.title)
    years_sheet["A1"].font = _HEADING
    years_sheet.append(
        [
            _("Plan year"),
            *(
                _("Year %(n)d", n=p.year)
                + f" ({month(result.months[p.first - 1])} – {month(result.months[p.last - 1])})"
                for p in periods
            ),
            _("Total"),
        ]
    )
    for cell in years_sheet[2]:
        cell.font = _BOLD
    name = months_sheet.title.replace("'", "''")
    total = len(periods) + 2
    for row in result.table:
        line = line_of[row]
        years_sheet.cell(row=line, column=1, value=row_labels.get(row, row))
        for column, period in enumerate(periods, start=2):
            start, end = get_column_letter(period.first + 1), get_column_letter(period.last + 1)
            cell = years_sheet.cell(row=line, column=column)
            cell.value = _period_total(row, f"'{name}'!{start}{line}", f"'{name}'!{end}{line}")
            cell.number_format = EURO
        cell = years_sheet.cell(row=line, column=total)
        cell.value = _period_total(row, f"B{line}", f"{get_column_letter(total - 1)}{line}")
        cell.number_format = EURO
        cell.font = _BOLD
    years_sheet.column_dimensions["A"].width = 34
    for column in range(2, total + 1):
        years_sheet.column_dimensions[get_column_letter(column)].width = 30 if column < total else 16
    years_sheet.freeze_panes = "B3"


def _figures_sheet(
    figures: Worksheet, result: ProjectionResult, months_sheet: Worksheet, line_of: dict[str, int]
) -> None:
    """The key figures, named in the page's language; lowest cash and the money missing are formulas over
    the cash-flow sheet."""
    name = months_sheet.title.replace("'", "''")
    closing = line_of["closing_cash"]
    last = get_column_letter(len(result.months) + 1)
    not_reached = _("not within the plan")
    figures.append([_("Key figures"), _("Value"), _("Month")])
    for cell in figures[1]:
        cell.font = _BOLD

    def add(label: str, value: Any, number_format: str = "General", month: int | None = None) -> int:
        figures.append([label, value])
        line = figures.max_row
        figures.cell(row=line, column=2).number_format = number_format
        if month is not None:
            when = figures.cell(row=line, column=3, value=_typed(fields.YEAR_MONTH, result.months[month - 1]))
            when.number_format = MONTH_FORMAT
        return line

    break_even = result.metrics.break_even_month
    add(
        _("Business covers its monthly costs from"),
        break_even if break_even is not None else not_reached,
        WHOLE_FORMAT,
        break_even,
    )
    lowest = add(
        _("Lowest cash"), f"=MIN('{name}'!B{closing}:{last}{closing})", EURO, result.metrics.min_cash_month
    )
    add(_("Month of the lowest cash"), result.metrics.min_cash_month, WHOLE_FORMAT)
    add(_("Money missing"), f"=MAX(0,-B{lowest})", EURO)
    dscr = result.metrics.dscr
    add(_("Repayment capacity (DSCR)"), float(dscr) if dscr is not None else _("no loan"), "0.00")
    add(_("Net present value (NPV)"), float(result.metrics.npv), EURO)
    add(
        _("Discount rate for the net present value (%)"),
        float(result.metrics.discount_rate),
        PERCENT_FORMAT,
    )
    rate = result.metrics.irr
    add(
        _("Internal rate of return (IRR, per year)"),
        float(rate.annual) if rate.exists else _irr_message(rate.reason),
        PERCENT_FORMAT,
    )
    payback = result.metrics.payback_month
    add(_("Payback month"), payback if payback is not None else not_reached, WHOLE_FORMAT, payback)
    figures.column_dimensions["A"].width = 44
    figures.column_dimensions["B"].width = 18
    figures.column_dimensions["C"].width = 12


def _irr_message(reason: str) -> str:
    if reason == "multiple_roots":
        return _("There is no single internal rate of return: several rates make the cash flows worth zero.")
    return _("There is no internal rate of return: the business's cash flows never turn into a return.")


def plan_pdf(html: str, base_url: str, static_folder: str) -> bytes:
    """The printable plan page as a PDF. Stylesheets and images are read from the static folder; nothing is
    fetched from the network. WeasyPrint is imported here because it is slow to load."""
    from weasyprint import HTML, default_url_fetcher

    for noisy in ("fontTools", "weasyprint"):  # font subsetting logs every table it touches
        logging.getLogger(noisy).setLevel(logging.WARNING)
    static_root = Path(static_folder).resolve()
    static_url = base_url.rstrip("/") + "/static/"

    def fetch_static(url: str) -> dict[str, Any]:
        if url.startswith(static_url):
            path = (static_root / url[len(static_url) :].split("?")[0]).resolve()
            if path.is_relative_to(static_root) and path.is_file():
                return default_url_fetcher(path.as_uri())
        raise ValueError(f"not a static file of this app: {url}")

    return HTML(string=html, base_url=base_url, url_fetcher=fetch_static).write_pdf()


def render_in(language: str, render, *args, **kwargs):
    """Render a page in another language (the Italian copy for Italian institutions)."""
    with force_locale(language):
        return render(*args, **kwargs)


def _has_control_characters(value: Any) -> bool:
    """Whether any key or text in the (already depth-checked) document holds a control character."""
    level = [value]
    while level:
        found: list[Any] = []
        for item in level:
            if isinstance(item, str):
                if _CONTROL_CHARACTERS.search(item):
                    return True
            elif isinstance(item, dict):
                found.extend(item.keys())
                found.extend(item.values())
            elif isinstance(item, list):
                found.extend(item)
        level = found
    return False


def _nesting(value: Any) -> int:
    """How many levels of lists and objects hold values in ``value``, counted one level at a time."""
    depth, level = 0, [value]
    while depth <= MAX_IMPORT_NESTING:
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            break
        depth += 1
    return depth


def _period_total(row: str, first: str, last: str) -> str:
    """The formula of a row over a period from cell ``first`` to cell ``last``: cash at its start is the first
    month's, cash at its end the last month's, every other row the sum."""
    if row == "opening_cash":
        return f"={first}"
    if row == "closing_cash":
        return f"={last}"
    if first.startswith("'"):  # another sheet: SUM('Sheet'!B3:M3)
        sheet, _bang, start = first.rpartition("!")
        return f"=SUM({sheet}!{start}:{last.rpartition('!')[2]})"
    return f"=SUM({first}:{last})"
