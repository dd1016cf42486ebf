"""Benchmarks of the finance core, with the targets of the finance issue (2-core machine)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from workbench.finance import build_schedule, loan_position, portfolio_indicators, project
from workbench.finance.money import add_months

from . import Benchmark


def _schedule() -> Callable[[], object]:
    return lambda: build_schedule(
        Decimal("25000.00"), Decimal("0.0725"), 120, 6, "annuity", date(2025, 1, 31)
    )


def sample_plan(streams: int = 20, fixed_costs: int = 30, loans: int = 3, months: int = 60) -> dict:
    """A large but plausible plan: the shape of the projection benchmark (also handy in tests)."""
    seasonality = ["0.8", "0.8", "0.9", "1", "1.1", "1.2", "1.3", "1.3", "1.1", "1", "0.9", "1"]
    return {
        "start_month": "2025-03",
        "months": months,
        "opening_cash": "500",
        "own_funds": "3000",
        "grants": [{"name": "dote", "amount": "5000", "month": 1}],
        "startup_costs": [{"name": "oven", "amount": "8000"}, {"name": "van", "amount": "6000", "month": 3}],
        "loans": [
            {
                "name": f"loan {i}",
                "principal": 10000 + 2500 * i,
                "annual_rate": "0.065",
                "term_months": 36 + 12 * i,
                "grace_months": i,
                "method": "annuity" if i % 2 == 0 else "equal_principal",
                "month": 1 + i,
            }
            for i in range(loans)
        ],
        "revenue_streams": [
            {
                "name": f"product {i}",
                "units_per_month": 40 + i,
                "unit_price": f"{3 + i * 0.37:.2f}",
                "unit_cost": f"{1 + i * 0.11:.2f}",
                "monthly_growth": "0.01",
                "seasonality": seasonality,
                "start_month": 1 + i % 4,
            }
            for i in range(streams)
        ],
        "fixed_costs": [
            {"name": f"cost {i}", "monthly": f"{50 + i * 3.5:.2f}", "start_month": 1 + i % 6}
            for i in range(fixed_costs)
        ],
        "owner_drawings": "900",
        "tax_rate": "0.15",
    }


def _projection() -> Callable[[], object]:
    plan = sample_plan()
    return lambda: project(plan)


def sample_portfolio(loans: int = 10_000, seed: int = 3) -> tuple[list, date]:
    """``loans`` loans of 36 installments, disbursed over three years, with payments on time, late, partial
    or missing; returns [(installments, payments)] and the as-of date."""
    rng = random.Random(seed)  # noqa: S311 - reproducible benchmark data, not secrets
    as_of = date(2025, 6, 30)
    book = []
    schedules: dict[tuple, tuple] = {}
    for _ in range(loans):
        terms = (Decimal(rng.randrange(1000, 15001, 250)), Decimal(rng.choice(["0.05", "0.07", "0.09"])))
        first_due = add_months(date(2022, 1, rng.choice([1, 10, 15, 28, 31])), rng.randrange(36))
        key = (*terms, first_due)
        if key not in schedules:
            schedules[key] = build_schedule(*terms, 36, 0, "annuity", first_due)
        installments = schedules[key]
        habit = rng.random()
        payments = []
        for row in installments:
            if row.due_date > as_of or (habit < 0.1 and rng.random() < 0.5):
                continue
            amount = row.total if habit > 0.2 else (row.total * Decimal("0.6")).quantize(Decimal("0.01"))
            payments.append((row.due_date, amount))
        book.append((installments, payments))
    return book, as_of


def _portfolio() -> Callable[[], object]:
    book, as_of = sample_portfolio()

    def run() -> object:
        return portfolio_indicators([loan_position(rows, payments, as_of) for rows, payments in book])

    return run


def benchmarks() -> list[Benchmark]:
    return [
        Benchmark("finance: 120-month schedule", 1e-3, _schedule, repeat=1000),
        Benchmark(
            "finance: 60-month projection, 20 streams, 30 fixed costs, 3 loans", 5e-3, _projection, 300
        ),
        Benchmark("finance: loan_position + portfolio_indicators, 10,000 loans x 36", 1.0, _portfolio, 5),
    ]
