"""The numbers pages of the wizard: which tables each section edits, and the way between the assumptions
document (the finance core's schema) and the form fields the trainee types in.

Field names are ``<table>-<row>-<column>`` for table cells and ``<key>`` for single values; seasonality is
``revenue_streams-<row>-seasonality-<month 0..11>``. Numbers are shown with the locale's decimal sign and no
grouping, and read back in either notation ("9,5" and "9.5"). Rates are shown as percentages (7 for 0.07).

Nothing typed is dropped: a value that is not a number is stored as typed, and the finance core reports it at
its field (:func:`field_errors`). Rows left completely empty are not stored.

Every typed number goes through the finance core's bounded reader (:func:`workbench.finance.money.to_decimal`:
at most 40 characters, no huge exponent) and its field's range (:data:`workbench.finance.assumptions.
FIELD_RANGES`). A value that is too long or above its range is refused before storing: the field keeps its
saved value (for a table cell, the saved row at the same place when the rows are the same; else the cell is
left out, and the core reports it or uses its default), and the page shows the typed text back with the
range in the message (``ReadForm.refused``). Nothing typed is lost on the page; nothing that would make the
plan unreadable is stored. Row numbers in field names have at most three digits (others are ignored).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel.numbers import get_decimal_symbol
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workbench.finance import AssumptionsError
from workbench.finance.assumptions import MAX_ROWS, field_range
from workbench.finance.errors import FieldError, NumberError
from workbench.finance.money import read_typed_number, to_decimal

TEXT, MONEY, NUMBER, PERCENT, WHOLE, YEAR_MONTH, METHOD = (
    "text",
    "money",
    "number",
    "percent",
    "whole",
    "year_month",
    "method",
)
MONTHS_IN_YEAR = 12
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a lazy translated string
    kind: str
    default: str = ""
    help: Any = ""


@dataclass(frozen=True)
class Table:
    key: str
    title: Any
    help: Any
    columns: tuple[Column, ...]
    add_label: Any
    seasonality: bool = False

    def field(self, row: int, column: str) -> str:
        return f"{self.key}-{row}-{column}"


@dataclass(frozen=True)
class Single:
    key: str
    label: Any
    kind: str
    help: Any = ""


_NAME = Column("name", _l("What"), TEXT)
_MONTH = Column(
    "month", _l("Month"), WHOLE, "1", _l("Month of the plan it is paid or received: 1 is the first.")
)

TABLES: dict[str, Table] = {
    "startup_costs": Table(
        "startup_costs",
        _l("What you need to start"),
        _l("Equipment, works, first stock, deposits, fees: everything you pay before or when you open."),
        (_NAME, Column("amount", _l("Amount (EUR)"), MONEY), _MONTH),
        _l("Add a cost"),
    ),
    "grants": Table(
        "grants",
        _l("Grants"),
        _l("Money you do not pay back, for example the programme's individual grant (dote)."),
        (_NAME, Column("amount", _l("Amount (EUR)"), MONEY), _MONTH),
        _l("Add a grant"),
    ),
    "loans": Table(
        "loans",
        _l("Loans"),
        _l(
            "The microcredit you ask for: amount, yearly interest, months to repay "
            "and months paying interest only."
        ),
        (
            _NAME,
            Column("principal", _l("Amount (EUR)"), MONEY),
            Column("annual_rate", _l("Interest per year (%)"), PERCENT),
            Column("term_months", _l("Months to repay"), WHOLE),
            Column("grace_months", _l("Months of interest only"), WHOLE, "0"),
            Column("method", _l("Installments"), METHOD, "annuity"),
            _MONTH,
        ),
        _l("Add a loan"),
    ),
    "revenue_streams": Table(
        "revenue_streams",
        _l("What you sell"),
        _l(
            "One row for each product or service: how many you sell in a normal month, "
            "the price, and what one costs you to make or buy."
        ),
        (
            _NAME,
            Column("units_per_month", _l("How many a month"), NUMBER),
            Column("unit_price", _l("Price (EUR)"), MONEY),
            Column("unit_cost", _l("Cost of one (EUR)"), MONEY, "0"),
            Column("monthly_growth", _l("Growth a month (%)"), PERCENT, "0"),
            Column("start_month", _l("From month"), WHOLE, "1"),
        ),
        _l("Add a product or service"),
        seasonality=True,
    ),
    "fixed_costs": Table(
        "fixed_costs",
        _l("Monthly costs"),
        _l(
            "What you pay every month whatever you sell: rent, electricity, accountant, "
            "INPS, insurance, phone."
        ),
        (
            _NAME,
            Column("monthly", _l("Per month (EUR)"), MONEY),
            Column("start_month", _l("From month"), WHOLE, "1"),
        ),
        _l("Add a monthly cost"),
    ),
}

SINGLES: dict[str, Single] = {
    "own_funds": Single(
        "own_funds",
        _l("Your own money (EUR)"),
        MONEY,
        _l("Savings you put into the business in the first month."),
    ),
    "owner_drawings": Single(
        "owner_drawings",
        _l("What you take home each month (EUR)"),
        MONEY,
        _l("What you and your family need to live on, taken from the business."),
    ),
    "tax_rate": Single(
        "tax_rate",
        _l("Tax rate (%)"),
        PERCENT,
        _l(
            "Regime forfettario: the tax is 5%, then 15% after five years, and it is counted on a share of "
            "sales, not on profit. Ask your mentor which rate to enter."
        ),
    ),
    "start_month": Single(
        "start_month",
        _l("First month of the plan"),
        YEAR_MONTH,
        _l("The month you open, as YYYY-MM, for example 2027-03."),
    ),
    "months": Single("months", _l("Months to plan"), WHOLE, _l("Usually 36: three years.")),
    "opening_cash": Single(
        "opening_cash",
        _l("Cash in the business before month 1 (EUR)"),
        MONEY,
        _l("Usually 0: put your savings under “Your own money”."),
    ),
}


@dataclass(frozen=True)
class Group:
    """What one section edits: tables and single values, in the order shown."""

    tables: tuple[str, ...]
    singles: tuple[str, ...]


GROUPS: dict[str, Group] = {
    "startup": Group(("startup_costs", "grants", "loans"), ("own_funds",)),
    "sales_costs": Group(("revenue_streams", "fixed_costs"), ("owner_drawings", "tax_rate")),
    "cashflow": Group((), ("start_month", "months", "opening_cash")),
}

METHOD_LABELS = {
    "annuity": _l("Equal installments"),
    "equal_principal": _l("Equal capital, decreasing installments"),
}


def is_numbers_section(section_key: str) -> bool:
    return section_key in GROUPS


# --- numbers as typed ---------------------------------------------------------------------------------------


def parse_number(text: str, decimal_symbol: str) -> Decimal | None:
    """Read "1250,50", "1.250,50", "1,250.50", "9.5" or "9,5"; None when it is not a number (or is refused by
    the bounded reader: see :func:`read_number`)."""
    try:
        return read_number(text, decimal_symbol)
    except NumberError:
        return None


def read_number(text: str, decimal_symbol: str) -> Decimal:
    """A typed number in the person's notation (:func:`workbench.finance.money.read_typed_number`: currency
    signs, grouping spaces, the Arabic signs), through the finance core's bounded reader; NumberError (with
    its code: "not_a_number", "exponent", "too_long", "too_large") when it is refused."""
    return read_typed_number(text, decimal_symbol)


def show_number(value: Any, decimal_symbol: str, *, percent: bool = False) -> str:
    """A stored value as the form shows it; text that is not a number is shown unchanged."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    try:
        number = to_decimal(value)
    except ValueError:
        return raw_text(value)
    if percent:
        number *= _HUNDRED
    text = format(number.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", decimal_symbol)


#: How much of a stored value that is not a number the form shows back (old rows may hold anything).
MAX_SHOWN_TEXT = 200


def raw_text(value: Any) -> str:
    """A stored value that is not a readable number, as text the form can show and the trainee can correct;
    bounded whatever it is (a 5,000-digit integer cannot even be written by str())."""
    if isinstance(value, str):
        return value[:MAX_SHOWN_TEXT]
    if isinstance(value, int) and value.bit_length() > 64:
        return ""
    return str(value)[:MAX_SHOWN_TEXT]


@dataclass(frozen=True)
class Refusal:
    """A typed value refused before storing: the finance core's code and the params of its message."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


def _read_value(kind: str, text: str, decimal_symbol: str, key: str = "") -> Any:
    """The stored form of a typed value: a canonical decimal string, or the text as typed if it is not one;
    a :class:`Refusal` when it is too long or above the range of field ``key``."""
    text = text.strip()
    if kind in {TEXT, METHOD, YEAR_MONTH} or not text:
        return text
    # A percentage may be typed with its sign, on either side and in the Arabic form: "7 %", "%7", "7٪".
    typed = text.strip("%٪ \u00a0\u202f") if kind == PERCENT else text
    try:
        number = read_number(typed, decimal_symbol)
    except NumberError as error:
        if error.code == "not_a_number":
            return text
        return _refusal(kind, key, error.code)
    bounds = field_range(key)
    if kind == PERCENT:
        number /= _HUNDRED
    elif bounds is not None and abs(number) > bounds[1]:
        return _refusal(kind, key, "too_large")
    if kind == WHOLE and number == number.to_integral_value():
        return int(number)
    return str(number.normalize()) if "E" not in str(number.normalize()) else format(number, "f")


def _refusal(kind: str, key: str, code: str) -> Refusal:
    if code in {"too_long", "exponent"}:
        return Refusal(code)
    if kind == PERCENT:
        return Refusal("growth_out_of_range" if key == "monthly_growth" else "rate_out_of_range")
    bounds = field_range(key)
    return Refusal("too_large", {"max": bounds[1] if bounds else None})


# --- the form -----------------------------------------------------------------------------------------------


@dataclass
class NumbersForm:
    """The values a numbers page shows: ``values[field name]`` as text, ``rows[table]`` the row numbers."""

    section_key: str
    values: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[int]] = field(default_factory=dict)

    @property
    def group(self) -> Group:
        return GROUPS[self.section_key]

    def next_row(self, table: str) -> int:
        return max(self.rows.get(table) or [-1]) + 1


def form_from_document(document: Mapping[str, Any], section_key: str, locale: str) -> NumbersForm:
    decimal_symbol = get_decimal_symbol(locale)
    form = NumbersForm(section_key)
    group = GROUPS[section_key]
    for key in group.singles:
        single = SINGLES[key]
        form.values[key] = _show(document.get(key), single.kind, decimal_symbol)
    for key in group.tables:
        table = TABLES[key]
        entries = document.get(key)
        entries = entries[:MAX_FORM_ROWS] if isinstance(entries, list) else []
        form.rows[key] = list(range(len(entries)))
        for row, entry in enumerate(entries):
            entry = entry if isinstance(entry, Mapping) else {}
            for column in table.columns:
                value = entry.get(column.key, column.default)
                form.values[table.field(row, column.key)] = _show(value, column.kind, decimal_symbol)
            if table.seasonality:
                factors = entry.get("seasonality")
                factors = factors if isinstance(factors, list) else [1] * MONTHS_IN_YEAR
                for month in range(MONTHS_IN_YEAR):
                    value = factors[month] if month < len(factors) else ""
                    form.values[f"{table.field(row, 'seasonality')}-{month}"] = _show(
                        value, NUMBER, decimal_symbol
                    )
    return form


def _show(value: Any, kind: str, decimal_symbol: str) -> str:
    if kind in {TEXT, METHOD, YEAR_MONTH}:
        return "" if value is None else str(value)
    return show_number(value, decimal_symbol, percent=kind == PERCENT)


@dataclass
class ReadForm:
    """A posted numbers form: the document part it sets, what was typed, and which form row each stored row
    came from (``origin[table][stored index] = form row``), so errors land on the field that caused them.
    ``refused`` holds the fields whose typed value was refused before storing, with their message."""

    form: NumbersForm
    part: dict[str, Any]
    origin: dict[str, list[int]]
    refused: dict[str, str] = field(default_factory=dict)


#: A table row in a field name: at most three digits, so a 5,000-digit "row" is never turned into an int.
_ROW = re.compile(r"^([a-z_]+)-(\d{1,3})-")
#: The most rows of one table a posted page may carry (the finance core keeps at most MAX_ROWS of them).
MAX_FORM_ROWS = 2 * MAX_ROWS


def read_form(
    data: Mapping[str, str], section_key: str, locale: str, saved: Mapping[str, Any] | None = None
) -> ReadForm:
    """Read a posted numbers page.

    ``remove`` = "<table>-<row>" drops a row; ``add`` = "<table>" adds an empty one to the form (it is stored
    once something is typed in it). ``saved`` is the stored document: a refused value keeps its saved one."""
    decimal_symbol = get_decimal_symbol(locale)
    saved = saved if isinstance(saved, Mapping) else {}
    group = GROUPS[section_key]
    form = NumbersForm(section_key)
    part: dict[str, Any] = {}
    origin: dict[str, list[int]] = {}
    refused: dict[str, Refusal] = {}
    removed = str(data.get("remove") or "")
    for key in group.singles:
        single = SINGLES[key]
        typed = str(data.get(key) or "")
        form.values[key] = typed
        value = _read_value(single.kind, typed, decimal_symbol, key)
        if isinstance(value, Refusal):
            refused[key] = value
            if key in saved:
                part[key] = saved[key]
            continue
        part[key] = value
    found_rows: dict[str, set[int]] = {key: set() for key in group.tables}
    for name in data:
        match = _ROW.match(name)
        if match and match.group(1) in found_rows:
            found_rows[match.group(1)].add(int(match.group(2)))
    for key in group.tables:
        table = TABLES[key]
        row_numbers = sorted(found_rows[key])[:MAX_FORM_ROWS]
        form.rows[key] = []
        entries: list[dict[str, Any]] = []
        origin[key] = []
        cells: list[tuple[int, str, int | None, str]] = []  # (entry index, column, month, field) refused
        for row in row_numbers:
            if removed == f"{key}-{row}":
                continue
            entry: dict[str, Any] = {}
            typed_any = False
            row_refused: list[tuple[str, int | None, str]] = []
            for column in table.columns:
                name = table.field(row, column.key)
                typed = str(data.get(name) or "")
                form.values[name] = typed
                value = _read_value(column.kind, typed, decimal_symbol, column.key)
                if isinstance(value, Refusal):
                    refused[name] = value
                    row_refused.append((column.key, None, name))
                else:
                    entry[column.key] = value
                typed_any = typed_any or (typed.strip() != "" and typed.strip() != column.default)
            if table.seasonality:
                factors: list[Any] = []
                for month in range(MONTHS_IN_YEAR):
                    name = f"{table.field(row, 'seasonality')}-{month}"
                    typed = str(data.get(name) or "")
                    form.values[name] = typed
                    value = _read_value(NUMBER, typed, decimal_symbol, "seasonality")
                    if isinstance(value, Refusal):  # the message goes to the row's seasonality line
                        refused.setdefault(table.field(row, "seasonality"), value)
                        row_refused.append(("seasonality", month, name))
                        value = 1
                    factors.append(value)
                entry["seasonality"] = factors
            form.rows[key].append(row)
            if typed_any or row_refused:
                cells.extend((len(entries), column, month, name) for column, month, name in row_refused)
                entries.append(entry)
                origin[key].append(row)
        _keep_saved(entries, saved.get(key), cells)
        if data.get("add") == key and len(form.rows[key]) < MAX_FORM_ROWS:
            new_row = form.next_row(key)
            form.rows[key].append(new_row)
            for column in table.columns:
                form.values[table.field(new_row, column.key)] = column.default
            if table.seasonality:
                for month in range(MONTHS_IN_YEAR):
                    form.values[f"{table.field(new_row, 'seasonality')}-{month}"] = "1"
        part[key] = entries
    messages = {name: message_for(FieldError.of(name, r.code, **r.params)) for name, r in refused.items()}
    return ReadForm(form, part, origin, messages)


def _keep_saved(
    entries: list[dict[str, Any]], saved: Any, cells: list[tuple[int, str, int | None, str]]
) -> None:
    """Put the saved value back in each refused cell, when the saved rows are the rows of this form."""
    same_rows = isinstance(saved, list) and len(saved) == len(entries)
    for index, column, month, _name in cells:
        old = saved[index] if same_rows else None
        old_value = old.get(column) if isinstance(old, Mapping) else None
        if month is None:
            if old_value is not None:
                entries[index][column] = old_value
        elif isinstance(old_value, list) and len(old_value) == MONTHS_IN_YEAR:
            entries[index]["seasonality"][month] = old_value[month]


def merged(document: Mapping[str, Any], part: Mapping[str, Any]) -> dict[str, Any]:
    """The whole assumptions document with one page's part replacing what it edits."""
    return {**document, **part}


def as_posted(document: Mapping[str, Any], section_key: str, locale: str) -> dict[str, Any]:
    """The saved numbers as this page would post them back, so that 1000 saved and "1000" typed, or a default
    left out and the same default shown in the form, compare equal."""
    form = form_from_document(document, section_key, locale)
    return merged(document, read_form(form.values, section_key, locale, document).part)


# --- errors at their fields ---------------------------------------------------------------------------------

_PATH = re.compile(r"^(?P<table>[a-z_]+)\[(?P<row>\d+)\]\.(?P<column>[a-z_]+)$")

ERROR_MESSAGES = {
    "required": _l("Fill this in."),
    "not_a_number": _l("Enter a number, for example 1250 or 9.50."),
    "not_a_whole_number": _l("Enter a whole number, for example 3."),
    "not_text": _l("Enter some text."),
    "not_a_list": _l("This list could not be read: add the rows again."),
    "not_an_object": _l("This row could not be read: remove it and add it again."),
    "negative": _l("Must not be below zero."),
    "not_positive": _l("Must be more than zero."),
    "out_of_range": _l("Must be from %(min)s to %(max)s."),
    "rate_out_of_range": _l("Enter a percentage from 0 to below 100, for example 7 or 7.5."),
    "growth_out_of_range": _l("Enter a percentage between -100 and 100, for example 1 for 1% a month."),
    "seasonality_length": _l("Give one value for each month of the year."),
    "seasonality_negative": _l("Season values must not be below zero: 1 is a normal month, 1.2 is 20% more."),
    "grace_not_below_term": _l("The months of interest only must be fewer than the months to repay."),
    "unknown_method": _l("Choose how the installments are calculated."),
    "after_horizon": _l("Must not be after the last month of the plan (%(months)s)."),
    "bad_year_month": _l("Write the month as YYYY-MM, for example 2027-03."),
    "too_long": _l("This is too long to be a number: write it in at most 40 characters."),
    "exponent": _l('Write the number in full, without an "e": for example 1000, not 1e3.'),
    "too_large": _l("Must be at most %(max)s."),
    "too_many_rows": _l("This list has too many rows: keep at most %(max)s."),
    "projection_too_large": _l(
        "With this the amounts grow too large to count (more than ten thousand billion a month): "
        "lower the growth or the quantities."
    ),
}

#: Shown on every page of a plan whose stored numbers the finance core refuses: the pages still open, the
#: results wait until the numbers marked in red are corrected.
NUMBERS_NOTICE = _l(
    "Some numbers of this plan cannot be used, so the results are not shown. "
    "Correct the numbers marked in red in the numbers pages."
)


def message_for(issue: FieldError) -> str:
    """The translated message of a finance core error; numbers in it are written in the person's notation."""
    template = ERROR_MESSAGES.get(issue.code)
    if template is None:
        return issue.message
    if not issue.params:
        return str(template)
    return str(template) % {key: _param(value) for key, value in issue.params.items()}


def _param(value: Any) -> Any:
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return format_decimal(value)
    return value


def field_of(path: str, origin: Mapping[str, list[int]] | None = None) -> str:
    """The form field name for a finance core path: ``loans[0].term_months`` -> ``loans-0-term_months``."""
    found = _PATH.match(path)
    if not found:
        seasonality = re.match(r"^revenue_streams\[(\d+)\]\.seasonality$", path)
        if seasonality:
            row = _form_row("revenue_streams", int(seasonality.group(1)), origin)
            return f"revenue_streams-{row}-seasonality"
        return path
    table, row, column = found.group("table"), int(found.group("row")), found.group("column")
    return f"{table}-{_form_row(table, row, origin)}-{column}"


def _form_row(table: str, row: int, origin: Mapping[str, list[int]] | None) -> int:
    rows = (origin or {}).get(table)
    return rows[row] if rows and row < len(rows) else row


def section_of_field(name: str) -> str | None:
    """The section whose page has this field."""
    key = name.split("-", 1)[0]
    for section_key, group in GROUPS.items():
        if key in group.tables or key in group.singles:
            return section_key
    return None


def field_errors(
    error: AssumptionsError | None, origin: Mapping[str, list[int]] | None = None
) -> dict[str, str]:
    """Translated messages by form field name (first message wins)."""
    errors: dict[str, str] = {}
    for issue in error.issues if error else ():
        errors.setdefault(field_of(issue.path, origin), message_for(issue))
    return errors


# --- stored values as a person reads them (conflicts, version comparison, import errors) --------------------


def describe_path(path: str, document: Mapping[str, Any]) -> str:
    """A stored field in words: ``fixed_costs[0].monthly`` -> "Monthly costs 1 (Rent): Amount a month"."""
    if path in SINGLES:
        return str(SINGLES[path].label)
    found = _PATH.match(path)
    table = TABLES.get(found.group("table")) if found else None
    if found is None or table is None:
        return path
    column_key, row = found.group("column"), int(found.group("row"))
    column = next((c for c in table.columns if c.key == column_key), None)
    if column is not None:
        what = str(column.label)
    elif column_key == "seasonality" and table.seasonality:
        what = _("Busy and quiet months")
    else:
        what = column_key
    entries = document.get(table.key)
    entry = entries[row] if isinstance(entries, list) and row < len(entries) else None
    name = entry.get("name") if isinstance(entry, Mapping) else None
    if name:
        return _(
            "%(table)s %(row)d (%(name)s): %(column)s", table=table.title, row=row + 1, name=name, column=what
        )
    return _("%(table)s %(row)d: %(column)s", table=table.title, row=row + 1, column=what)


def show_value(path: str, value: Any, locale: str) -> str:
    """A stored value as the numbers pages write it in this locale."""
    decimal_symbol = get_decimal_symbol(locale)
    if isinstance(value, list):
        return " · ".join(show_number(item, decimal_symbol) for item in value)
    kind = _kind_of(path)
    if kind == METHOD:
        label = METHOD_LABELS.get(str(value))
        return str(label) if label is not None else str(value)
    return _show(value, kind, decimal_symbol)


def _kind_of(path: str) -> str:
    if path in SINGLES:
        return SINGLES[path].kind
    found = _PATH.match(path)
    table = TABLES.get(found.group("table")) if found else None
    column = next((c for c in table.columns if c.key == found.group("column")), None) if table else None
    return column.kind if column else NUMBER


#: The projection's rows as a trainee reads them (spreadsheet export, printed plan).
ROW_LABELS = {
    "revenue": _l("Sales"),
    "variable_costs": _l("Cost of what you sell"),
    "gross_profit": _l("Gross margin"),
    "fixed_costs": _l("Monthly costs"),
    "operating_profit": _l("Operating profit"),
    "interest": _l("Loan interest"),
    "principal": _l("Loan repayment (capital)"),
    "tax": _l("Tax"),
    "drawings": _l("Taken home"),
    "investment": _l("Start-up spending"),
    "financing_in": _l("Money in to start"),
    "net_cash_flow": _l("Cash in minus cash out"),
    "opening_cash": _l("Cash at month start"),
    "closing_cash": _l("Cash at month end"),
}
