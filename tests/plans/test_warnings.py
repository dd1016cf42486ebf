"""Plain-language warnings: each appears exactly when its condition holds, with the right month and money."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from flask import Flask
from flask_babel import force_locale

from tests.factories import assumptions
from workbench.finance import ProjectionResult, project
from workbench.plans.warnings import (
    FIELDS,
    PlanWarning,
    average_monthly_profit,
    month_name,
    plan_warnings,
)
from workbench.web.templating import money, number

LIMIT = Decimal(25000)


def warnings_of(document: dict, **options: object) -> list[PlanWarning]:
    options.setdefault("loan_limit", LIMIT)
    return plan_warnings(project(document), **options)  # type: ignore[arg-type]


def codes(document: dict, **options: object) -> list[str]:
    return [w.code for w in warnings_of(document, **options)]


def only(document: dict, code: str, **options: object) -> PlanWarning:
    found = [w for w in warnings_of(document, **options) if w.code == code]
    assert len(found) == 1, codes(document, **options)
    return found[0]


@pytest.fixture
def english(app_context: None):
    with force_locale("en"):
        yield


def test_a_healthy_plan_has_no_warning(app_context: None) -> None:
    result = project(assumptions("healthy"))
    assert result.metrics.min_cash > 0
    assert result.metrics.break_even_month == 1
    assert result.metrics.dscr > Decimal("1.2")
    assert plan_warnings(result, loan_limit=LIMIT) == []


def test_cash_shortfall_names_the_month_and_the_money_missing(app_context: None, english: None) -> None:
    late = assumptions(
        "healthy",
        revenue_streams=[{"units_per_month": 600, "unit_price": 10, "unit_cost": 4, "start_month": 4}],
    )
    result = project(late)
    metrics = result.metrics
    assert metrics.min_cash < 0
    assert metrics.min_cash_month == 3

    warning = only(late, "cash_shortfall")

    assert warning.field == "own_funds"
    assert warning.message == (
        f"In month 3 (March 2027) your cash falls to {money(metrics.min_cash)}: "
        f"you need {money(metrics.funding_gap)} more or lower costs."
    )
    # 3 months of rent and drawings (3 x 1,800) + 2 loan installments (2 x 247.02)
    assert money(metrics.min_cash) == "-€5,894.04"
    assert metrics.funding_gap == -metrics.min_cash
    # Enough own money to cover the gap: the warning goes away.
    covered = dict(late, own_funds=str(Decimal(2000) + metrics.funding_gap))
    assert project(covered).metrics.min_cash == 0
    assert "cash_shortfall" not in codes(covered)


def test_the_month_label_follows_the_language(app_context: None) -> None:
    with force_locale("it"):
        assert month_name("2027-03") == "marzo 2027"
    with force_locale("fr"):
        assert month_name("2028-12") == "décembre 2028"
    with force_locale("en"):
        assert month_name("2030-01") == "January 2030"


def test_less_money_to_start_than_starting_costs(app_context: None, english: None) -> None:
    short = assumptions("healthy", own_funds=1500)

    warning = only(short, "sources_short")

    assert warning.field == "own_funds"
    assert warning.message == (
        "The money to start (€9,500.00) is €500.00 less than what starting costs (€10,000.00): "
        "add own funds, a grant or a loan, or cut a cost."
    )
    assert "sources_excess" not in codes(short)
    # Grants count as money to start.
    assert "sources_short" not in codes(dict(short, grants=[{"amount": 500}]))
    assert "sources_short" not in codes(assumptions("healthy"))


def test_borrowing_more_than_starting_costs(app_context: None, english: None) -> None:
    extra = assumptions("healthy", loans=[{"principal": 12000, "annual_rate": 0.07, "term_months": 36}])

    warning = only(extra, "sources_excess")

    assert warning.field == "loans"
    assert warning.message == (
        "The money to start (€14,000.00) is €4,000.00 more than what starting costs (€10,000.00): "
        "lower the loan so you borrow only what you need."
    )
    assert "sources_short" not in codes(extra)


def test_extra_money_is_not_too_much_without_a_loan_or_when_the_first_months_need_it(
    app_context: None,
) -> None:
    # Own money beyond the starting costs: nothing to borrow less of.
    assert "sources_excess" not in codes(assumptions("healthy", own_funds=6000, loans=[]))
    # The extra 4,000 carries the months before the first sales: borrowing less would leave cash below zero.
    working_capital = assumptions(
        "healthy",
        loans=[{"principal": 12000, "annual_rate": 0.07, "term_months": 36}],
        revenue_streams=[{"units_per_month": 600, "unit_price": 10, "unit_cost": 4, "start_month": 3}],
    )
    result = project(working_capital)
    assert 0 <= result.metrics.min_cash < Decimal(4000)
    assert plan_warnings(result, loan_limit=LIMIT) == []


def test_drawings_above_what_the_business_earns(app_context: None, english: None) -> None:
    result = project(assumptions("healthy"))
    profit = average_monthly_profit(result)
    table = result.table
    expected = (
        sum(
            (
                p - i - t
                for p, i, t in zip(table["operating_profit"], table["interest"], table["tax"], strict=True)
            ),
            Decimal(0),
        )
        / 24
    )
    assert profit == expected.quantize(Decimal("0.01"))
    assert Decimal(2000) < profit < Decimal(2600)

    # Drawings change neither the profit nor the tax, so the average stays the same.
    assert average_monthly_profit(project(assumptions("healthy", owner_drawings=str(profit + 1)))) == profit
    assert "drawings_above_profit" not in codes(assumptions("healthy", owner_drawings=str(profit)))
    greedy = assumptions("healthy", owner_drawings=str(profit + Decimal("0.01")), own_funds=30000)
    warning = only(greedy, "drawings_above_profit")
    assert warning.field == "owner_drawings"
    assert warning.message.startswith(
        f"You plan to take {money(profit + Decimal('0.01'))} a month for your family, "
        f"but the business earns on average {money(profit)} a month after costs"
    )


def test_no_drawings_no_drawings_warning_even_at_a_loss(app_context: None) -> None:
    losing = assumptions(
        "healthy", owner_drawings=0, revenue_streams=[{"units_per_month": 100, "unit_price": 10}]
    )
    assert average_monthly_profit(project(losing)) < 0
    assert "drawings_above_profit" not in codes(losing)
    assert "drawings_above_profit" in codes(dict(losing, owner_drawings=1))


def test_loan_above_the_programme_limit(app_context: None, english: None) -> None:
    two_loans = assumptions(
        "healthy",
        own_funds=0,
        loans=[
            {"principal": 6000, "annual_rate": 0.07, "term_months": 36},
            {"principal": 4000, "annual_rate": 0.05, "term_months": 24, "month": 2},
        ],
    )
    assert "loan_above_limit" not in codes(two_loans, loan_limit=Decimal(10000))

    warning = only(two_loans, "loan_above_limit", loan_limit=Decimal("9999.99"))

    assert warning.field == "loans"
    assert warning.message == "Your loan request (€10,000.00) is above the programme limit of €9,999.99."


def test_dscr_exactly_at_the_minimum_is_fine(app_context: None) -> None:
    result = project(assumptions("dscr", owner_drawings="800"))
    assert result.metrics.dscr == Decimal("1.20")
    assert plan_warnings(result, loan_limit=LIMIT) == []


def test_dscr_below_the_minimum(app_context: None, english: None) -> None:
    result = project(assumptions("dscr", owner_drawings="810"))
    assert result.metrics.dscr == Decimal("1.19")

    warning = only(assumptions("dscr", owner_drawings="810"), "low_dscr")

    assert warning.field == "loans"
    assert warning.message == (
        "Your repayment capacity (DSCR) is 1.19: the business earns 1.19 euros for each euro of "
        "installments; lenders want at least 1.2."
    )
    # The programme may ask for less.
    assert "low_dscr" not in codes(assumptions("dscr", owner_drawings="810"), min_dscr=Decimal("1.1"))
    # No loan, no DSCR, no warning.
    no_loan = dict(assumptions("dscr", owner_drawings="810"), loans=[], own_funds=12000)
    assert project(no_loan).metrics.dscr is None
    assert "low_dscr" not in codes(no_loan)


def test_the_dscr_is_written_the_local_way(app_context: None) -> None:
    with force_locale("it"):
        message = only(assumptions("dscr", owner_drawings="810"), "low_dscr").message
        assert number(Decimal("1.19")) == "1,19"
        assert "1,19" in message
        assert "1,2." in message


def test_a_business_that_never_covers_its_costs(app_context: None, english: None) -> None:
    for document in (
        assumptions("healthy", revenue_streams=[]),
        assumptions("healthy", revenue_streams=[{"units_per_month": 100, "unit_price": 10, "unit_cost": 4}]),
    ):
        assert project(document).metrics.break_even_month is None
        warning = only(document, "never_breaks_even")
        assert warning.field == "revenue_streams"
        assert warning.message == "With these numbers the business never covers its monthly costs."
    late = assumptions(
        "healthy", revenue_streams=[{"units_per_month": 600, "unit_price": 10, "start_month": 24}]
    )
    assert project(late).metrics.break_even_month == 24
    assert "never_breaks_even" not in codes(late)


def test_every_warning_at_once_comes_in_a_fixed_order(app_context: None) -> None:
    bad = assumptions(
        "healthy",
        own_funds=0,
        loans=[{"principal": 9000, "annual_rate": 0.1, "term_months": 12}],
        revenue_streams=[{"units_per_month": 100, "unit_price": 10, "unit_cost": 4}],
        owner_drawings=500,
    )
    result: ProjectionResult = project(bad)
    found = plan_warnings(result, loan_limit=Decimal(5000))

    assert [w.code for w in found] == [
        "cash_shortfall",
        "sources_short",
        "drawings_above_profit",
        "loan_above_limit",
        "low_dscr",
        "never_breaks_even",
    ]
    assert all(w.field in FIELDS for w in found)
    assert all(w.message for w in found)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found[0].message = "changed"  # type: ignore[misc]


def test_warnings_follow_the_language(app: Flask, app_context: None) -> None:
    late = assumptions(
        "healthy",
        revenue_streams=[{"units_per_month": 600, "unit_price": 10, "unit_cost": 4, "start_month": 4}],
    )
    with app.test_request_context(headers={"Accept-Language": "it"}), force_locale("it"):
        message = only(late, "cash_shortfall").message
    assert "marzo 2027" in message
    assert "-5.894,04" in message
