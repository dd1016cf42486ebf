"""The audit trail: typed object kinds, before/after of real changes only, an index for an object's history,
a label for every action, and rows nobody can change or remove (the ORM refuses, and so does the database)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import delete, inspect, select, text, update
from sqlalchemy.exc import DBAPIError

from tests.support import audit_events, make_person
from workbench.audit.labels import ACTION_LABELS
from workbench.audit.models import AppendOnlyViolation, AuditEvent
from workbench.audit.services import audit_type, events_for, record, record_changes
from workbench.auth.models import PasswordReset, User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.plans import services as plans
from workbench.plans.models import BusinessPlan, ReviewDecision
from workbench.programme.models import Cohort, Enrolment
from workbench.programme.services import assign_mentor

ROOT = Path(__file__).resolve().parents[2] / "workbench"


# --- every recorded action has a label --------------------------------------------------------------------


def recorded_actions() -> dict[str, str]:
    """Every action passed to record() or record_changes() in the code: {action: where} (the audit package
    itself only passes its callers' actions on)."""
    found: dict[str, str] = {}
    for path in ROOT.rglob("*.py"):
        if path.parent.name == "audit":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in {"record", "record_changes"}:
                continue
            where = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
            action = node.args[0]
            candidates = [action.body, action.orelse] if isinstance(action, ast.IfExp) else [action]
            for candidate in candidates:
                literal = isinstance(candidate, ast.Constant) and isinstance(candidate.value, str)
                assert literal, (
                    f"{where}: write the audit action as a literal string, so its label can be checked"
                )
                found[candidate.value] = where
    return found


def test_every_action_recorded_in_the_code_has_a_label() -> None:
    actions = recorded_actions()
    assert {"user.created", "plan.submitted", "plan.changes_requested", "cohort.created"} <= set(actions)
    missing = {action: where for action, where in actions.items() if action not in ACTION_LABELS}
    assert not missing, f"add a label to workbench/audit/labels.py for {missing}"


def test_the_label_check_sees_conditional_actions() -> None:
    """set_active records one of two actions: both are found."""
    assert {"user.deactivated", "user.reactivated"} <= set(recorded_actions())


# --- typed object kinds, and the index for one object's history -------------------------------------------


def test_each_model_names_its_audit_kind_and_old_rows_keep_reading(trainee, app_context) -> None:
    assert [audit_type(m) for m in (User, Cohort, Enrolment, BusinessPlan, ReviewDecision)] == [
        "user",
        "cohort",
        "enrolment",
        "business_plan",  # what the table name gave before: rows written then still belong to their plan
        "review_decision",
    ]
    plan = plans.create_plan(owner=trainee, business_type="food", title="Fatou's Kitchen")
    db.session.commit()
    assert [(e.object_type, e.action) for e in events_for(plan)] == [("business_plan", "plan.created")]


def test_a_model_without_an_audit_kind_is_refused(trainee) -> None:
    reset = db.session.scalars(select(PasswordReset)).first() or PasswordReset
    with pytest.raises(TypeError, match="__audit_type__"):
        record("user.password_reset_issued", reset, None)


def test_an_objects_history_is_read_through_one_index(app_context) -> None:
    indexes = inspect(db.engine).get_indexes("audit_events")
    assert ["object_type", "object_id"] in [index["column_names"] for index in indexes]
    assert ["object_id"] not in [index["column_names"] for index in indexes]  # the composite one covers it


# --- before and after: only what really changed -----------------------------------------------------------


def test_record_changes_keeps_only_the_fields_that_changed(trainee, manager) -> None:
    with record_changes("user.language_changed", trainee, manager, "locale", "full_name") as change:
        trainee.locale = "ar"
    event = db.session.get(AuditEvent, change.event_id)
    assert (event.action, event.object_id) == ("user.language_changed", trainee.id)
    assert (event.before, event.after) == ({"locale": "fr"}, {"locale": "ar"})
    with record_changes("user.language_changed", trainee, manager, "locale") as change:
        trainee.locale = "ar"  # the same value again
    assert change.event_id is None
    assert len(audit_events("user.language_changed")) == 1


def test_record_changes_records_nothing_when_the_block_fails(trainee, manager) -> None:
    def change_then_fail() -> None:
        with record_changes("user.language_changed", trainee, manager, "locale"):
            trainee.locale = "it"
            raise RuntimeError("refused half way")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert audit_events("user.language_changed") == []


def test_reassigning_a_mentor_records_the_mentor_before_and_after(trainee, mentor, manager) -> None:
    other = make_person("amina.diallo@example.org", [Role.MENTOR], "Amina Diallo")
    assign_mentor(trainee, mentor, manager)
    assign_mentor(trainee, other, manager)
    assign_mentor(trainee, other, manager)  # no change: no event
    db.session.commit()
    assert [(e.before, e.after) for e in audit_events("user.mentor_assigned")] == [
        ({"mentor_id": None}, {"mentor_id": mentor.id}),
        ({"mentor_id": mentor.id}, {"mentor_id": other.id}),
    ]


# --- append-only: the ORM refuses, the database refuses ---------------------------------------------------


@pytest.fixture
def written(trainee) -> AuditEvent:
    event_id = record("user.notices_seen", trainee, trainee, after={"kinds": []})
    db.session.commit()
    return db.session.get(AuditEvent, event_id)


def test_the_orm_refuses_to_change_an_audit_event(written) -> None:
    written.action = "user.created"
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()


def test_the_orm_refuses_to_delete_an_audit_event(written) -> None:
    db.session.delete(written)
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        update(AuditEvent).values(action="user.created"),
        delete(AuditEvent),
        update(AuditEvent.__table__).values(action="user.created"),
        delete(AuditEvent.__table__),
        update(ReviewDecision).values(note="rewritten"),
        delete(ReviewDecision),
    ],
    ids=["orm-update", "orm-delete", "core-update", "core-delete", "decision-update", "decision-delete"],
)
def test_the_session_refuses_bulk_updates_and_deletes(written, statement) -> None:
    with pytest.raises(AppendOnlyViolation):
        db.session.execute(statement)
    db.session.rollback()
    assert db.session.get(AuditEvent, written.id).action == "user.notices_seen"


@pytest.mark.parametrize(
    "sql",
    ["UPDATE audit_events SET action = 'user.created'", "DELETE FROM audit_events"],
    ids=["update", "delete"],
)
def test_the_database_refuses_to_change_or_delete_audit_events(written, sql) -> None:
    """Past the ORM, on a raw connection: the triggers the migration made refuse, on either engine."""
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(sql))
    db.session.expire_all()
    assert db.session.get(AuditEvent, written.id).action == "user.notices_seen"
    db.session.rollback()  # TRUNCATE waits for every transaction that has read the table
    if db.engine.dialect.name == "postgresql":  # PostgreSQL can also empty a table without DELETE
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_events"))
    else:
        assert db.engine.dialect.name == "sqlite"  # which has no TRUNCATE: DELETE is the only way
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.id == written.id)) == written.id


def test_the_database_refuses_to_change_or_delete_review_decisions(trainee, mentor) -> None:
    assign_mentor(trainee, mentor, None)
    plan = plans.create_plan(owner=trainee, business_type="food", title="", from_example=True)
    db.session.flush()
    plans.submit_plan(plan, trainee)
    decision = plans.request_changes(plan, mentor, "Check the rent.")
    db.session.commit()
    for sql in ("UPDATE review_decisions SET note = 'rewritten'", "DELETE FROM review_decisions"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql))
    db.session.expire_all()
    assert db.session.get(ReviewDecision, decision.id).note == "Check the rent."


def test_record_writes_the_row_an_orm_object_would(trainee, manager) -> None:
    """record() inserts without an ORM object: the stored row (defaults, JSON, a missing before as the same
    kind of empty value) is the one the ORM wrote."""
    orm = AuditEvent(
        actor_id=manager.id,
        action="user.notices_seen",
        object_type="user",
        object_id=trainee.id,
        before=None,  # as record() passed it to the ORM object
        after={"a": 1},
    )
    db.session.add(orm)
    db.session.flush()
    core_id = record("user.notices_seen", trainee, manager, after={"a": 1})
    db.session.commit()
    table = AuditEvent.__table__
    columns = [c for c in table.c if c.name not in ("id", "occurred_at")]
    rows = db.session.execute(
        select(*columns, table.c.before.is_(None), table.c.occurred_at.is_(None))
        .where(table.c.id.in_([orm.id, core_id]))
        .order_by(table.c.id)
    ).all()
    assert len(rows) == 2
    assert rows[0] == rows[1]
    assert rows[1][-1] is False  # occurred_at filled in by the column's default
    assert db.session.get(AuditEvent, core_id).occurred_at is not None
