"""The catalogue describes every table that holds something about a person; the append-only tables accept
the erasure's redaction and nothing else: UPDATE outside an erasure and DELETE always stay refused, by the
session and by the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from tests.privacy.privacy_support import person_everywhere, staff
from workbench.audit.models import AppendOnlyViolation, AuditEvent, erasure_redaction
from workbench.extensions import db
from workbench.privacy.catalogue import CATALOGUE, NOT_PERSONAL, uncatalogued

#: The tables of record whose UPDATE triggers know the erasure (migration b51e0c2d9a47), with a text column.
ERASABLE = {
    "audit_events": "action",
    "review_decisions": "note",
    "comment_threads": "quote",
    "thread_comments": "body",
    "budget_spendings": "note",
    "credit_applications": "purpose",
    "application_scores": "override_reason",
    "proposals": "note",  # decided proposals
}


def test_every_table_is_in_the_catalogue_or_said_not_personal(app) -> None:
    assert uncatalogued(db.metadata) == []
    assert set(db.metadata.tables) == set(CATALOGUE) | set(NOT_PERSONAL)


def test_a_new_table_pointing_at_a_person_fails_the_catalogue(app) -> None:
    copy = sa.MetaData()
    for t in db.metadata.sorted_tables:
        t.to_metadata(copy)
    sa.Table(
        "hobbies",
        copy,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.ForeignKey("users.id")),
    )
    sa.Table(
        "plan_notes",
        copy,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.ForeignKey("business_plans.id")),
    )
    copy.tables["loans"].append_column(sa.Column("guarantor_id", sa.ForeignKey("users.id")))
    problems = uncatalogued(copy)
    assert "hobbies: not in the catalogue" in problems
    assert "plan_notes: not in the catalogue" in problems
    assert "loans.guarantor_id: points at users.id but is not classified" in problems


@pytest.fixture
def world(app_context):
    people = staff()
    person_everywhere(people, with_loan=False)
    db.session.commit()
    db.session.close()


def _statements(name: str):
    t = db.metadata.tables[name]
    column = t.c[ERASABLE[name]]
    rewrite = sa.update(t).values({column.name: "rewritten"})
    rewritten = sa.select(sa.func.count()).select_from(t).where(column == "rewritten")
    every = sa.select(sa.func.count()).select_from(t)
    return rewrite, sa.delete(t), rewritten, every


REFUSED = r"append-only|decided once"


@pytest.mark.parametrize("name", sorted(ERASABLE))
def test_outside_an_erasure_the_database_refuses_update_and_delete(world, name: str) -> None:
    rewrite, remove, rewritten, _every = _statements(name)
    for statement in (rewrite, remove):
        with pytest.raises(DBAPIError, match=REFUSED), db.engine.begin() as conn:
            conn.execute(statement)
    with db.engine.connect() as conn:
        assert conn.scalar(rewritten) == 0


@pytest.mark.parametrize("name", sorted(ERASABLE))
def test_inside_an_erasure_update_passes_and_delete_is_still_refused(world, name: str) -> None:
    rewrite, remove, rewritten, every = _statements(name)
    with db.engine.connect() as conn:
        before = conn.scalar(every)
    assert before > 0
    with db.engine.connect() as conn:
        conn.execute(text("INSERT INTO erasure_in_progress (request_id) VALUES (1)"))
        conn.execute(rewrite)
        assert conn.scalar(rewritten) == before
        with pytest.raises(DBAPIError, match=REFUSED):
            conn.execute(remove)
        conn.rollback()
    with db.engine.connect() as conn:
        assert conn.scalar(rewritten) == 0
        assert conn.scalar(every) == before


def test_another_transaction_never_sees_the_erasure_exception(world) -> None:
    """PostgreSQL: while one transaction holds its erasure_in_progress row, another one's UPDATE is still
    refused (the row is invisible to it). SQLite has one writer: the second cannot even start writing."""
    held = threading.Event()
    done = threading.Event()
    engine = db.engine

    def erasing() -> None:
        with engine.connect() as conn, conn.begin():
            conn.execute(text("INSERT INTO erasure_in_progress (request_id) VALUES (7)"))
            held.set()
            done.wait(timeout=30)
            conn.rollback()

    thread = threading.Thread(target=erasing)
    thread.start()
    try:
        assert held.wait(timeout=30)
        with db.engine.connect() as conn:
            if db.engine.dialect.name == "sqlite":
                conn.execute(text("PRAGMA busy_timeout = 100"))
            with pytest.raises(DBAPIError):
                conn.execute(text("UPDATE thread_comments SET body = 'rewritten'"))
            conn.rollback()
    finally:
        done.set()
        thread.join()
    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM thread_comments WHERE body = 'rewritten'")) == 0
        assert conn.scalar(text("SELECT count(*) FROM erasure_in_progress")) == 0


def test_the_session_guard_opens_for_the_erasure_updates_only(world) -> None:
    statement = update(AuditEvent).values(action="user.created")
    with pytest.raises(AppendOnlyViolation):
        db.session.execute(statement)
    db.session.rollback()
    with erasure_redaction():
        with pytest.raises(AppendOnlyViolation):
            db.session.execute(delete(AuditEvent))
        db.session.rollback()
        # The session lets the UPDATE through; without the erasure's row the database still refuses it.
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
    with pytest.raises(AppendOnlyViolation):
        db.session.execute(statement)
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "user.created")) is not None
