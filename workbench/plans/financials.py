"""The numbers in words: the one place where the finance core's label keys (:mod:`workbench.finance.fields`)
become translated labels, help texts and error messages, and where a stored field and value are described
as a person reads them (conflicts, version comparison, import errors, spreadsheet columns).

The form itself (reading and writing the numbers pages) is :mod:`.numbers_form`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.numbers import get_decimal_symbol
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workbench.finance import AssumptionsError
from workbench.finance import fields as registry
from workbench.finance.errors import FieldError
from workbench.finance.fields import LISTS, METHOD, NUMBER, dom_id, field_at, form_name, split_path
from workbench.plans.numbers_form import section_of_field, show, show_number

#: Every field's label, by the registry's label key.
LABELS: dict[str, Any] = {
    "start_month": _l("First month of the plan"),
    "months": _l("Months to plan"),
    "opening_cash": _l("Cash in the business before month 1 (EUR)"),
    "own_funds": _l("Your own money (EUR)"),
    "owner_drawings": _l("What you take home each month (EUR)"),
    "tax_rate": _l("Tax rate (%)"),
    "discount_rate": _l("Discount rate for the net present value (%)"),
    "startup_costs": _l("What you need to start"),
    "startup_costs.name": _l("What"),
    "startup_costs.amount": _l("Amount (EUR)"),
    "startup_costs.month": _l("Month"),
    "grants": _l("Grants"),
    "grants.name": _l("What"),
    "grants.amount": _l("Amount (EUR)"),
    "grants.month": _l("Month"),
    "loans": _l("Loans"),
    "loans.name": _l("What"),
    "loans.principal": _l("Amount (EUR)"),
    "loans.annual_rate": _l("Interest per year (%)"),
    "loans.term_months": _l("Months to repay"),
    "loans.grace_months": _l("Months of interest only"),
    "loans.method": _l("Installments"),
    "loans.month": _l("Month"),
    "revenue_streams": _l("What you sell"),
    "revenue_streams.name": _l("What"),
    "revenue_streams.units_per_month": _l("How many a month"),
    "revenue_streams.unit_price": _l("Price (EUR)"),
    "revenue_streams.unit_cost": _l("Cost of one (EUR)"),
    "revenue_streams.monthly_growth": _l("Growth a month (%)"),
    "revenue_streams.start_month": _l("From month"),
    "revenue_streams.seasonality": _l("Busy and quiet months"),
    "fixed_costs": _l("Monthly costs"),
    "fixed_costs.name": _l("What"),
    "fixed_costs.monthly": _l("Per month (EUR)"),
    "fixed_costs.start_month": _l("From month"),
}

_PAID_WHEN = _l("Month of the plan it is paid or received: 1 is the first.")

#: Help under a field or a list, by label key.
HELP: dict[str, Any] = {
    "own_funds": _l("Savings you put into the business in the first month."),
    "owner_drawings": _l("What you and your family need to live on, taken from the business."),
    "tax_rate": _l(
        "Regime forfettario: the tax is 5%, then 15% after five years, and it is counted on a share of "
        "sales, not on profit. Ask your mentor which rate to enter."
    ),
    "start_month": _l("The month you open, as YYYY-MM, for example 2027-03."),
    "months": _l("Usually 36: three years."),
    "opening_cash": _l("Usually 0: put your savings under “Your own money”."),
    "startup_costs": _l(
        "Equipment, works, first stock, deposits, fees: everything you pay before or when you open."
    ),
    "startup_costs.month": _PAID_WHEN,
    "grants": _l("Money you do not pay back, for example the programme's individual grant (dote)."),
    "grants.month": _PAID_WHEN,
    "loans": _l(
        "The microcredit you ask for: amount, yearly interest, months to repay "
        "and months paying interest only."
    ),
    "loans.month": _PAID_WHEN,
    "revenue_streams": _l(
        "One row for each product or service: how many you sell in a normal month, "
        "the price, and what one costs you to make or buy."
    ),
    "fixed_costs": _l(
        "What you pay every month whatever you sell: rent, electricity, accountant, INPS, insurance, phone."
    ),
}

#: The button that adds a row to a list.
ADD_LABELS: dict[str, Any] = {
    "startup_costs": _l("Add a cost"),
    "grants": _l("Add a grant"),
    "loans": _l("Add a loan"),
    "revenue_streams": _l("Add a product or service"),
    "fixed_costs": _l("Add a monthly cost"),
}

METHOD_LABELS = {
    "annuity": _l("Equal installments"),
    "equal_principal": _l("Equal capital, decreasing installments"),
}


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a lazy translated string
    kind: str
    help: Any = ""


@dataclass(frozen=True)
class Table:
    """A list of the document as its page shows it (the registry's list, with its words)."""

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


TABLES: dict[str, Table] = {
    key: Table(
        key,
        LABELS[table.label],
        HELP.get(table.label, ""),
        tuple(Column(c.key, LABELS[c.label], c.kind, HELP.get(c.label, "")) for c in table.columns),
        ADD_LABELS[key],
        table.seasonality,
    )
    for key, table in LISTS.items()
}
SINGLES: dict[str, Single] = {
    key: Single(key, LABELS[single.label], single.kind, HELP.get(single.label, ""))
    for key, single in registry.SINGLES.items()
}


# --- errors at their fields ---------------------------------------------------------------------------------

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

#: What a conflict code of :mod:`.numbers` says to the person.
CONFLICT_MESSAGES = {
    "numbers_changed_elsewhere": _l(
        "These numbers were changed in another window since you opened this page. Your values "
        "are shown below and were not saved: keep yours or use the saved ones."
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
    return form_name(path, origin)


def field_link(path: str) -> tuple[str | None, str]:
    """Where a link to a field (a document path, a form name or a list key) goes: (the section whose page
    holds it, the id of its element on that page)."""
    return section_of_field(path), dom_id(path)


def field_errors(
    error: AssumptionsError | None, origin: Mapping[str, list[int]] | None = None
) -> dict[str, str]:
    """Translated messages by form field name (first message wins)."""
    errors: dict[str, str] = {}
    for issue in error.issues if error else ():
        errors.setdefault(form_name(issue.path, origin), message_for(issue))
    return errors


# --- stored values as a person reads them (conflicts, version comparison, import errors) --------------------


def describe_path(path: str, document: Mapping[str, Any]) -> str:
    """A stored field in words: ``fixed_costs[0].monthly`` -> "Monthly costs 1 (Rent): Per month (EUR)"."""
    if path in SINGLES:
        return str(SINGLES[path].label)
    table_key, row, column_key = split_path(path)
    table = LISTS.get(table_key)
    if row is None or table is None:
        return path
    field = field_at(path)
    what = str(LABELS[field.label]) if field is not None else str(column_key)
    entries = document.get(table.key)
    entry = entries[row] if isinstance(entries, list) and row < len(entries) else None
    name = entry.get("name") if isinstance(entry, Mapping) else None
    title = LABELS[table.label]
    if name:
        return _("%(table)s %(row)d (%(name)s): %(column)s", table=title, row=row + 1, name=name, column=what)
    return _("%(table)s %(row)d: %(column)s", table=title, row=row + 1, column=what)


def show_value(path: str, value: Any, locale: str) -> str:
    """A stored value as the numbers pages write it in this locale."""
    decimal_symbol = get_decimal_symbol(locale)
    if isinstance(value, list):
        return " · ".join(show_number(item, decimal_symbol) for item in value)
    field = field_at(path)
    kind = field.kind if field is not None else NUMBER
    if kind == METHOD:
        label = METHOD_LABELS.get(str(value))
        return str(label) if label is not None else str(value)
    return show(value, kind, decimal_symbol)


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
