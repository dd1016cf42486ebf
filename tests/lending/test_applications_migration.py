"""The applications migration goes up with its triggers (applications and scores never change; a proposal
is decided once and never deleted) and down again, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from tests.test_migrations import fresh_app  # noqa: F401 - the fixture is used by name
from workbench.extensions import db

BEFORE = "c8447dbe2f35"
JSON_COLUMNS = {"answers", "assumptions", "results", "terms"}


def _insert(conn, name: str, **values: object) -> None:
    columns = [sa.column(key, sa.JSON) if key in JSON_COLUMNS else sa.column(key) for key in values]
    conn.execute(sa.table(name, *columns).insert().values(**values))


TABLES = {"credit_applications", "scorecard_versions", "application_scores", "proposals"}


def test_the_applications_migration_goes_up_with_its_triggers_and_down(fresh_app: Flask) -> None:  # noqa: F811
    at = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    with fresh_app.app_context():
        upgrade()
        assert set(inspect(db.engine).get_table_names()) >= TABLES
        with db.engine.begin() as conn:
            for user_id in (1, 2):
                _insert(
                    conn,
                    "users",
                    id=user_id,
                    email=f"u{user_id}@example.org",
                    full_name="U",
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
            _insert(
                conn,
                "plan_versions",
                id=1,
                plan_id=1,
                number=1,
                business_type="food",
                template_version=1,
                title="P",
                answers={},
                assumptions={},
                results={},
                submitted_at=at,
                submitted_by_id=1,
            )
            _insert(
                conn,
                "credit_applications",
                id=1,
                plan_version_id=1,
                applicant_id=1,
                amount=8000,
                term_months=36,
                grace_months=0,
                purpose="Oven",
                legal_form="individual",
                submitted_at=at,
            )
            _insert(
                conn,
                "proposals",
                id=1,
                subject_type="credit_application",
                subject_id=1,
                action="reject",
                terms={},
                note="No.",
                proposed_by_id=2,
                proposed_at=at,
            )
            # A second waiting proposal on the same subject is refused by the partial unique index.
            with pytest.raises(DBAPIError), conn.begin_nested():
                _insert(
                    conn,
                    "proposals",
                    id=2,
                    subject_type="credit_application",
                    subject_id=1,
                    action="approve",
                    terms={},
                    note="",
                    proposed_by_id=2,
                    proposed_at=at,
                )
            conn.execute(text("UPDATE proposals SET outcome = 'declined', decided_by_id = 1 WHERE id = 1"))
        for statement in (
            "UPDATE proposals SET outcome = 'confirmed' WHERE id = 1",
            "DELETE FROM proposals",
            "UPDATE credit_applications SET amount = 1",
            "DELETE FROM credit_applications",
        ):
            with pytest.raises(DBAPIError, match=r"append-only|decided once"), db.engine.begin() as conn:
                conn.execute(text(statement))
        db.session.remove()

        downgrade(revision=BEFORE)
        assert not TABLES & set(inspect(db.engine).get_table_names())
        assert "application_id" not in {c["name"] for c in inspect(db.engine).get_columns("loans")}
        upgrade()
        assert set(inspect(db.engine).get_table_names()) >= TABLES
