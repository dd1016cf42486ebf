"""The field registry of the assumptions document: every field's path, kind, range, default and label key.

One place says what the document holds; :mod:`.assumptions` reads it, and the web layer derives from it the
form's input names and DOM ids, where errors are shown, how a changed value is described, the checklist and
warning links and the spreadsheet's columns. A label is a KEY (``"loans.principal"``): the presentation layer
maps keys to translated words, in one place.

Paths: a single value is its key (``"own_funds"``); a column of a list is ``"loans[].principal"`` in the
registry and ``"loans[2].principal"`` in a document. Form names are ``"own_funds"`` and
``"loans-2-principal"`` (seasonality months: ``"revenue_streams-0-seasonality-11"``); the DOM id of a
field is ``"f-" + form name``, of a whole list ``"f-loans"``.

:func:`canonical` is the document as the finance core reads it (numbers as exact decimal text or whole
numbers, rates as fractions, text stripped, every default filled in), so that 1000 saved and "1000" typed, or
a default left out and the same default written, compare equal: "nothing changed" is a plain ``==``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .errors import NumberError
from .money import ZERO, to_decimal

MONEY, NUMBER, PERCENT, WHOLE, TEXT, METHOD, YEAR_MONTH = (
    "money",
    "number",
    "percent",
    "whole",
    "text",
    "method",
    "year_month",
)
#: Kinds whose value is a number (a percent is stored as a fraction: 0.07 for 7 %).
NUMERIC_KINDS = frozenset({MONEY, NUMBER, PERCENT, WHOLE})

MAX_MONTHS = 120
MAX_TERM_MONTHS = 360
#: The largest amount of money any single field may hold (EUR).
MAX_AMOUNT = Decimal(10_000_000)
MAX_UNITS = Decimal(1_000_000)
MAX_UNIT_PRICE = Decimal(1_000_000)
MAX_SEASONALITY = Decimal(10)
#: A stress scenario multiplies sales or costs by at most this.
MAX_FACTOR = Decimal(100)
MONTHS_IN_YEAR = 12
METHODS = ("annuity", "equal_principal")
DEFAULT_DISCOUNT_RATE = Decimal("0.10")
ONE = Decimal(1)
#: The default of a field that has none: it must be given.
REQUIRED: Any = None

_AMOUNT = (ZERO, MAX_AMOUNT)
_MONTH = (ONE, Decimal(MAX_MONTHS))
_RATE = (ZERO, ONE)


@dataclass(frozen=True, slots=True)
class Field:
    """One value of the document. ``list_key`` is the list it is a column of ("" for a single value);
    ``default`` is REQUIRED (None) when it must be given; ``range`` is the closed range of a number (rates
    are further bound by their own rules: [0, 1) and, for growth, (-1, 1))."""

    key: str
    kind: str
    label: str
    default: Any = REQUIRED
    range: tuple[Decimal, Decimal] | None = None
    list_key: str = ""

    @property
    def path(self) -> str:
        return f"{self.list_key}[].{self.key}" if self.list_key else self.key

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True, slots=True)
class ListField:
    """A list of the document (startup costs, loans...): its columns in the order the form shows them;
    ``seasonality`` says its rows also hold twelve month factors (column "seasonality")."""

    key: str
    label: str
    columns: tuple[Field, ...]
    seasonality: bool = False

    def column(self, key: str) -> Field | None:
        return next((column for column in self.columns if column.key == key), None)


def _single(key: str, kind: str, default: Any = REQUIRED, range_: tuple | None = None) -> Field:
    return Field(key, kind, key, default, range_)


def _list(key: str, columns: tuple[tuple, ...], *, seasonality: bool = False) -> ListField:
    fields = tuple(
        Field(name, kind, f"{key}.{name}", default, range_, key) for name, kind, default, range_ in columns
    )
    return ListField(key, key, fields, seasonality)


_NAME = ("name", TEXT, "", None)
_WHEN = ("month", WHOLE, 1, _MONTH)

#: The single values, in the document's order.
SINGLES: dict[str, Field] = {
    field.key: field
    for field in (
        _single("start_month", YEAR_MONTH),
        _single("months", WHOLE, REQUIRED, _MONTH),
        _single("opening_cash", MONEY, 0, _AMOUNT),
        _single("own_funds", MONEY, 0, _AMOUNT),
        _single("owner_drawings", MONEY, 0, _AMOUNT),
        _single("tax_rate", PERCENT, 0, _RATE),
        _single("discount_rate", PERCENT, DEFAULT_DISCOUNT_RATE, _RATE),
    )
}

#: The lists, in the document's order.
LISTS: dict[str, ListField] = {
    field.key: field
    for field in (
        _list("startup_costs", (_NAME, ("amount", MONEY, REQUIRED, _AMOUNT), _WHEN)),
        _list("grants", (_NAME, ("amount", MONEY, REQUIRED, _AMOUNT), _WHEN)),
        _list(
            "loans",
            (
                _NAME,
                ("principal", MONEY, REQUIRED, _AMOUNT),
                ("annual_rate", PERCENT, REQUIRED, _RATE),
                ("term_months", WHOLE, REQUIRED, (ONE, Decimal(MAX_TERM_MONTHS))),
                ("grace_months", WHOLE, 0, (ZERO, Decimal(MAX_TERM_MONTHS - 1))),
                ("method", METHOD, "annuity", None),
                _WHEN,
            ),
        ),
        _list(
            "revenue_streams",
            (
                _NAME,
                ("units_per_month", NUMBER, REQUIRED, (ZERO, MAX_UNITS)),
                ("unit_price", MONEY, REQUIRED, (ZERO, MAX_UNIT_PRICE)),
                ("unit_cost", MONEY, 0, (ZERO, MAX_UNIT_PRICE)),
                ("monthly_growth", PERCENT, 0, (-ONE, ONE)),
                ("start_month", WHOLE, 1, _MONTH),
            ),
            seasonality=True,
        ),
        _list(
            "fixed_costs",
            (_NAME, ("monthly", MONEY, REQUIRED, _AMOUNT), ("start_month", WHOLE, 1, _MONTH)),
        ),
    )
}

#: One season factor of a revenue stream (the twelve of a row are its "seasonality").
SEASONALITY = Field(
    "seasonality", NUMBER, "revenue_streams.seasonality", 1, (ZERO, MAX_SEASONALITY), "revenue_streams"
)

#: The stress scenario's fields (not part of the document).
SCENARIO_RANGES: Mapping[str, tuple[Decimal, Decimal]] = {
    "sales_factor": (ZERO, MAX_FACTOR),
    "cost_factor": (ZERO, MAX_FACTOR),
    "delay_months": (ZERO, Decimal(MAX_MONTHS)),
}


def _ranges() -> dict[str, tuple[Decimal, Decimal]]:
    found: dict[str, tuple[Decimal, Decimal]] = {}
    fields = [*SINGLES.values(), SEASONALITY, *(c for table in LISTS.values() for c in table.columns)]
    for field in fields:
        if field.range is not None and found.setdefault(field.key, field.range) != field.range:
            raise RuntimeError(f"two ranges for the key {field.key}")
    return {**found, **SCENARIO_RANGES}


#: The closed range of every numeric field, by its key (the last part of its path).
FIELD_RANGES: Mapping[str, tuple[Decimal, Decimal]] = _ranges()

_ROW_PATH = re.compile(r"^(?P<list>[a-z_]+)\[(?P<row>\d{1,3})\]\.(?P<column>[a-z_]+)$")


def field_range(path: str) -> tuple[Decimal, Decimal] | None:
    """The range of the field at ``path`` (``loans[0].principal`` -> (0, 10000000)); None for text."""
    return FIELD_RANGES.get(path.rsplit(".", 1)[-1])


def field_at(path: str) -> Field | None:
    """The field at a document path (``"loans[0].principal"``, ``"loans[].principal"``, ``"own_funds"``)."""
    if path in SINGLES:
        return SINGLES[path]
    found = _ROW_PATH.match(path.replace("[]", "[0]"))
    if found is None:
        return None
    table = LISTS.get(found.group("list"))
    if table is None:
        return None
    if found.group("column") == "seasonality" and table.seasonality:
        return SEASONALITY
    return table.column(found.group("column"))


def split_path(path: str) -> tuple[str, int | None, str | None]:
    """``"loans[2].principal"`` -> ("loans", 2, "principal"); ``"own_funds"`` -> ("own_funds", None, None)."""
    found = _ROW_PATH.match(path)
    if found is None:
        return path, None, None
    return found.group("list"), int(found.group("row")), found.group("column")


def form_name(path: str, rows: Mapping[str, list[int]] | None = None) -> str:
    """The form field name of a document path: ``loans[0].term_months`` -> ``loans-0-term_months``.

    ``rows[list][stored index]`` is the form row a stored row came from (rows left empty are not stored)."""
    top, row, column = split_path(path)
    if row is None:
        return path
    shown = (rows or {}).get(top)
    if shown and row < len(shown):
        row = shown[row]
    return f"{top}-{row}-{column}"


def dom_id(path_or_name: str) -> str:
    """The id of the element a link to this field (or list) jumps to; a whole row (``loans[2]``) is its
    list's."""
    if "[" in path_or_name:
        _top, row, _column = split_path(path_or_name)
        path_or_name = top_key(path_or_name) if row is None else form_name(path_or_name)
    return "f-" + path_or_name


def top_key(path_or_name: str) -> str:
    """The single value or list a path or form name belongs to: ``loans-0-principal`` -> ``loans``."""
    return re.split(r"[\[.\-]", path_or_name, maxsplit=1)[0]


# --- the canonical document ---------------------------------------------------------------------------------


def number_text(number: Decimal) -> str:
    """An exact decimal as plain text without exponent or trailing zeros: 1000, 0.07, 9.5."""
    return format(number.normalize(), "f")


def _canonical_value(field: Field, value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        value = field.default
        if value is None:
            return None
    if field.kind in NUMERIC_KINDS:
        if isinstance(value, bool):
            return value
        try:
            number = to_decimal(value)
        except (NumberError, ValueError, TypeError):
            return value.strip() if isinstance(value, str) else value
        if field.kind == WHOLE and number == number.to_integral_value():
            return int(number)
        return number_text(number)
    return value.strip() if isinstance(value, str) else value


def _canonical_row(table: ListField, entry: Any) -> Any:
    if not isinstance(entry, Mapping):
        return entry
    row = dict(entry)
    for column in table.columns:
        row[column.key] = _canonical_value(column, entry.get(column.key))
    if table.seasonality:
        factors = entry.get("seasonality")
        if factors is None:
            factors = [SEASONALITY.default] * MONTHS_IN_YEAR
        if isinstance(factors, list | tuple):
            row["seasonality"] = [_canonical_value(SEASONALITY, factor) for factor in factors]
    return row


def same_numbers(first: Mapping[str, Any], second: Mapping[str, Any]) -> bool:
    """``canonical(first) == canonical(second)``, comparing in canonical form only the values and rows that
    differ as they are (a page posts back mostly what is stored: this is the common case made cheap)."""
    if first == second:
        return True
    if not isinstance(first, Mapping) or not isinstance(second, Mapping):
        return False
    for key in first.keys() | second.keys():
        one, other = first.get(key), second.get(key)
        if one == other:
            continue
        single = SINGLES.get(key)
        table = LISTS.get(key)
        if single is not None:
            if _canonical_value(single, one) != _canonical_value(single, other):
                return False
        elif table is not None:
            one, other = one or [], other or []
            if (
                not isinstance(one, list | tuple)
                or not isinstance(other, list | tuple)
                or len(one) != len(other)
            ):
                return False
            for row, other_row in zip(one, other, strict=True):
                if row != other_row and _canonical_row(table, row) != _canonical_row(table, other_row):
                    return False
        else:
            return False
    return True


def canonical(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document with every value in the one form the core reads it in, defaults filled in (see the
    module). Values that are not readable stay as they are, so a bad value still differs from a good one;
    keys the registry does not know are kept."""
    if not isinstance(document, Mapping):
        return document  # type: ignore[return-value]
    result = dict(document)
    for key, field in SINGLES.items():
        result[key] = _canonical_value(field, document.get(key))
    for key, table in LISTS.items():
        entries = document.get(key)
        if entries is None:
            result[key] = []
        elif isinstance(entries, list | tuple):
            result[key] = [_canonical_row(table, entry) for entry in entries]
    return result
