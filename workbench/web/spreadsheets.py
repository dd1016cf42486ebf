"""Tables a funder, an accountant or the national microcredit agency opens: CSV and XLSX from the same rows.

A :class:`Sheet` is a title, a header in the reader's language, the rows and a format per column ("text",
"int", "money", "percent", "date"). CSV: ";" separated, dates ISO, amounts with a dot, UTF-8 with a BOM so
spreadsheets read the accents. XLSX: real dates and numbers in euro and percent formats, the header bold and
frozen, columns wide enough for their header, right to left in Arabic (openpyxl, write-only for large
tables). Text that a spreadsheet would run as a formula is written as text in both.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import get_locale
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMATS = {
    "text": "@",
    "int": "0",
    "money": "#,##0.00 [$€-x-euro2]",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
}
#: The spreadsheet's own limit on a sheet title.
MAX_TITLE = 31


@dataclass
class Sheet:
    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]
    #: One of FORMATS per column ("text" when missing).
    formats: Sequence[str] = field(default_factory=tuple)

    def format_of(self, column: int) -> str:
        return self.formats[column] if column < len(self.formats) else "text"


def safe_text(value: str) -> str:
    """Text that a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in {"=", "+", "-", "@", "\t", "\r"} else value


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return safe_text(value)
    return value


def to_csv(sheet: Sheet) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(label) for label in sheet.header])
    for row in sheet.rows:
        writer.writerow([_csv_value(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    book = Workbook(write_only=True)
    right_to_left = str(get_locale() or "") == "ar"
    for spec in sheets:
        sheet = book.create_sheet(title=str(spec.title)[:MAX_TITLE])
        sheet.sheet_view.rightToLeft = right_to_left
        sheet.freeze_panes = "A2"
        for column, label in enumerate(spec.header):
            sheet.column_dimensions[_letter(column)].width = max(12, min(60, len(str(label)) + 4))
        header = []
        for label in spec.header:
            cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(label)))
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in spec.rows:
            cells = []
            for column, value in enumerate(row):
                kind = spec.format_of(column)
                if isinstance(value, str):
                    value = ILLEGAL_CHARACTERS_RE.sub("", safe_text(value) if kind == "text" else value)
                elif isinstance(value, Decimal) and kind in {"money", "percent"}:
                    value = float(value) if kind == "percent" else value
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = FORMATS[kind]
                cells.append(cell)
            sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column + 1)


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
