"""The training and pathway migration: existing cohorts get the default completion share (80 %) and no
partners; the new tables come with the database's own guards (one attendance per module and trainee, hours
not below zero, one grant per category, spendings above zero and of record); and everything comes down and
up again cleanly, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.test_migrations import fresh_app  # noqa: F401 - fixture: an empty database of the same engine
from workbench.extensions import db

BEFORE = "e3a9c51f7b20"
TRAINING = "7c7bd150bced"
TABLES = {
    "training_modules",
    "attendances",
    "pathway_goals",
    "pathway_services",
    "budget_grants",
    "budget_spendings",
}
MOMENT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def _insert(conn, sql: str, **values) -> None:
    conn.execute(sa.text(sql), values)


def test_the_training_tables_come_with_their_guards_and_go(fresh_app: Flask) -> None:  # noqa: F811
    with fresh_app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            _insert(
                conn,
                "INSERT INTO users (id, email, full_name, password_hash, active, session_version, "
                "created_at) VALUES (1, 'fatou@example.org', 'Fatou', 'x', true, 1, :m)",
                m=MOMENT,
            )
            _insert(
                conn,
                "INSERT INTO cohorts (id, name, city, created_at) "
                "VALUES (1, 'Re-Lab Venezia 2013', 'Venezia', :m)",
                m=MOMENT,
            )
            _insert(
                conn,
                "INSERT INTO enrolments (id, user_id, cohort_id, enrolled_at) VALUES (1, 1, 1, :m)",
                m=MOMENT,
            )

        upgrade(revision=TRAINING)
        with db.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT completion_share, revision, partners FROM cohorts")).one()
        assert tuple(row) == (80, 1, None)
        assert set(inspect(db.engine).get_table_names()) >= TABLES

        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE cohorts SET completion_share = 101"))
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE cohorts SET completion_share = 0"))

        with db.engine.begin() as conn:
            _insert(
                conn,
                "INSERT INTO training_modules (id, cohort_id, title, hours, held_on, revision, created_at) "
                "VALUES (1, 1, 'Genera la tua idea', 8, '2026-03-09', 1, :m)",
                m=MOMENT,
            )
        attendance = (
            "INSERT INTO attendances (module_id, enrolment_id, hours, revision, created_at, updated_at) "
            "VALUES (1, 1, :hours, 1, :m, :m)"
        )
        with db.engine.begin() as conn:
            _insert(conn, attendance, hours=8, m=MOMENT)
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            _insert(conn, attendance, hours=6, m=MOMENT)  # one row per module and trainee
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE attendances SET hours = -1"))
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE training_modules SET hours = 0"))

        grant = (
            "INSERT INTO budget_grants (id, trainee_id, category, amount, revision, created_at, updated_at) "
            "VALUES (:id, 1, 'allowance', 3000, 1, :m, :m)"
        )
        with db.engine.begin() as conn:
            _insert(conn, grant, id=1, m=MOMENT)
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            _insert(conn, grant, id=2, m=MOMENT)  # one grant per trainee and category
        spending = (
            "INSERT INTO budget_spendings (grant_id, kind, spent_on, amount, note, idempotency_key, "
            "recorded_at) VALUES (1, 'spending', '2026-06-10', :amount, '', :key, :m)"
        )
        with db.engine.begin() as conn:
            _insert(conn, spending, amount=500, key="a", m=MOMENT)
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            _insert(conn, spending, amount=0, key="b", m=MOMENT)
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            _insert(conn, spending, amount=100, key="a", m=MOMENT)  # the same form twice
        for sql in ("UPDATE budget_spendings SET amount = 1", "DELETE FROM budget_spendings"):
            with pytest.raises(DBAPIError), db.engine.begin() as conn:
                conn.execute(sa.text(sql))

        downgrade(revision=BEFORE)
        names = set(inspect(db.engine).get_table_names())
        assert not TABLES & names
        columns = {c["name"] for c in inspect(db.engine).get_columns("cohorts")}
        assert not columns & {"partners", "completion_share", "revision"}
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT name FROM cohorts")).scalar_one() == "Re-Lab Venezia 2013"
        upgrade()
        assert set(inspect(db.engine).get_table_names()) >= TABLES
