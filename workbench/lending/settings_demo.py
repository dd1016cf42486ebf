"""The demo's lending settings: the product "Microcredito d'impresa", the dated microcredit limits and the
TEGM of the last quarters. Idempotent: what is there already is left as it is."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from workbench.extensions import db
from workbench.finance.money import add_months
from workbench.finance.usury import quarter_start
from workbench.lending.product_models import DEFAULT_USURY_CLASS, UsuryRate
from workbench.lending.products import ensure_demo_product
from workbench.lending.rules import ensure_default_limits
from workbench.lending.usury import add_tegm
from workbench.timeutil import programme_today

#: TEGM of "Altri finanziamenti alle famiglie e alle imprese" for the demo's quarters, as fractions. These are
#: PLAUSIBLE figures in the range the ministry's decrees published for this class in 2024-2025 (around
#: 12-13 %), not copied from a decree: a real programme enters each quarter's figure from the decree
#: published in the Gazzetta Ufficiale before the quarter starts.
DEMO_TEGM = (
    (date(2025, 7, 1), Decimal("0.1248")),
    (date(2025, 10, 1), Decimal("0.1236")),
    (date(2026, 1, 1), Decimal("0.1221")),
    (date(2026, 4, 1), Decimal("0.1209")),
    (date(2026, 7, 1), Decimal("0.1197")),
    (date(2026, 10, 1), Decimal("0.1188")),
)


def demo_tegm(today: date) -> list[tuple[date, Decimal]]:
    """The demo's TEGM from its first quarter to the quarter of `today`: a quarter after the last figure
    above repeats it, so that a demo loaded later can still approve loans today."""
    figures = dict(DEMO_TEGM)
    quarters: list[tuple[date, Decimal]] = []
    quarter, last = DEMO_TEGM[0][0], DEMO_TEGM[0][1]
    while quarter <= quarter_start(today):
        last = figures.get(quarter, last)
        quarters.append((quarter, last))
        quarter = add_months(quarter, 3)
    return quarters


def seed_lending_settings() -> dict[str, int]:
    added = {
        "loan_products": ensure_demo_product(),
        "microcredit_limits": ensure_default_limits(),
        "usury_rates": 0,
    }
    present = set(
        db.session.scalars(select(UsuryRate.quarter_start).where(UsuryRate.loan_class == DEFAULT_USURY_CLASS))
    )
    for quarter, tegm in demo_tegm(programme_today()):
        if quarter not in present:
            add_tegm(loan_class=DEFAULT_USURY_CLASS, quarter=quarter, tegm=tegm, actor=None)
            added["usury_rates"] += 1
    return added
