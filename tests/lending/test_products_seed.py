"""`flask seed-demo` adds the demo's lending settings once: the product "Microcredito d'impresa" with the
Italian defaults, the dated microcredit limits and the last quarters' TEGM; a second run adds nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, func, select

from workbench.audit.models import AuditEvent
from workbench.extensions import db
from workbench.lending.product_models import LoanProduct, MicrocreditLimit, UsuryRate
from workbench.lending.products import DEMO_PRODUCT_NAME
from workbench.lending.rules import check_terms, limit_in_force
from workbench.lending.settings_demo import DEMO_TEGM, seed_lending_settings


@pytest.fixture
def runner(app: Flask, app_context: None) -> FlaskCliRunner:
    return app.test_cli_runner()


def counts() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (LoanProduct, MicrocreditLimit, UsuryRate, AuditEvent)
    )


def test_seed_demo_adds_the_lending_settings_once(runner: FlaskCliRunner) -> None:
    db.session.execute(delete(MicrocreditLimit))  # as a database built before the migration shipped them
    db.session.commit()
    first = runner.invoke(args=["seed-demo", "--without-relab"])
    assert first.exit_code == 0, first.output
    assert "1 loan_products added, 3 microcredit_limits added, 6 usury_rates added" in first.output
    product = db.session.scalars(select(LoanProduct)).one()
    assert product.name == DEMO_PRODUCT_NAME
    assert (product.min_amount, product.max_amount, product.max_term_months) == (
        Decimal("1000.00"),
        Decimal("75000.00"),
        120,
    )
    assert product.allowed_methods == ("annuity", "equal_principal")
    assert (product.day_count, product.rounding, product.interest, product.grace) == (
        "30/360",
        "half_up",
        "declining",
        "interest_only",
    )
    assert product.legal_form_srl
    assert limit_in_force(date(2026, 12, 4)).max_amount_srl == Decimal("100000.00")
    assert (
        check_terms(
            product,
            amount=Decimal("25000"),
            annual_rate=Decimal("0.06"),
            term_months=60,
            grace_months=6,
            method="annuity",
            signed_on=DEMO_TEGM[-1][0],
            legal_form="individual",
        )
        == {}
    )
    before = counts()
    again = runner.invoke(args=["seed-demo", "--without-relab"])
    assert again.exit_code == 0, again.output
    assert "0 loan_products added, 0 microcredit_limits added, 0 usury_rates added" in again.output
    assert counts() == before


def test_the_settings_are_kept_as_a_manager_left_them(app_context: None) -> None:
    seed_lending_settings()
    product = db.session.scalars(select(LoanProduct)).one()
    product.max_rate = Decimal("0.05")
    db.session.commit()
    assert seed_lending_settings() == {"loan_products": 0, "microcredit_limits": 0, "usury_rates": 0}
    assert db.session.scalars(select(LoanProduct)).one().max_rate == Decimal("0.05")
