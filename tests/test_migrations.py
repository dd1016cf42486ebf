"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL, and the
review migration carries existing data up and back down."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import DBAPIError

from tests.support import make_app
from workbench.extensions import db
from workbench.plans.models import ReviewDecision, ReviewState
from workbench.plans.review import review_statuses


def test_migrations_match_the_models(app: Flask, app_context: None) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "run `flask db migrate` to add a migration for these model changes"


def test_migration_files_are_date_prefixed() -> None:
    versions = Path(__file__).resolve().parents[1] / "migrations" / "versions"
    names = [p.name for p in versions.glob("*.py")]
    assert names
    assert all(name[:8].isdigit() and name[8] == "_" for name in names)


# --- the review migration, up and down, with data ---------------------------------------------------------

BEFORE_REVIEW_DECISIONS = "5c1e0a7d2b94"
ROUND_TRIP_SCHEMA = "migration_round_trip"


@pytest.fixture
def fresh_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on an empty database of the same engine: a SQLite file, or a schema of its own on PostgreSQL."""
    admin = None
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'round-trip.sqlite3'}"
    else:
        admin = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {ROUND_TRIP_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {ROUND_TRIP_SCHEMA}"))
        url = f"{database_url}?options=-csearch_path%3D{ROUND_TRIP_SCHEMA}"
    instance = os.environ.get("WORKBENCH_INSTANCE_PATH")
    app = make_app(url, tmp_path / "instance")
    if instance is not None:
        os.environ["WORKBENCH_INSTANCE_PATH"] = instance
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {ROUND_TRIP_SCHEMA} CASCADE"))
        admin.dispose()


def _rows_before_review_decisions(conn) -> None:
    """Three plans as the old schema stored them: sent back (twice, the last note counts), sent, draft."""
    moment = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    users = sa.table(
        "users",
        *(sa.column(c) for c in ("id", "email", "full_name", "password_hash", "active", "session_version")),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    conn.execute(
        users.insert(),
        [
            {"id": i, "email": f"{n}@example.org", "full_name": n, "password_hash": "x", "active": True}
            | {"session_version": 1, "created_at": moment}
            for i, n in ((1, "trainee"), (2, "mentor"))
        ],
    )
    plans = sa.table(
        "business_plans",
        *(sa.column(c) for c in ("id", "owner_id", "business_type", "template_version", "title", "status")),
        sa.column("assumptions", sa.JSON),
        sa.column("assumptions_revision"),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    conn.execute(
        plans.insert(),
        [
            {"id": i, "owner_id": 1, "business_type": "food", "template_version": 1, "title": f"Plan {i}"}
            | {"status": s, "assumptions": {}, "assumptions_revision": 1, "created_at": moment}
            | {"updated_at": moment}
            for i, s in ((1, "changes_requested"), (2, "submitted"), (3, "draft"))
        ],
    )
    versions = sa.table(
        "plan_versions",
        *(sa.column(c) for c in ("id", "plan_id", "number", "business_type", "template_version", "title")),
        *(sa.column(c, sa.JSON) for c in ("answers", "assumptions", "results")),
        sa.column("submitted_at", sa.DateTime(timezone=True)),
        sa.column("submitted_by_id"),
    )
    conn.execute(
        versions.insert(),
        [
            {"id": vid, "plan_id": pid, "number": n, "business_type": "food", "template_version": 1}
            | {"title": "t", "answers": {}, "assumptions": {}, "results": {}, "submitted_at": moment}
            | {"submitted_by_id": 1}
            for vid, pid, n in ((1, 1, 1), (2, 1, 2), (3, 2, 1))
        ],
    )
    events = sa.table(
        "audit_events",
        *(sa.column(c) for c in ("actor_id", "action", "object_type", "object_id")),
        sa.column("occurred_at", sa.DateTime(timezone=True)),
        sa.column("after", sa.JSON),
    )
    conn.execute(
        events.insert(),
        [
            {
                "actor_id": 2,
                "action": "plan.changes_requested",
                "object_type": "business_plan",
                "object_id": 1,
            }
            | {"occurred_at": moment, "after": {"status": "changes_requested", "note": note}}
            for note in ("The first note.", "The latest note.")
        ],
    )


def test_the_review_migration_moves_the_status_into_decisions_and_back(fresh_app: Flask) -> None:
    with fresh_app.app_context():
        upgrade(revision=BEFORE_REVIEW_DECISIONS)
        with db.engine.begin() as conn:
            _rows_before_review_decisions(conn)

        upgrade()
        assert "status" not in {c["name"] for c in inspect(db.engine).get_columns("business_plans")}
        decisions = db.session.scalars(select(ReviewDecision)).all()
        assert [(d.version_id, d.reviewer_id, d.decision, d.note) for d in decisions] == [
            (2, 2, "changes_requested", "The latest note.")
        ]
        assert {plan_id: s.state for plan_id, s in review_statuses([1, 2, 3]).items()} == {
            1: ReviewState.CHANGES_REQUESTED,
            2: ReviewState.SUBMITTED,
            3: ReviewState.DRAFT,
        }
        db.session.remove()
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events"))

        downgrade(revision=BEFORE_REVIEW_DECISIONS)
        with db.engine.connect() as conn:
            statuses = dict(conn.execute(text("SELECT id, status FROM business_plans")).all())
            conn.execute(text("DELETE FROM audit_events"))  # no trigger any more
        assert statuses == {1: "changes_requested", 2: "submitted", 3: "draft"}
        assert "review_decisions" not in inspect(db.engine).get_table_names()

        downgrade(revision="base")
        upgrade()
        assert "review_decisions" in inspect(db.engine).get_table_names()


# --- the milestones migration: its unique keys, down and up again -----------------------------------------

BEFORE_MILESTONES = "84342ec4da6f"


def test_the_milestones_migration_refuses_a_milestone_given_twice_and_goes_down_and_up(
    fresh_app: Flask,
) -> None:
    moment = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
    with fresh_app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, full_name, password_hash, active, session_version,"
                    " created_at) VALUES (1, 't@example.org', 'T', 'x', true, 1, :at)"
                ),
                {"at": moment},
            )
            conn.execute(
                text(
                    "INSERT INTO milestone_templates (id, key, title, responsible_role, event, offset_days,"
                    " active, position, revision, created_at, updated_at)"
                    " VALUES (1, NULL, 'Welcome day', 'trainee', 'enrolled', 7, true, 1, 1, :at, :at)"
                ),
                {"at": moment},
            )
        given = text(
            "INSERT INTO milestones (template_id, trainee_id, loan_id, responsible_role, event, due_on,"
            " status, revision, created_at)"
            " VALUES (1, 1, NULL, 'trainee', 'enrolled', :due, 'pending', 1, :at)"
        )
        with db.engine.begin() as conn:
            conn.execute(given, {"due": date(2027, 1, 22), "at": moment})
        with pytest.raises(DBAPIError), db.engine.begin() as conn:  # the same template, trainee, no loan
            conn.execute(given, {"due": date(2027, 2, 22), "at": moment})
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM milestones")).scalar() == 1

        downgrade(revision=BEFORE_MILESTONES)
        tables = inspect(db.engine).get_table_names()
        assert "milestones" not in tables
        assert "milestone_templates" not in tables
        upgrade()
        assert {"milestones", "milestone_templates"} <= set(inspect(db.engine).get_table_names())


# --- the mentors migration: existing assignments become primary ------------------------------------------

BEFORE_PRIMARY_MENTORS = "8fef9fd0a9a7"


def _assignments(conn) -> list[tuple]:
    return [
        tuple(row)
        for row in conn.execute(
            text(
                "SELECT id, mentor_id, trainee_id, is_primary, ended_at IS NULL FROM mentor_assignments "
                "ORDER BY id"
            )
        )
    ]


def test_the_mentors_migration_keeps_existing_assignments_as_primary(fresh_app: Flask) -> None:
    """Trainee 10: one mentor, and an ended one before. Trainee 11: two current mentors (two managers at once
    under the old code). Trainee 12: the same mentor assigned twice at once."""
    with fresh_app.app_context():
        upgrade(revision=BEFORE_PRIMARY_MENTORS)
        early, late = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
        users = sa.table(
            "users",
            *(
                sa.column(c)
                for c in ("id", "email", "full_name", "password_hash", "active", "session_version")
            ),
            sa.column("created_at", sa.DateTime(timezone=True)),
        )
        rows = sa.table(
            "mentor_assignments",
            *(sa.column(c) for c in ("id", "mentor_id", "trainee_id")),
            sa.column("assigned_at", sa.DateTime(timezone=True)),
            sa.column("ended_at", sa.DateTime(timezone=True)),
        )
        with db.engine.begin() as conn:
            conn.execute(
                users.insert(),
                [
                    {"id": i, "email": f"u{i}@example.org", "full_name": f"U{i}", "password_hash": "x"}
                    | {"active": True, "session_version": 1, "created_at": early}
                    for i in (1, 2, 3, 10, 11, 12)
                ],
            )
            conn.execute(
                rows.insert(),
                [
                    {"id": 1, "mentor_id": 1, "trainee_id": 10, "assigned_at": early, "ended_at": late},
                    {"id": 2, "mentor_id": 2, "trainee_id": 10, "assigned_at": late, "ended_at": None},
                    {"id": 3, "mentor_id": 1, "trainee_id": 11, "assigned_at": early, "ended_at": None},
                    {"id": 4, "mentor_id": 3, "trainee_id": 11, "assigned_at": late, "ended_at": None},
                    {"id": 5, "mentor_id": 2, "trainee_id": 12, "assigned_at": early, "ended_at": None},
                    {"id": 6, "mentor_id": 2, "trainee_id": 12, "assigned_at": late, "ended_at": None},
                ],
            )

        upgrade()
        with db.engine.connect() as conn:
            assert _assignments(conn) == [
                (1, 1, 10, True, False),
                (2, 2, 10, True, True),
                (3, 1, 11, False, True),  # the earlier of two current mentors accompanies as another mentor
                (4, 3, 11, True, True),
                (5, 2, 12, False, False),  # the repeated assignment ends
                (6, 2, 12, True, True),
            ]
        # The indexes hold from now on: a second current primary is refused, another mentor is not.
        with_flag = sa.table(
            "mentor_assignments",
            *(sa.column(c) for c in ("id", "mentor_id", "trainee_id", "is_primary")),
            sa.column("assigned_at", sa.DateTime(timezone=True)),
            sa.column("ended_at", sa.DateTime(timezone=True)),
        )
        added = {"mentor_id": 1, "trainee_id": 10, "assigned_at": late, "ended_at": None}
        with pytest.raises(DBAPIError), db.engine.begin() as conn:
            conn.execute(with_flag.insert().values(id=7, is_primary=True, **added))
        with db.engine.begin() as conn:
            conn.execute(with_flag.insert().values(id=7, is_primary=False, **added))
            conn.execute(text("DELETE FROM mentor_assignments WHERE id = 7"))

        downgrade(revision=BEFORE_PRIMARY_MENTORS)
        with db.engine.connect() as conn:
            current = (
                conn.execute(text("SELECT id FROM mentor_assignments WHERE ended_at IS NULL ORDER BY id"))
                .scalars()
                .all()
            )
        assert current == [2, 4, 6]  # one mentor per trainee again: the other mentor's assignment ended
        assert "is_primary" not in {c["name"] for c in inspect(db.engine).get_columns("mentor_assignments")}
        upgrade()
        assert {i["name"] for i in inspect(db.engine).get_indexes("mentor_assignments")} >= {
            "uq_mentor_assignments_current_primary",
            "uq_mentor_assignments_current_pair",
        }


# --- the comment threads migration, up and down -------------------------------------------------------------

BEFORE_COMMENT_THREADS = "268f021dbf8d"
COMMENT_TABLES = {"comment_threads", "thread_comments", "comment_mentions", "thread_events", "thread_reads"}


def _insert(conn, name: str, **values: object) -> None:
    columns = [sa.column(key, sa.JSON) if key == "assumptions" else sa.column(key) for key in values]
    conn.execute(sa.table(name, *columns).insert().values(**values))


def test_the_comment_threads_migration_goes_up_with_its_triggers_and_down(fresh_app: Flask) -> None:
    at = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    with fresh_app.app_context():
        upgrade()
        assert set(inspect(db.engine).get_table_names()) >= COMMENT_TABLES
        with db.engine.begin() as conn:
            _insert(
                conn,
                "users",
                id=1,
                email="m@example.org",
                full_name="M",
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
                "comment_threads",
                id=1,
                plan_id=1,
                section_key="idea",
                started_by_id=1,
                started_at=at,
                client_token="t" * 20,
            )
            _insert(
                conn,
                "thread_events",
                id=1,
                thread_id=1,
                sequence=1,
                kind="resolved",
                actor_id=1,
                occurred_at=at,
            )
        for statement in ("DELETE FROM thread_events", "UPDATE comment_threads SET section_key = 'x'"):
            with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
                conn.execute(text(statement))
        db.session.remove()

        downgrade(revision=BEFORE_COMMENT_THREADS)
        assert not COMMENT_TABLES & set(inspect(db.engine).get_table_names())
        upgrade()
        assert set(inspect(db.engine).get_table_names()) >= COMMENT_TABLES
