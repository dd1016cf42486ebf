"""The repayments and ledger migration: up with its triggers and the disbursement entries of the loans paid
out before it, down, and up again."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from tests.test_migrations import _insert
from tests.test_migrations import fresh_app as fresh_app  # the fixture, found by name
from workbench.extensions import db

BEFORE = "10bfe1e7f9a9"
TABLES = {"loan_payments", "bank_imports", "journal_entries", "journal_lines"}


def test_the_money_migration_books_earlier_loans_refuses_changes_and_goes_down_and_up(
    fresh_app: Flask,
) -> None:
    at = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    with fresh_app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            _insert(
                conn,
                "users",
                id=1,
                email="t@example.org",
                full_name="T",
                password_hash="x",
                active=True,
                session_version=1,
                created_at=at,
            )
            _insert(
                conn,
                "business_plans",
                id=1,
                owner_id=1,
                business_type="food",
                template_version=1,
                title="P",
                assumptions={},
                assumptions_revision=1,
                created_at=at,
                updated_at=at,
            )
            conn.execute(
                sa.table(
                    "plan_versions",
                    *(
                        sa.column(c)
                        for c in (
                            "id",
                            "plan_id",
                            "number",
                            "business_type",
                            "template_version",
                            "title",
                            "submitted_at",
                            "submitted_by_id",
                        )
                    ),
                    sa.column("answers", sa.JSON),
                    sa.column("assumptions", sa.JSON),
                    sa.column("results", sa.JSON),
                )
                .insert()
                .values(
                    id=1,
                    plan_id=1,
                    number=1,
                    business_type="food",
                    template_version=1,
                    title="P",
                    submitted_at=at,
                    submitted_by_id=1,
                    answers={},
                    assumptions={},
                    results={},
                )
            )
            _insert(
                conn,
                "loans",
                id=1,
                borrower_id=1,
                plan_version_id=1,
                principal="5000.00",
                annual_rate="0.05",
                term_months=24,
                grace_months=0,
                method="annuity",
                disbursed_on=date(2026, 1, 15),
                disbursement_method="bank_transfer",
                first_due_on=date(2026, 2, 15),
                created_at=at,
            )
        upgrade()
        assert set(inspect(db.engine).get_table_names()) >= TABLES
        with db.engine.connect() as conn:
            lines = conn.execute(
                text("SELECT account, debit, credit FROM journal_lines ORDER BY account")
            ).all()
        assert [(a, float(d), float(c)) for a, d, c in lines] == [("1010", 0, 5000), ("1200", 5000, 0)]
        with db.engine.connect() as conn:  # the installments migration stored its schedule as rows
            stored = conn.execute(
                text("SELECT version, COUNT(*), SUM(principal) FROM loan_installments GROUP BY version")
            ).all()
        assert [(v, n, float(p)) for v, n, p in stored] == [(1, 24, 5000.0)]
        with db.engine.begin() as conn:
            _insert(
                conn,
                "loan_payments",
                id=1,
                loan_id=1,
                kind="payment",
                paid_on=date(2026, 2, 15),
                amount="100.00",
                reference="",
                idempotency_key="k" * 32,
                source="manual",
                posted_at=at,
            )
        for statement in (
            "DELETE FROM journal_lines",
            "UPDATE journal_entries SET kind = 'repayment'",
            "DELETE FROM loan_payments",
        ):
            with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
                conn.execute(text(statement))
        db.session.remove()
        downgrade(revision=BEFORE)
        assert not TABLES & set(inspect(db.engine).get_table_names())
        upgrade()
        assert set(inspect(db.engine).get_table_names()) >= TABLES
