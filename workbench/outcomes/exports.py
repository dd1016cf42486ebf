"""The funnel as it leaves the app: CSV and XLSX, with small groups hidden.

A file travels (to a funder, a partner, a report) where the people counted may be recognised: in a cohort of
twelve, "2 women from Eritrea were financed" names them. So every count from 1 to 4 is written "<5", and a
share is left out when either of its two counts is so hidden (the share would give the count back from the
other). Counts of 0 and of 5 or more are written as they are. The page, for managers only, shows the real
counts and states this rule.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from workbench.outcomes.funnel import Funnel
from workbench.web.spreadsheets import safe_text

#: Groups smaller than this are not shown in an export.
SMALL_GROUP = 5
#: How a hidden count is written.
HIDDEN_COUNT = "<5"
PERCENT_FORMAT = "0.0%"


def is_small(people: int) -> bool:
    """A group too small to be shown outside the app: 1 to 4 people (nobody is no one to recognise)."""
    return 0 < people < SMALL_GROUP


@dataclass(frozen=True)
class PublishedStep:
    """One step as an export writes it: the count, or None when it is hidden; each share, or None when it is
    hidden (``*_hidden``) or there is none (nobody at the step it is a share of)."""

    label: str
    people: int | None
    from_previous: Decimal | None
    from_start: Decimal | None
    previous_hidden: bool
    start_hidden: bool

    @property
    def people_hidden(self) -> bool:
        return self.people is None


def published(funnel: Funnel) -> list[PublishedStep]:
    """The funnel's steps with the small groups hidden (see the module)."""
    steps = funnel.steps
    start = steps[0].people
    rows = []
    for index, step in enumerate(steps):
        small = is_small(step.people)
        previous_hidden = index > 0 and (small or is_small(steps[index - 1].people))
        start_hidden = small or is_small(start)
        rows.append(
            PublishedStep(
                label=str(step.step.label),
                people=None if small else step.people,
                from_previous=None if previous_hidden else step.from_previous,
                from_start=None if start_hidden else step.from_start,
                previous_hidden=previous_hidden,
                start_hidden=start_hidden,
            )
        )
    return rows


def rule_text() -> str:
    return _(
        'Counts from 1 to 4 are written "<5", and the shares that would give them away are left out, to '
        "protect people in small groups."
    )


def _header() -> list[str]:
    return [_("Step"), _("People"), _("Of the step before"), _("Of those involved")]


def _hidden_share() -> str:
    return _("hidden")


def _share_text(value: Decimal | None, hidden: bool) -> str:
    if hidden:
        return _hidden_share()
    return "" if value is None else f"{value * 100:.1f}%"


def funnel_csv(funnel: Funnel, described: list[tuple[str, str]]) -> bytes:
    """The funnel for a spreadsheet: what was counted (one "what;value" line each), a blank line, then one
    line per step. ";" separated, shares as "28.7%", UTF-8 with a BOM so spreadsheets read the accents."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for what, value in described:
        writer.writerow([safe_text(what), safe_text(value)])
    writer.writerow([safe_text(rule_text())])
    writer.writerow([])
    writer.writerow(_header())
    for row in published(funnel):
        writer.writerow(
            [
                safe_text(row.label),
                HIDDEN_COUNT if row.people_hidden else row.people,
                _share_text(row.from_previous, row.previous_hidden),
                _share_text(row.from_start, row.start_hidden),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def funnel_xlsx(funnel: Funnel, described: list[tuple[str, str]], title: str) -> bytes:
    """The funnel as a spreadsheet: the heading, what was counted, the rule, then the steps with real numbers
    and percentages (hidden ones as text)."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Funnel")[:31]
    _text(sheet.cell(row=1, column=1), title)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    line = 2
    for what, value in described:
        _text(sheet.cell(row=line, column=1), what)
        _text(sheet.cell(row=line, column=2), value)
        line += 1
    _text(sheet.cell(row=line, column=1), rule_text())
    sheet.cell(row=line, column=1).font = Font(italic=True)
    line += 2
    for column, heading in enumerate(_header(), start=1):
        _text(sheet.cell(row=line, column=column), heading)
        sheet.cell(row=line, column=column).font = Font(bold=True)
    for row in published(funnel):
        line += 1
        _text(sheet.cell(row=line, column=1), row.label)
        people = sheet.cell(row=line, column=2)
        if row.people_hidden:
            _text(people, HIDDEN_COUNT)
        else:
            people.value = row.people
            people.number_format = "#,##0"
        for column, (value, hidden) in (
            (3, (row.from_previous, row.previous_hidden)),
            (4, (row.from_start, row.start_hidden)),
        ):
            cell = sheet.cell(row=line, column=column)
            if hidden:
                _text(cell, _hidden_share())
            elif value is not None:
                cell.value = float(value)
                cell.number_format = PERCENT_FORMAT
    sheet.column_dimensions["A"].width = 34
    for letter in "BCD":
        sheet.column_dimensions[letter].width = 18
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(cell, value: str) -> None:
    """Text kept as text, never read as a formula; characters a spreadsheet cannot hold are left out."""
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.data_type = "s"


def file_name(extension: str, as_of: date, cohort_id: int | None) -> str:
    scope = f"cohort-{cohort_id}" if cohort_id is not None else "all"
    return f"funnel-{scope}-{as_of.isoformat()}.{extension}"
