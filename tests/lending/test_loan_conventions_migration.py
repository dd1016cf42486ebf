"""The migration that gives loans their product and their contract's conventions adds the columns with the
defaults that keep every existing schedule as it was, lets the journal take fees on their own account with
its append-only guards intact, and comes down and up again, on both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from sqlalchemy.exc import DatabaseError, IntegrityError

from tests.test_migrations import fresh_app  # noqa: F401 - fixture: an empty database of the same engine
from workbench.extensions import db
from workbench.finance.conventions import DEFAULT_CONVENTIONS, Conventions

BEFORE = "a7c3e5f1b9d2"
CONVENTIONS = "5d2b8e4f7a61"


def _columns() -> dict[str, object]:
    return {column["name"]: column.get("default") for column in inspect(db.engine).get_columns("loans")}


def _the_journal_takes_fees_and_stays_append_only() -> None:
    with db.engine.begin() as conn:
        entry = conn.execute(
            sa.text(
                "INSERT INTO journal_entries (kind, entry_date, description, created_at) "
                "VALUES ('fee', :d, 'Loan 1', :m) RETURNING id"
            ),
            {"d": date(2026, 12, 4), "m": datetime(2026, 12, 4, tzinfo=UTC)},
        ).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO journal_lines (entry_id, account, debit, credit) VALUES (:e, '4100', 0, 80)"
            ),
            {"e": entry},
        )
    for statement in ("UPDATE journal_entries SET description = 'x'", "DELETE FROM journal_lines"):
        with pytest.raises(DatabaseError), db.engine.begin() as conn:
            conn.execute(sa.text(statement))
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO journal_entries (kind, entry_date, description, created_at) "
                "VALUES ('gift', :d, 'x', :m)"
            ),
            {"d": date(2026, 12, 4), "m": datetime(2026, 12, 4, tzinfo=UTC)},
        )


def test_loans_gain_a_product_and_the_default_conventions_and_lose_them_going_down(fresh_app: Flask) -> None:  # noqa: F811
    with fresh_app.app_context():
        upgrade(revision=CONVENTIONS)
        columns = _columns()
        assert "product_id" in columns
        assert "0" in str(columns["arrangement_fee"])
        assert "arrangement_fee" in {c["name"] for c in inspect(db.engine).get_columns("loan_products")}
        for name in Conventions.__slots__:
            default = str(columns[name]).strip("'").split("'")[0]
            assert default.replace("::character varying", "") == str(getattr(DEFAULT_CONVENTIONS, name))
        foreign = {fk["referred_table"] for fk in inspect(db.engine).get_foreign_keys("loans")}
        assert "loan_products" in foreign
        downgrade(revision=BEFORE)
        assert not {"product_id", "arrangement_fee", *Conventions.__slots__} & set(_columns())
        assert "arrangement_fee" not in {c["name"] for c in inspect(db.engine).get_columns("loan_products")}
        upgrade(revision=CONVENTIONS)
        assert "product_id" in _columns()
        _the_journal_takes_fees_and_stays_append_only()
