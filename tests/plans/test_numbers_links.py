"""Where the numbers pages point: every link of the warnings and the checklist lands on an element that exists
on the page it names; one projection per recompute request; the save policy of save_numbers."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from flask.testing import FlaskClient

from tests.factories import assumptions, make_plan
from tests.plans.test_numbers_views import HTMX, open_page, post_numbers, stored
from workbench.extensions import db
from workbench.finance import project
from workbench.finance import projection as projection_module
from workbench.finance.fields import LISTS, SINGLES
from workbench.plans import financials
from workbench.plans.checklist import plan_checklist
from workbench.plans.models import BusinessPlan
from workbench.plans.numbers import CHANGED_ELSEWHERE, save_numbers
from workbench.plans.numbers_form import GROUPS, section_of_field
from workbench.plans.results import results_document
from workbench.plans.warnings import FIELDS, plan_warnings

_LINK = re.compile(r'<a href="/plans/(\d+)/sections/([a-z_]+)#([^"]+)"')


def troubled() -> dict:
    """A plan that sets off every warning: short of money to start, a loan above the limit with a low DSCR,
    drawings above the profit, cash below zero, never breaking even."""
    return assumptions(
        language="fr",
        own_funds=0,
        startup_costs=[{"name": "Four", "amount": 90000, "month": 1}],
        grants=[{"name": "Dote", "amount": 1000, "month": 1}],
        loans=[{"name": "Micro", "principal": 60000, "annual_rate": "0.1", "term_months": 12}],
        revenue_streams=[{"name": "Repas", "units_per_month": 10, "unit_price": 10, "unit_cost": 0}],
        owner_drawings=900,
    )


@pytest.fixture
def plan(trainee) -> BusinessPlan:
    return make_plan(trainee, troubled())


def element_ids(client: FlaskClient, plan: BusinessPlan, section_key: str) -> set[str]:
    page = client.get(f"/plans/{plan.id}/sections/{section_key}").get_data(as_text=True)
    return set(re.findall(r'\sid="([^"]+)"', page))


def test_every_field_a_warning_can_name_exists_on_its_page(
    signed_in: FlaskClient, plan: BusinessPlan
) -> None:
    for field in FIELDS:
        section_key, anchor = financials.field_link(field)
        assert section_key in GROUPS, field
        assert anchor in element_ids(signed_in, plan, section_key), (field, section_key, anchor)


def test_the_links_of_the_warnings_shown_land_on_their_field(
    signed_in: FlaskClient, plan: BusinessPlan
) -> None:
    result = project(plan.assumptions)
    codes = {w.code for w in plan_warnings(result, loan_limit=Decimal(25000))}
    assert codes >= {
        "cash_shortfall",
        "sources_short",
        "drawings_above_profit",
        "loan_above_limit",
        "low_dscr",
    }
    for section_key in GROUPS:
        fields = open_page(signed_in, plan, section_key)
        response = post_numbers(signed_in, plan, section_key, fields, htmx=True)
        links = _LINK.findall(response.get_data(as_text=True))
        assert links, section_key
        for plan_id, target, anchor in links:
            assert int(plan_id) == plan.id
            assert anchor in element_ids(signed_in, plan, target), (section_key, target, anchor)


def test_every_checklist_link_lands_on_its_element(signed_in: FlaskClient, plan: BusinessPlan) -> None:
    items = plan_checklist(plan)
    assert {item.anchor for item in items} >= {
        "f-startup_costs",
        "f-revenue_streams",
        "f-fixed_costs",
        "f-own_funds",
    }
    for item in items:
        if item.anchor is not None:
            assert item.anchor in element_ids(signed_in, plan, item.section_key), item


def test_refused_numbers_are_flagged_on_the_page_that_holds_the_field(
    signed_in: FlaskClient, plan: BusinessPlan
) -> None:
    """An invalid startup amount is the startup page's business, not the cash-flow page's."""
    plan.assumptions = {**plan.assumptions, "startup_costs": [{"name": "Four", "amount": "-5", "month": 1}]}
    db.session.commit()
    item = next(i for i in plan_checklist(plan) if i.key == "numbers_refused")
    assert item.section_key == "startup" == section_of_field("startup_costs[0].amount")
    assert item.anchor == "f-startup_costs-0-amount"
    assert item.anchor in element_ids(signed_in, plan, "startup")
    page = signed_in.get(f"/plans/{plan.id}/sections/startup").get_data(as_text=True)
    badge = re.search(r'<a href="/plans/\d+/sections/startup".*?</a>', page, re.S)
    assert badge
    assert 'class="missing-count"' in badge.group(0)


@pytest.mark.parametrize(
    ("change", "section_key", "anchor"),
    [
        ({"months": "0"}, "cashflow", "f-months"),
        (
            {"revenue_streams": [{"units_per_month": 1, "unit_price": 1, "seasonality": [1]}]},
            "sales_costs",
            "f-revenue_streams-0-seasonality",
        ),
        ({"loans": ["not a loan"]}, "startup", "f-loans"),
        ({"fixed_costs": [{"monthly": "x"}]}, "sales_costs", "f-fixed_costs-0-monthly"),
    ],
)
def test_the_refused_numbers_item_links_to_an_element_of_its_page(
    signed_in: FlaskClient, plan: BusinessPlan, change: dict, section_key: str, anchor: str | None
) -> None:
    plan.assumptions = {**plan.assumptions, **change}
    db.session.commit()
    item = next(i for i in plan_checklist(plan) if i.key == "numbers_refused")
    assert item.section_key == section_key
    if anchor is not None:
        assert item.anchor == anchor
    assert item.anchor in element_ids(signed_in, plan, section_key)


def test_every_field_of_the_registry_has_words() -> None:
    for key, field in SINGLES.items():
        assert str(financials.LABELS[field.label]), key
    for table in LISTS.values():
        assert str(financials.LABELS[table.label])
        for column in table.columns:
            assert (
                financials.describe_path(f"{table.key}[0].{column.key}", {}) != f"{table.key}[0].{column.key}"
            )


# --- one projection per request -----------------------------------------------------------------------------


@pytest.mark.parametrize("section_key", list(GROUPS))
def test_a_recompute_request_projects_the_numbers_once(
    signed_in: FlaskClient, plan: BusinessPlan, monkeypatch: pytest.MonkeyPatch, section_key: str
) -> None:
    fields = open_page(signed_in, plan, section_key)
    reads = []
    real = projection_module.parse_assumptions
    monkeypatch.setattr(projection_module, "parse_assumptions", lambda data: reads.append(1) or real(data))
    changed = {**fields, "opening_cash": "7"} if section_key == "cashflow" else {**fields, "own_funds": "5"}
    if section_key == "sales_costs":
        changed = {**fields, "owner_drawings": "800"}
    response = signed_in.post(f"/plans/{plan.id}/numbers/{section_key}", data=changed, headers=HTMX)
    assert response.status_code == 200
    assert len(reads) == 1
    reads.clear()
    response = signed_in.post(
        f"/plans/{plan.id}/numbers/{section_key}", data=changed, headers=HTMX
    )  # unchanged
    assert len(reads) == 1


# --- the save policy ----------------------------------------------------------------------------------------


def test_posting_back_the_saved_numbers_stores_nothing(plan: BusinessPlan, trainee) -> None:
    before = plan.assumptions_revision
    part = {"own_funds": "0.00", "startup_costs": [{"name": "Four", "amount": "90000", "month": "1"}]}
    part |= {"grants": plan.assumptions["grants"], "loans": plan.assumptions["loans"]}
    outcome = save_numbers(plan, "startup", part, before - 5, trainee)
    assert outcome.unchanged
    assert not outcome.saved
    assert outcome.conflict is None
    assert stored(plan).assumptions_revision == before


def test_a_page_from_an_older_revision_is_a_conflict_with_a_code(plan: BusinessPlan, trainee) -> None:
    before = plan.assumptions_revision
    outcome = save_numbers(plan, "sales_costs", {"owner_drawings": "100"}, before - 1, trainee)
    assert outcome.conflict is not None
    assert outcome.conflict.code == CHANGED_ELSEWHERE
    assert [d.path for d in outcome.conflict.differences] == ["owner_drawings"]
    assert stored(plan).assumptions["owner_drawings"] == 900
    kept = save_numbers(plan, "sales_costs", {"owner_drawings": "100"}, before - 1, trainee, keep_mine=True)
    assert kept.saved
    assert stored(plan).assumptions["owner_drawings"] == "100"


def test_the_frozen_results_keep_their_json_shape(plan: BusinessPlan) -> None:
    document = results_document(project(plan.assumptions))
    assert set(document) == {"months", "table", "metrics"}
    metrics = document["metrics"]
    assert set(metrics) == {
        "break_even_month",
        "min_cash",
        "min_cash_month",
        "funding_gap",
        "dscr",
        "npv",
        "irr",
        "payback_month",
        "discount_rate",
    }
    assert isinstance(metrics["min_cash"], str)
    assert set(metrics["irr"]) == {
        "status",
        "monthly",
        "annual",
        "reason",
    }
