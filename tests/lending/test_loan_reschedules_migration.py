"""The reschedules migration: loans paid out before it are on schedule version 1, reschedule rows are never
changed or removed (triggers), one version per loan and one reschedule per proposal; down and up again."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.test_migrations import fresh_app  # noqa: F401 - the fixture is used by name
from workbench.extensions import db

BEFORE = "e4a1c9b7d352"
JSON_COLUMNS = {"answers", "assumptions", "results", "terms"}


def _insert(conn, name: str, **values: object) -> None:
    columns = [sa.column(key, sa.JSON) if key in JSON_COLUMNS else sa.column(key) for key in values]
    conn.execute(sa.table(name, *columns).insert().values(**values))


def _loan_paid_out_before(conn, at: datetime) -> None:
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
    for proposal_id in (1, 2):
        _insert(
            conn,
            "proposals",
            id=proposal_id,
            subject_type="loan",
            subject_id=1,
            action="reschedule",
            terms={},
            note="Illness.",
            proposed_by_id=1,
            proposed_at=at,
            outcome="confirmed",
        )


def _reschedule(version: int, proposal_id: int, at: datetime) -> dict[str, object]:
    return {
        "loan_id": 1,
        "version": version,
        "effective_on": date(2026, 6, 1),
        "paid_to_date": "500.00",
        "principal_carried": "4600.00",
        "interest_carried": "20.00",
        "annual_rate": "0.04",
        "term_months": 24,
        "grace_months": 2,
        "method": "annuity",
        "first_due_on": date(2026, 7, 1),
        "reason": "Illness.",
        "proposal_id": proposal_id,
        "created_at": at,
    }


def test_the_reschedules_migration_keeps_loans_on_version_one_refuses_changes_and_goes_down_and_up(
    fresh_app: Flask,  # noqa: F811
) -> None:
    at = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    with fresh_app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            _loan_paid_out_before(conn, at)
        upgrade()
        assert "loan_reschedules" in inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT schedule_version FROM loans")).scalar_one() == 1
        with db.engine.begin() as conn:
            _insert(conn, "loan_reschedules", id=1, **_reschedule(2, 1, at))
        for values in (_reschedule(2, 2, at), _reschedule(3, 1, at), _reschedule(1, 2, at)):
            with pytest.raises(IntegrityError), db.engine.begin() as conn:  # same version, same proposal, v1
                _insert(conn, "loan_reschedules", **values)
        for statement in ("UPDATE loan_reschedules SET term_months = 12", "DELETE FROM loan_reschedules"):
            with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
                conn.execute(text(statement))
        db.session.remove()
        downgrade(revision=BEFORE)
        assert "loan_reschedules" not in inspect(db.engine).get_table_names()
        assert "schedule_version" not in {c["name"] for c in inspect(db.engine).get_columns("loans")}
        upgrade()
        assert "loan_reschedules" in inspect(db.engine).get_table_names()
