"""The migration that gives people a gender and a protection status adds empty
nullable columns (everyone there before has none), keeps the people and cohorts already stored, and comes down
and up again, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from tests.test_migrations import fresh_app  # noqa: F401 - fixture: an empty database of the same engine
from workbench.extensions import db

BEFORE = "9d07bbd54a5d"
PROFILE = "e3a9c51f7b20"


def _columns(table: str) -> dict[str, dict]:
    return {column["name"]: column for column in inspect(db.engine).get_columns(table)}


def test_people_and_cohorts_gain_nullable_columns_and_lose_them_going_down(fresh_app: Flask) -> None:  # noqa: F811
    with fresh_app.app_context():
        upgrade(revision=BEFORE)
        moment = datetime(2013, 3, 5, 9, 0, tzinfo=UTC)
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (email, full_name, password_hash, country, active, session_version, "
                    "created_at) VALUES ('awa@example.org', 'Awa', '!', 'SN', :t, 1, :m)"
                ),
                {"t": True, "m": moment},
            )
            conn.execute(
                sa.text("INSERT INTO cohorts (name, city, created_at) VALUES ('Re-Lab', 'Venezia', :m)"),
                {"m": moment},
            )
        upgrade(revision=PROFILE)
        users, cohorts = _columns("users"), _columns("cohorts")
        for name, length in (("gender", 16), ("protection_status", 32)):
            assert users[name]["nullable"]
            assert users[name]["type"].length == length
        assert cohorts["name"]["type"].length == 120  # the cohorts stay as they were
        with db.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT country, gender, protection_status FROM users")).one()
            assert tuple(row) == ("SN", None, None)
            assert conn.execute(sa.text("SELECT name FROM cohorts")).scalar_one() == "Re-Lab"
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE users SET gender = 'female', protection_status = 'refugee'"))
        downgrade(revision=BEFORE)
        assert not {"gender", "protection_status"} & set(_columns("users"))
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT email, country FROM users")).one() == (
                "awa@example.org",
                "SN",
            )
        upgrade(revision=PROFILE)
        assert {"gender", "protection_status"} <= set(_columns("users"))
