"""The erasure migration: existing rows stay; erasure_requests and erasure_in_progress come; the append-only
tables refuse UPDATE unless the transaction holds an erasure_in_progress row, and refuse DELETE always; the
downgrade restores the plain refusal, and everything comes up again, on SQLite and PostgreSQL."""

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

BEFORE = "7c7bd150bced"
ERASURE = "b51e0c2d9a47"
TABLES = {"erasure_requests", "erasure_in_progress"}
MOMENT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
REWRITE = sa.text("UPDATE audit_events SET action = 'rewritten'")


def _rewritten(conn) -> int:
    return conn.scalar(sa.text("SELECT count(*) FROM audit_events WHERE action = 'rewritten'"))


def test_the_erasure_tables_and_the_trigger_exception_come_and_go(fresh_app: Flask) -> None:  # noqa: F811
    with fresh_app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, email, full_name, password_hash, active, session_version, "
                    "created_at) VALUES (1, 'fatou@example.org', 'Fatou', 'x', true, 1, :m)"
                ),
                {"m": MOMENT},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO audit_events (occurred_at, actor_id, action, object_type, object_id, after) "
                    "VALUES (:m, 1, 'user.created', 'user', 1, '{\"email\": \"fatou@example.org\"}')"
                ),
                {"m": MOMENT},
            )

        upgrade(revision=ERASURE)
        assert set(inspect(db.engine).get_table_names()) >= TABLES
        with db.engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT email FROM users")) == "fatou@example.org"
            assert conn.scalar(sa.text("SELECT action FROM audit_events")) == "user.created"
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(REWRITE)
        with db.engine.connect() as conn:
            conn.execute(sa.text("INSERT INTO erasure_in_progress (request_id) VALUES (1)"))
            conn.execute(REWRITE)
            assert _rewritten(conn) == 1
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(sa.text("DELETE FROM audit_events"))
            conn.rollback()
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO erasure_requests (person_id, reason, requested_on, requested_by_id, "
                    "requested_at, status) VALUES (1, 'person_request', '2026-12-01', 1, :m, 'unknown')"
                ),
                {"m": MOMENT},
            )

        downgrade(revision=BEFORE)
        assert not TABLES & set(inspect(db.engine).get_table_names())
        with db.engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT action FROM audit_events")) == "user.created"
            # The plain refusal is back: no exception left to open.
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(REWRITE)
            conn.rollback()
        upgrade()
        assert set(inspect(db.engine).get_table_names()) >= TABLES
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(REWRITE)
