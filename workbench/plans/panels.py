"""What the numbers pages show beside the tables: the projection, its charts, plain-language warnings,
errors at their fields, and the "what if" comparison. Built from an assumptions document, so the same panel
serves the page, the htmx recompute and the printed plan."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import current_app
from markupsafe import Markup, escape

from workbench.finance import AssumptionsError, ProjectionResult
from workbench.finance.errors import FieldError
from workbench.plans import financials
from workbench.plans.charts import Chart, cash_chart, revenue_costs_chart
from workbench.plans.checklist import Projected
from workbench.plans.models import BusinessPlan
from workbench.plans.numbers import Difference, NumbersConflict
from workbench.plans.numbers_form import NumbersForm, section_of_field
from workbench.plans.services import projection_of
from workbench.plans.warnings import PlanWarning, plan_warnings, sources_and_uses
from workbench.plans.whatif import WHAT_IFS, scenario_for
from workbench.web.templating import amounts, month_names


@dataclass
class NumbersPanel:
    result: ProjectionResult | None
    errors: dict[str, str] = field(default_factory=dict)  # this page's field name -> message
    elsewhere: list[tuple[str, str, str]] = field(default_factory=list)  # (section key, field, message)
    warnings: list[PlanWarning] = field(default_factory=list)
    cash_chart: Chart | None = None
    revenue_chart: Chart | None = None
    sources: Decimal | None = None
    uses: Decimal | None = None
    stale: str | None = None
    differences: tuple[Difference, ...] = ()
    #: The projection's months as the month-by-month table writes them ("mar 2027"; only on the cash-flow
    #: page).
    month_labels: tuple[str, ...] = ()
    #: The rows of the month-by-month table (only for the cash-flow page), made in one go: see cashflow_rows.
    cashflow_rows: Markup | None = None


def loan_limit() -> Decimal:
    return Decimal(str(current_app.config["PROGRAMME_LOAN_LIMIT"]))


def numbers_panel(
    plan: BusinessPlan,
    document: Mapping[str, Any],
    section_key: str,
    origin: Mapping[str, list[int]] | None = None,
    *,
    projected: Projected | None = None,
    conflict: NumbersConflict | None = None,
    refused: Mapping[str, FieldError] | None = None,
) -> NumbersPanel:
    """The panel of ``document``; ``projected`` is its projection when the request has it already (the
    document is then not read again), ``refused`` the typed values refused before storing."""
    result, error = projected if projected is not None else projection_of(dict(document))
    panel = NumbersPanel(result)
    _place_errors(panel, error, section_key, origin)
    panel.errors.update({name: financials.message_for(issue) for name, issue in (refused or {}).items()})
    if conflict is not None:
        panel.stale = str(financials.CONFLICT_MESSAGES[conflict.code])
        panel.differences = conflict.differences
    if result is not None:
        panel.warnings = plan_warnings(result, loan_limit=loan_limit())
        panel.cash_chart = cash_chart(result)
        panel.revenue_chart = revenue_costs_chart(result)
        panel.sources, panel.uses = sources_and_uses(result)
        if section_key == "cashflow":
            panel.month_labels = month_labels(result.months)
            panel.cashflow_rows = cashflow_rows(result, panel.month_labels)
    return panel


#: The columns of the month-by-month table after the month: rows of the projection, summed when several.
CASHFLOW_COLUMNS = (
    ("revenue",),
    ("variable_costs",),
    ("fixed_costs",),
    ("interest", "principal"),
    ("tax",),
    ("drawings",),
    ("investment",),
    ("financing_in",),
    ("net_cash_flow",),
)


def cashflow_rows(result: ProjectionResult, labels: tuple[str, ...]) -> Markup:
    """The <tr> rows of the month-by-month table (macro cashflow_table): one per month, every text escaped.
    Made here because the table has hundreds of cells: a template loop over them costs more than the
    projection itself."""
    table = result.table
    cell: dict[str, str] = {}  # amounts repeat month after month: each distinct one is escaped once

    def cells_of(texts: list[str]) -> list[str]:
        return [cell.get(text) or cell.setdefault(text, f"<td>{escape(text)}</td>") for text in texts]

    columns = [cells_of(amounts(*(table[row] for row in rows))) for rows in CASHFLOW_COLUMNS]
    closing = amounts(table["closing_cash"])
    lines = []
    for index, value in enumerate(table["closing_cash"]):
        cells = "".join(column[index] for column in columns)
        negative = ' class="negative"' if value < 0 else ""
        lines.append(
            f'<tr{negative}><th scope="row"><span class="month-number">{index + 1}</span> '
            f"{escape(labels[index])}</th>{cells}"
            f'<td class="closing">{escape(closing[index])}</td></tr>'
        )
    return Markup("\n".join(lines))  # noqa: S704 - every text in it is escaped above


def error_slots(form: NumbersForm, errors: Mapping[str, str]) -> Markup:
    """The error line of every field of the page, out of band (the htmx recompute answer): each is set to its
    message or emptied. Made here, escaped, because a page has hundreds of fields."""
    names = [name for name in form.values if "-seasonality-" not in name]
    names.extend(form.group.tables)
    names.extend(f"revenue_streams-{row}-seasonality" for row in form.rows.get("revenue_streams", []))
    slot = '<p class="error" id="error-{}" hx-swap-oob="true">{}</p>'
    lines = (slot.format(escape(name), escape(errors[name]) if name in errors else "") for name in names)
    return Markup("\n".join(lines))  # noqa: S704 - every text in it is escaped


def month_labels(months: tuple[str, ...]) -> tuple[str, ...]:
    """Calendar months "YYYY-MM" as the month-by-month table writes them: the month's short name in the
    page's language and the year ("mar 2027"), the names looked up once per request."""
    names = month_names()
    return tuple(f"{names[int(month[5:]) - 1]} {month[:4]}" for month in months)


def _place_errors(
    panel: NumbersPanel,
    error: AssumptionsError | None,
    section_key: str,
    origin: Mapping[str, list[int]] | None,
) -> None:
    for name, message in financials.field_errors(error, origin).items():
        where = section_of_field(name)
        if where == section_key:
            panel.errors[name] = message
        else:
            panel.elsewhere.append((where or "cashflow", name, message))


@dataclass
class WhatIfPanel:
    choices: tuple
    selected: tuple[str, ...]
    base: ProjectionResult | None
    stressed: ProjectionResult | None
    chart: Chart | None


def what_if_panel(plan: BusinessPlan, selected: Collection[str]) -> WhatIfPanel:
    """The base case beside the ticked stress tests (all three when the page opens)."""
    chosen = (
        tuple(w.key for w in WHAT_IFS if w.key in selected) if selected else tuple(w.key for w in WHAT_IFS)
    )
    base, _error = projection_of(plan.assumptions)
    stressed = None
    scenario = scenario_for(chosen)
    if base is not None and scenario is not None:
        stressed, _error = projection_of(plan.assumptions, scenario)
    chart = cash_chart(base, compare=stressed) if base is not None else None
    return WhatIfPanel(WHAT_IFS, chosen, base, stressed, chart)
