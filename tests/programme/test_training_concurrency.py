"""Two managers (or a double click) at the same moment on a cohort's training: the same attendance cell saved
twice, registers of two modules that together complete a trainee, a module shortened while its register is
saved. Nothing recorded is lost, nothing is recorded twice, every row stays within its module.

Each race runs real threads, each request with its own session and connection, released together
(tests/concurrency.py), several rounds."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.concurrency import ROUNDS, at_once
from tests.programme.training_support import another_trainee, modules, post_register
from tests.support import audit_events, login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.programme.models import Cohort, Enrolment
from workbench.programme.training_models import Attendance, TrainingModule


@pytest.fixture
def managers(app: Flask, manager: User) -> list[FlaskClient]:
    colleague = make_person("sara.conti@example.org", [Role.MANAGER], "Sara Conti")
    browsers = []
    for person in (manager, colleague):
        browser = app.test_client()
        login_as(browser, person)
        browsers.append(browser)
    return browsers


def refs(made: list[TrainingModule]) -> list[SimpleNamespace]:
    """The modules' ids, read once here: the threads must not load anything through the test's session."""
    return [SimpleNamespace(id=m.id, cohort_id=m.cohort_id, title=m.title, held_on=m.held_on) for m in made]


def rows_of(module_id: int) -> list[Attendance]:
    db.session.expire_all()
    return list(db.session.scalars(select(Attendance).where(Attendance.module_id == module_id)))


def test_two_managers_saving_the_same_new_cell_at_once(
    app: Flask, managers: list[FlaskClient], cohort: Cohort, enrolment: Enrolment
) -> None:
    made = refs(modules(cohort, *(["8"] * ROUNDS)))
    enrolment_id = enrolment.id
    for module in made:
        typed = ("8", "6")
        statuses = [
            response.status_code
            for response in at_once(
                app,
                *(
                    partial(post_register, browser, module, {enrolment_id: hours})
                    for browser, hours in zip(managers, typed, strict=True)
                ),
            )
        ]
        assert sorted(statuses) == [303, 409], statuses
        (row,) = rows_of(module.id)
        assert (str(row.hours), row.revision) == (f"{typed[statuses.index(303)]}.0", 1)
    assert len(audit_events("attendance.recorded")) == ROUNDS
    assert not audit_events("attendance.corrected")


def test_the_same_hours_saved_twice_at_once_are_recorded_once(
    app: Flask, managers: list[FlaskClient], cohort: Cohort, enrolment: Enrolment
) -> None:
    made = refs(modules(cohort, *(["8"] * ROUNDS)))
    enrolment_id = enrolment.id
    for module in made:
        # A double click, or two managers typing the same hours.
        responses = at_once(
            app, *(partial(post_register, b, module, {enrolment_id: "7.5"}) for b in managers)
        )
        assert [r.status_code for r in responses] == [303, 303]
        (row,) = rows_of(module.id)
        assert (row.hours, row.revision) == (Decimal("7.5"), 1)
    assert len(audit_events("attendance.recorded")) == ROUNDS


def test_two_managers_correcting_the_same_cell_at_once(
    app: Flask, managers: list[FlaskClient], cohort: Cohort, enrolment: Enrolment
) -> None:
    made = refs(modules(cohort, *(["8"] * ROUNDS)))
    enrolment_id = enrolment.id
    for module in made:
        assert post_register(managers[0], module, {enrolment_id: "8"}).status_code == 303
    for module in made:
        typed = ("4", "5")
        statuses = [
            r.status_code
            for r in at_once(
                app,
                *(
                    partial(post_register, b, module, {enrolment_id: hours}, {enrolment_id: 1})
                    for b, hours in zip(managers, typed, strict=True)
                ),
            )
        ]
        assert sorted(statuses) == [303, 409], statuses
        (row,) = rows_of(module.id)
        assert (str(row.hours), row.revision) == (f"{typed[statuses.index(303)]}.0", 2)
    assert len(audit_events("attendance.corrected")) == ROUNDS


def test_two_registers_that_together_complete_a_trainee(
    app: Flask, managers: list[FlaskClient], cohort: Cohort, manager: User
) -> None:
    """Neither module's hours alone reach the share; both at once do: the trainee is completed, once."""
    trainees = [another_trainee(cohort, f"Trainee {n}") for n in range(ROUNDS)]
    first, second = refs(modules(cohort, "5", "5"))  # 10 hours: 80 % is 8
    ids = [e.id for e in trainees]
    for enrolment_id in ids:
        responses = at_once(
            app,
            partial(post_register, managers[0], first, {enrolment_id: "4"}),
            partial(post_register, managers[1], second, {enrolment_id: "4"}),
        )
        assert [r.status_code for r in responses] == [303, 303]
        db.session.expire_all()
        assert db.session.get(Enrolment, enrolment_id).training_completed_at is not None
    completed = audit_events("enrolment.training_completed")
    assert sorted(e.object_id for e in completed) == sorted(ids)


def test_a_module_shortened_while_its_register_is_saved(
    app: Flask, managers: list[FlaskClient], cohort: Cohort, enrolment: Enrolment
) -> None:
    """One of the two is decided first; no recorded attendance ever exceeds its module's hours."""
    made = refs(modules(cohort, *(["8"] * ROUNDS)))
    enrolment_id = enrolment.id
    registered = 0
    for module in made:
        url = f"/programme/cohorts/{cohort.id}/modules/{module.id}"
        shorten = {
            "title": module.title,
            "hours": "4",
            "held_on": module.held_on.isoformat(),
            "revision": "1",
        }
        register, change = at_once(
            app,
            partial(post_register, managers[0], module, {enrolment_id: "7"}),
            partial(managers[1].post, url, data=shorten),
        )
        registered += register.status_code == 303
        db.session.expire_all()
        hours = db.session.get(TrainingModule, module.id).hours
        assert all(row.hours <= hours for row in rows_of(module.id))
        assert (register.status_code, change.status_code) in {(303, 422), (422, 303)}
    assert db.session.scalar(select(func.count(Attendance.id))) == registered


def test_a_double_click_on_add_module_adds_one(
    app: Flask, managers: list[FlaskClient], cohort: Cohort
) -> None:
    for n in range(ROUNDS):
        data = {"title": f"Modulo {n}", "hours": "4", "held_on": "2026-03-09"}
        url = f"/programme/cohorts/{cohort.id}/modules/new"
        responses = at_once(
            app, partial(managers[0].post, url, data=data), partial(managers[0].post, url, data=data)
        )
        assert [r.status_code for r in responses] == [303, 303]
    assert db.session.scalar(select(func.count(TrainingModule.id))) == ROUNDS
    assert len(audit_events("training_module.added")) == ROUNDS
