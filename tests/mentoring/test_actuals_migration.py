"""The monthly actuals migration builds its table with the database's own guards (one row per loan and month,
no negative sales or costs) and comes down and up again cleanly, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from tests.test_migrations import fresh_app  # noqa: F401 - fixture: an empty database of the same engine
from workbench.extensions import db

MONTHLY_ACTUALS = "268f021dbf8d"


def _a_loan(conn) -> None:
    moment = datetime(2027, 1, 15, tzinfo=UTC)
    conn.execute(
        sa.text(
            "INSERT INTO users (id, email, full_name, password_hash, active, session_version, created_at) "
            "VALUES (1, 't@example.org', 'T', 'x', true, 1, :m)"
        ),
        {"m": moment},
    )
    conn.execute(
        sa.text(
            "INSERT INTO business_plans (id, owner_id, business_type, template_version, title, assumptions, "
            "assumptions_revision, created_at, updated_at) VALUES (1, 1, 'food', 1, 'P', '{}', 1, :m, :m)"
        ),
        {"m": moment},
    )
    conn.execute(
        sa.text(
            "INSERT INTO plan_versions (id, plan_id, number, business_type, template_version, title, "
            "answers, assumptions, results, submitted_at, submitted_by_id) "
            "VALUES (1, 1, 1, 'food', 1, 'P', '{}', '{}', '{}', :m, 1)"
        ),
        {"m": moment},
    )
    conn.execute(
        sa.text(
            "INSERT INTO loans (id, borrower_id, plan_version_id, principal, annual_rate, term_months, "
            "grace_months, method, disbursed_on, disbursement_method, first_due_on, created_at) "
            "VALUES (1, 1, 1, 8000, 0.07, 36, 0, 'annuity', :d, 'bank_transfer', :d, :m)"
        ),
        {"d": date(2027, 1, 15), "m": moment},
    )


def _month(conn, month: date, sales: int) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO monthly_actuals (loan_id, month, sales, costs, closing_cash, revision, created_at, "
            "updated_at) VALUES (1, :month, :sales, 0, -5, 1, :m, :m)"
        ),
        {"month": month, "sales": sales, "m": datetime(2027, 2, 1, tzinfo=UTC)},
    )


def test_the_monthly_actuals_table_comes_with_its_guards_and_goes(fresh_app: Flask) -> None:  # noqa: F811
    with fresh_app.app_context():
        upgrade(revision=MONTHLY_ACTUALS)
        with db.engine.begin() as conn:
            _a_loan(conn)
            _month(conn, date(2027, 1, 1), 100)
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            _month(conn, date(2027, 1, 1), 200)  # the same month twice
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            _month(conn, date(2027, 2, 1), -1)  # sales below zero
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT sales, closing_cash FROM monthly_actuals")).one() == (100, -5)

        downgrade(revision=f"{MONTHLY_ACTUALS}-1")
        assert "monthly_actuals" not in inspect(db.engine).get_table_names()
        assert "loans" in inspect(db.engine).get_table_names()
        upgrade()
        assert "monthly_actuals" in inspect(db.engine).get_table_names()
