"""The cash-flow statement's periods (pure): years of twelve plan months with a total, and blocks of months
narrow enough for a page."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import assumptions
from workbench.finance import ROWS, project
from workbench.plans.statement import (
    LINE_CHARACTERS,
    amount_width,
    cash_flow_statement,
    columns_per_block,
)


def test_the_summary_has_a_column_per_plan_year_and_a_total() -> None:
    result = project(assumptions("growing", months=30))  # two whole years and six months
    (summary,) = cash_flow_statement(result).summary
    assert [(p.first, p.last, p.year) for p in summary.columns] == [
        (1, 12, 1),
        (13, 24, 2),
        (25, 30, 3),
        (1, 30, None),
    ]
    assert [line.key for line in summary.lines] == list(ROWS)
    table = result.table
    lines = {line.key: line.values for line in summary.lines}
    assert lines["revenue"] == (
        sum(table["revenue"][:12]),
        sum(table["revenue"][12:24]),
        sum(table["revenue"][24:]),
        sum(table["revenue"]),
    )
    # Balances are taken at the period's ends, and they chain: each year opens with the last one's close.
    assert lines["opening_cash"] == (
        table["opening_cash"][0],
        table["opening_cash"][12],
        table["opening_cash"][24],
        table["opening_cash"][0],
    )
    assert lines["closing_cash"] == (
        table["closing_cash"][11],
        table["closing_cash"][23],
        table["closing_cash"][29],
        table["closing_cash"][29],
    )
    for values in zip(lines["opening_cash"], lines["net_cash_flow"], lines["closing_cash"], strict=True):
        opening, net, closing = values
        assert opening + net == closing


def test_months_come_in_blocks_of_twelve_covering_every_month_once() -> None:
    result = project(assumptions("growing", months=30))
    blocks = cash_flow_statement(result).months
    assert [[p.first for p in block.columns] for block in blocks] == [
        list(range(1, 13)),
        list(range(13, 25)),
        list(range(25, 31)),
    ]
    closing = [
        v for block in blocks for line in block.lines if line.key == "closing_cash" for v in line.values
    ]
    assert closing == list(result.table["closing_cash"])


def test_long_amounts_make_narrower_blocks() -> None:
    huge = project(
        assumptions(
            "growing",
            months=24,
            own_funds="10000000",
            startup_costs=[{"amount": "10000000"}] * 3,
            loans=[],
            revenue_streams=[{"units_per_month": 1000000, "unit_price": 1000}],
        )
    )
    statement = cash_flow_statement(huge)
    widest = max(
        amount_width(line.values) for block in (*statement.months, *statement.summary) for line in block.lines
    )
    assert widest > 12
    for block in (*statement.months, *statement.summary):
        longest = max(amount_width(line.values) for line in block.lines)
        assert len(block.columns) * (longest + 2) <= LINE_CHARACTERS
    assert len(statement.months[0].columns) < 12
    assert sum(len(block.columns) for block in statement.months) == 24


@pytest.mark.parametrize(
    ("values", "width", "per_block"),
    [
        (["0"], 4, 12),
        (["-383.63"], 7, 12),
        (["123456.78"], 10, 12),
        (["-1234567.89"], 13, 6),
        (["1234567890123.45"], 20, 6),
        (["12345678901234567.00"], 25, 4),
    ],
)
def test_amount_width_and_columns_per_block(values: list[str], width: int, per_block: int) -> None:
    amounts = [Decimal(v) for v in values]
    assert amount_width(amounts) == width
    assert columns_per_block(amounts) == per_block
