"""The lending settings migration builds its tables with the database's own guards (one set of limits per day,
one TEGM per class and quarter, unique product names), ships the microcredit limits as data rows, and comes
down and up again cleanly, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from tests.test_migrations import fresh_app  # noqa: F401 - fixture: an empty database of the same engine
from workbench.extensions import db
from workbench.lending.rules import DEFAULT_LIMITS

LENDING_SETTINGS = "c8447dbe2f35"
TABLES = {"loan_products", "microcredit_limits", "usury_rates"}


def _tegm(conn, quarter: date) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO usury_rates (loan_class, quarter_start, tegm, created_at) "
            "VALUES ('Microcredito', :quarter, 0.1188, :m)"
        ),
        {"quarter": quarter, "m": datetime(2026, 12, 4, tzinfo=UTC)},
    )


def test_the_lending_settings_tables_come_with_their_rows_and_guards_and_go(fresh_app: Flask) -> None:  # noqa: F811
    with fresh_app.app_context():
        upgrade(revision=LENDING_SETTINGS)
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT effective_from, max_amount, max_amount_srl, max_term_months, "
                    "real_collateral_allowed, tutoring_required FROM microcredit_limits "
                    "ORDER BY effective_from"
                )
            ).all()
        assert [(r[0] if isinstance(r[0], date) else date.fromisoformat(r[0])) for r in rows] == [
            limit.effective_from for limit in DEFAULT_LIMITS
        ]
        assert [(Decimal(r[1]), Decimal(r[2]), r[3]) for r in rows] == [
            (limit.max_amount, limit.max_amount_srl, limit.max_term_months) for limit in DEFAULT_LIMITS
        ]
        assert all(not r[4] and r[5] for r in rows)
        with db.engine.begin() as conn:
            _tegm(conn, date(2026, 10, 1))
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            _tegm(conn, date(2026, 10, 1))  # the same class and quarter twice
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO microcredit_limits (effective_from, max_amount, max_amount_srl, "
                    "max_term_months, real_collateral_allowed, tutoring_required, source, revision, "
                    "created_at) "
                    "VALUES (:day, 1, 1, 1, false, true, '', 1, :m)"
                ),
                {"day": date(2024, 1, 12), "m": datetime(2026, 12, 4, tzinfo=UTC)},
            )

        downgrade(revision=f"{LENDING_SETTINGS}-1")
        assert not TABLES & set(inspect(db.engine).get_table_names())
        assert "loans" in inspect(db.engine).get_table_names()
        upgrade()
        assert set(inspect(db.engine).get_table_names()) >= TABLES
