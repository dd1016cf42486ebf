"""The numbers pages' form: which lists and values each section edits, and the way between the assumptions
document and the fields the trainee types in. Everything about a field (its kind, default and range) comes
from the finance core's field registry (:mod:`workbench.finance.fields`); words are in :mod:`.financials`.

Field names are the registry's form names: ``<list>-<row>-<column>`` for table cells and ``<key>`` for single
values; seasonality is ``revenue_streams-<row>-seasonality-<month 0..11>``. Numbers are shown with the
locale's decimal sign and no grouping, and read back in either notation ("9,5" and "9.5"). Rates are shown as
percentages (7 for 0.07).

Nothing typed is dropped: a value that is not a number is stored as typed, and the finance core reports it at
its field. Rows left completely empty are not stored.

Every typed number goes through the finance core's reader of typed numbers
(:func:`workbench.finance.money.read_typed_number`: currency signs, grouping, the Arabic signs, at most 40
characters, exponent notation refused) and its field's range (the registry). A value that is too long or
above its range is refused before storing: the field keeps its saved value (for a table cell, the saved row at
the same place when the rows are the same; else the cell is left out, and the core reports it or uses its
default), and the page shows the typed text back with the range in the message (``ReadForm.refused``).
Nothing typed is lost on the page; nothing that would make the plan unreadable is stored. Row numbers in field
names have at most three digits (others are ignored).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from babel.numbers import get_decimal_symbol

from workbench.finance.assumptions import MAX_ROWS
from workbench.finance.errors import FieldError, NumberError
from workbench.finance.fields import (
    LISTS,
    METHOD,
    MONTHS_IN_YEAR,
    NUMBER,
    PERCENT,
    SEASONALITY,
    SINGLES,
    TEXT,
    WHOLE,
    YEAR_MONTH,
    Field,
    field_range,
    number_text,
    top_key,
)
from workbench.finance.money import MAX_NUMBER_TEXT, read_typed_number, to_decimal

_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Group:
    """What one section edits: lists and single values, in the order shown."""

    tables: tuple[str, ...]
    singles: tuple[str, ...]


GROUPS: dict[str, Group] = {
    "startup": Group(("startup_costs", "grants", "loans"), ("own_funds",)),
    "sales_costs": Group(("revenue_streams", "fixed_costs"), ("owner_drawings", "tax_rate")),
    "cashflow": Group((), ("start_month", "months", "opening_cash")),
}
#: The section whose page holds each single value and list of the document.
SECTION_OF: dict[str, str] = {
    key: section for section, group in GROUPS.items() for key in (*group.tables, *group.singles)
}


def is_numbers_section(section_key: str) -> bool:
    return section_key in GROUPS


def section_of_field(name: str) -> str | None:
    """The section whose page holds this field (a form name, a document path or a list key)."""
    return SECTION_OF.get(top_key(name))


def field_name(table: str, row: int, column: str) -> str:
    return f"{table}-{row}-{column}"


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


def show(value: Any, kind: str, decimal_symbol: str) -> str:
    """A stored value of a field of this kind as the form shows it."""
    if kind in {TEXT, METHOD, YEAR_MONTH}:
        return "" if value is None else str(value)
    return show_number(value, decimal_symbol, percent=kind == PERCENT)


@cache
def default_text(column: Field) -> str:
    """What a new row's cell shows: its default, or nothing when it must be typed."""
    if column.default is None or column.kind == TEXT:
        return ""
    return show(column.default, column.kind, ".")


@dataclass(frozen=True)
class Refusal:
    """A typed value refused before storing: the finance core's code and the params of its message."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


def read_value(kind: str, text: str, decimal_symbol: str, key: str = "") -> Any:
    """The stored form of a typed value: a canonical decimal string, or the text as typed if it is not one;
    a :class:`Refusal` when it is too long or above the range of field ``key``.

    A page posts the same few values again and again as the trainee types (1, 0, the prices): short texts
    are read once and remembered (the answer depends on nothing else; it is never changed by callers)."""
    if len(text) <= _REMEMBERED_TEXT:
        return _read_value_remembered(kind, text, decimal_symbol, key)
    return _read_value(kind, text, decimal_symbol, key)


#: Typed values up to this length are remembered by :func:`read_value` (a longer one is never a number).
_REMEMBERED_TEXT = MAX_NUMBER_TEXT


def _read_value(kind: str, text: str, decimal_symbol: str, key: str) -> Any:
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
    return number_text(number)


_read_value_remembered = lru_cache(maxsize=8192)(_read_value)


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
        form.values[key] = show(document.get(key), SINGLES[key].kind, decimal_symbol)
    for key in group.tables:
        table = LISTS[key]
        entries = document.get(key)
        entries = entries[:MAX_FORM_ROWS] if isinstance(entries, list) else []
        form.rows[key] = list(range(len(entries)))
        for row, entry in enumerate(entries):
            entry = entry if isinstance(entry, Mapping) else {}
            for column in table.columns:
                value = entry.get(column.key, default_text(column))
                form.values[field_name(key, row, column.key)] = show(value, column.kind, decimal_symbol)
            if table.seasonality:
                factors = entry.get("seasonality")
                factors = factors if isinstance(factors, list) else [1] * MONTHS_IN_YEAR
                for month in range(MONTHS_IN_YEAR):
                    value = factors[month] if month < len(factors) else ""
                    form.values[f"{field_name(key, row, 'seasonality')}-{month}"] = show(
                        value, NUMBER, decimal_symbol
                    )
    return form


@dataclass
class ReadForm:
    """A posted numbers form: the document part it sets, what was typed, and which form row each stored row
    came from (``origin[table][stored index] = form row``), so errors land on the field that caused them.
    ``refused`` holds the fields whose typed value was refused before storing (form name -> FieldError)."""

    form: NumbersForm
    part: dict[str, Any]
    origin: dict[str, list[int]]
    refused: dict[str, FieldError] = field(default_factory=dict)


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
        typed = str(data.get(key) or "")
        form.values[key] = typed
        value = read_value(SINGLES[key].kind, typed, decimal_symbol, key)
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
        table = LISTS[key]
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
                name = field_name(key, row, column.key)
                typed = str(data.get(name) or "")
                form.values[name] = typed
                value = read_value(column.kind, typed, decimal_symbol, column.key)
                if isinstance(value, Refusal):
                    refused[name] = value
                    row_refused.append((column.key, None, name))
                else:
                    entry[column.key] = value
                stripped = typed.strip()
                typed_any = typed_any or (stripped != "" and stripped != default_text(column))
            if table.seasonality:
                factors: list[Any] = []
                season = field_name(key, row, "seasonality")
                for month in range(MONTHS_IN_YEAR):
                    name = f"{season}-{month}"
                    typed = str(data.get(name) or "")
                    form.values[name] = typed
                    value = read_value(NUMBER, typed, decimal_symbol, SEASONALITY.key)
                    if isinstance(value, Refusal):  # the message goes to the row's seasonality line
                        refused.setdefault(season, value)
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
                form.values[field_name(key, new_row, column.key)] = default_text(column)
            if table.seasonality:
                for month in range(MONTHS_IN_YEAR):
                    form.values[f"{field_name(key, new_row, 'seasonality')}-{month}"] = "1"
        part[key] = entries
    issues = {name: FieldError.of(name, r.code, **r.params) for name, r in refused.items()}
    return ReadForm(form, part, origin, issues)


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
