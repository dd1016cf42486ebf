"""A plan leaves the app as a PDF (WeasyPrint), a spreadsheet of its projection (openpyxl) or its
assumptions as JSON, which can be imported back into a new plan."""

from __future__ import annotations

import io
import json
import logging
import math
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.finance import AssumptionsError, ProjectionResult, project
from workbench.finance.money import MAX_NUMBER_TEXT
from workbench.plans import financials
from workbench.plans.catalogue import UnknownBusinessType, get_business_type
from workbench.plans.models import BusinessPlan

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


def projection_xlsx(plan: BusinessPlan, result: ProjectionResult, row_labels: dict[str, str]) -> bytes:
    """One sheet with the monthly cash-flow table (numbers as numbers), one with the key figures."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Cash flow")[:31]
    bold = Font(bold=True)
    # Stored text may hold characters a spreadsheet cannot (typed before they were refused): leave them out.
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", plan.title)])
    sheet["A1"].data_type = "s"  # a title such as "=HYPERLINK(...)" is text, never a formula
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Month"), *result.months])
    for cell in sheet[2]:
        cell.font = bold
    negative = PatternFill("solid", fgColor="FDE2E1")
    for row, values in result.table.items():
        sheet.append([row_labels.get(row, row), *(float(v) for v in values)])
        line = sheet.max_row
        for column, value in enumerate(values, start=2):
            cell = sheet.cell(row=line, column=column)
            cell.number_format = "#,##0.00"
            if row == "closing_cash" and value < 0:
                cell.fill = negative
        if row in {"net_cash_flow", "closing_cash", "operating_profit"}:
            sheet.cell(row=line, column=1).font = bold
    sheet.column_dimensions["A"].width = 34
    for column in range(2, len(result.months) + 2):
        sheet.column_dimensions[get_column_letter(column)].width = 12
    sheet.freeze_panes = "B3"

    figures = book.create_sheet(_("Key figures")[:31])
    for name, value in result.metrics.as_dict().items():
        figures.append([name, _cell_value(value)])
    figures.column_dimensions["A"].width = 24
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


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


def import_plan(owner: User, document: dict[str, Any]) -> BusinessPlan:
    """A new plan with the numbers of a checked file (see read_assumptions_json)."""
    from workbench.plans.services import create_plan

    return create_plan(
        owner=owner,
        business_type=document["business_type"],
        title=str(document.get("title") or "")[:160],
        assumptions=document["assumptions"],
    )


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


def _cell_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, int | float | str):
        return value
    annual = getattr(value, "annual", None)
    return float(annual) if annual is not None else getattr(value, "status", str(value))
