"""A cohort's training: its details and partners, its modules, the attendance register, and when the training
counts as completed (the rules in workbench/programme/training.py), with the audit of every change and what
the manager, the trainee and the pages show."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.programme.training_support import another_trainee, hours_of, modules, page, post_register, words
from tests.support import audit_events, error_fields, field_value, login_as, make_person, path_states
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.programme import training
from workbench.programme.models import Cohort, Enrolment
from workbench.programme.services import complete_training, create_cohort
from workbench.programme.training import (
    CohortDetails,
    ModuleDetails,
    add_module,
    change_cohort,
    change_module,
    progress_of,
    read_hours,
    remove_module,
    withdraw_completion,
)
from workbench.programme.training_models import Attendance, TrainingModule
from workbench.timeutil import utcnow

pytestmark = pytest.mark.usefixtures("english_readers")


def register_url(module: TrainingModule) -> str:
    return f"/programme/cohorts/{module.cohort_id}/modules/{module.id}/attendance"


def completed_at(enrolment: Enrolment):
    db.session.expire_all()
    return db.session.get(Enrolment, enrolment.id).training_completed_at


# --- hours as typed -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "symbol", "hours"),
    [
        ("8", ".", "8.0"),
        ("2.5", ".", "2.5"),
        ("2,5", ",", "2.5"),
        (" 4 ", ",", "4.0"),
        ("٢٫٥", ".", "2.5"),
        ("0", ".", "0.0"),
        ("-0", ".", "0.0"),
        ("7.50", ".", "7.5"),
    ],
)
def test_hours_are_read_as_people_type_them(app_context: None, typed: str, symbol: str, hours: str) -> None:
    assert str(read_hours(typed, symbol, most=Decimal("8"))) == hours


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "Enter the hours."),
        ("2.25", "At most one decimal"),
        ("-1", "Hours cannot be below zero."),
        ("8.5", "At most 8 hours."),
        ("1e3", "Enter the hours with digits only"),
        ("abc", "Enter the hours with digits only"),
        ("9" * 50, "Enter the hours with digits only"),
        ("99999999999999999999", "At most 8 hours."),
    ],
)
def test_hours_out_of_bounds_are_refused_with_a_reason(app_context: None, typed: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        read_hours(typed, ".", most=Decimal("8"))


# --- the cohort's details: partners and completion share ----------------------------------------------------


@pytest.mark.signed_in("manager")
def test_a_new_cohort_names_its_partners_and_its_completion_share(
    signed_in: FlaskClient, manager: User
) -> None:
    response = signed_in.post(
        "/programme/cohorts/new",
        data={
            "name": "Re-Lab Venezia 2027",
            "city": "Venezia",
            "partners": "  Comune di Venezia \r\n\r\nConsiglio Italiano per i Rifugiati\r\n",
            "completion_share": "75",
        },
    )
    assert response.status_code == 303
    made = db.session.scalars(select(Cohort)).one()
    assert made.partners == "Comune di Venezia\nConsiglio Italiano per i Rifugiati"
    assert made.partner_names == ["Comune di Venezia", "Consiglio Italiano per i Rifugiati"]
    assert made.completion_share == 75
    assert audit_events("cohort.created")[0].after["completion_share"] == 75
    html = page(signed_in.get(urlsplit(response.headers["Location"]).path))
    assert '<li dir="auto">Consiglio Italiano per i Rifugiati</li>' in html
    assert "75%" in html


@pytest.mark.signed_in("manager")
def test_a_new_cohort_without_a_share_completes_at_80_percent(signed_in: FlaskClient) -> None:
    signed_in.post("/programme/cohorts/new", data={"name": "A.Mi.C.I. Roma", "completion_share": ""})
    assert db.session.scalars(select(Cohort)).one().completion_share == 80


@pytest.mark.signed_in("manager")
@pytest.mark.parametrize("share", ["0", "101", "-5", "abc", "80.5"])
def test_a_share_outside_1_to_100_is_refused(signed_in: FlaskClient, share: str) -> None:
    response = signed_in.post(
        "/programme/cohorts/new", data={"name": "A.Mi.C.I. Roma", "completion_share": share}
    )
    assert response.status_code == 200
    assert error_fields(page(response)) == {"completion_share"}
    assert db.session.scalar(select(func.count(Cohort.id))) == 0


def test_the_database_refuses_a_share_outside_1_to_100(cohort: Cohort) -> None:
    for share in (0, 101):
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.execute(db.update(Cohort).where(Cohort.id == cohort.id).values(completion_share=share))


@pytest.mark.signed_in("manager")
def test_a_manager_changes_the_details_of_a_cohort(
    signed_in: FlaskClient, cohort: Cohort, manager: User
) -> None:
    form = page(signed_in.get(f"/programme/cohorts/{cohort.id}/edit"))
    assert field_value(form, "completion_share") == "80"
    response = signed_in.post(
        f"/programme/cohorts/{cohort.id}/edit",
        data={
            "city": "Mestre",
            "partners": "Micro Progress\nComune di Venezia",
            "completion_share": "70",
            "revision": "1",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert (cohort.city, cohort.partners, cohort.completion_share, cohort.revision) == (
        "Mestre",
        "Micro Progress\nComune di Venezia",
        70,
        2,
    )
    (event,) = audit_events("cohort.changed")
    assert event.actor_id == manager.id
    assert event.before == {"city": "Venezia", "partners": None, "completion_share": 80}
    assert event.after == {
        "city": "Mestre",
        "partners": "Micro Progress\nComune di Venezia",
        "completion_share": 70,
        "revision": 2,
    }
    # The same form again (a double click) changes nothing.
    again = signed_in.post(
        f"/programme/cohorts/{cohort.id}/edit",
        data={"city": "Mestre", "partners": "Micro Progress\nComune di Venezia", "completion_share": "70"}
        | {"revision": "1"},
    )
    assert again.status_code == 303
    assert len(audit_events("cohort.changed")) == 1


@pytest.mark.signed_in("manager")
def test_a_change_from_an_older_page_keeps_what_was_typed_and_changes_nothing(
    signed_in: FlaskClient, cohort: Cohort, manager: User
) -> None:
    change_cohort(
        cohort, CohortDetails("Venezia", None, None, "Comune di Venezia", 80), seen_revision=1, actor=manager
    )
    db.session.commit()
    response = signed_in.post(
        f"/programme/cohorts/{cohort.id}/edit",
        data={"city": "Venezia", "partners": "Micro Progress", "completion_share": "90", "revision": "1"},
    )
    assert response.status_code == 409
    html = page(response)
    assert "Another manager changed this cohort since you opened it" in html
    assert "Micro Progress</textarea>" in html
    assert field_value(html, "completion_share") == "90"
    assert 'name="revision" type="hidden" value="2"' in html
    db.session.expire_all()
    assert (cohort.partners, cohort.completion_share) == ("Comune di Venezia", 80)


@pytest.mark.signed_in("manager")
@pytest.mark.parametrize("share", ["", "0", "101"])
def test_the_share_of_a_cohort_stays_between_1_and_100(
    signed_in: FlaskClient, cohort: Cohort, share: str
) -> None:
    response = signed_in.post(
        f"/programme/cohorts/{cohort.id}/edit", data={"completion_share": share, "revision": "1"}
    )
    assert response.status_code == 422
    assert error_fields(page(response)) == {"completion_share"}
    assert "Enter a whole percentage from 1 to 100." in page(response)


# --- modules ------------------------------------------------------------------------------------------------


@pytest.mark.signed_in("manager")
def test_a_manager_adds_a_module(signed_in: FlaskClient, cohort: Cohort, manager: User) -> None:
    assert signed_in.get(f"/programme/cohorts/{cohort.id}/modules/new").status_code == 200
    data = {"title": "  Genera la tua  idea d'impresa ", "hours": "2.5", "held_on": "2026-03-09"}
    response = signed_in.post(f"/programme/cohorts/{cohort.id}/modules/new", data=data)
    assert response.status_code == 303
    module = db.session.scalars(select(TrainingModule)).one()
    assert (module.title, module.hours, module.held_on) == (
        "Genera la tua idea d'impresa",
        Decimal("2.5"),
        date(2026, 3, 9),
    )
    (event,) = audit_events("training_module.added")
    assert (event.object_id, event.actor_id) == (module.id, manager.id)
    assert event.after == {
        "cohort_id": cohort.id,
        "title": "Genera la tua idea d'impresa",
        "hours": "2.5",
        "held_on": "2026-03-09",
    }
    # A double click adds it once, without an error.
    assert signed_in.post(f"/programme/cohorts/{cohort.id}/modules/new", data=data).status_code == 303
    assert db.session.scalar(select(func.count(TrainingModule.id))) == 1
    assert len(audit_events("training_module.added")) == 1
    html = page(signed_in.get(f"/programme/cohorts/{cohort.id}"))
    assert "Genera la tua idea d&#39;impresa" in signed_in.get(f"/programme/cohorts/{cohort.id}").get_data(
        as_text=True
    )
    assert "1 modules, 2.5 hours in all" in html


@pytest.mark.signed_in("manager")
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "Give the module a title."),
        ({"title": "x" * 161}, "title", "161"),
        ({"hours": "0"}, "hours", "A module lasts more than 0 hours."),
        ({"hours": "2.25"}, "hours", "At most one decimal"),
        ({"hours": "201"}, "hours", "At most 200 hours."),
        ({"hours": ""}, "hours", "Enter the hours."),
        ({"held_on": ""}, "held_on", ""),
    ],
)
def test_a_module_needs_a_title_hours_and_a_day(
    signed_in: FlaskClient, cohort: Cohort, changes: dict, field: str, message: str
) -> None:
    data = {"title": "Il mercato e i clienti", "hours": "6", "held_on": "2026-03-16"} | changes
    response = signed_in.post(f"/programme/cohorts/{cohort.id}/modules/new", data=data)
    assert response.status_code == 422
    html = page(response)
    assert error_fields(html) == {field}
    if field == "title" and message == "161":
        assert "Field cannot be longer than 160 characters." in html
    else:
        assert message in html
    if field != "hours":
        assert field_value(html, "hours") == data["hours"]  # what was typed stays
    assert db.session.scalar(select(func.count(TrainingModule.id))) == 0


def test_another_module_with_the_same_title_is_refused(cohort: Cohort) -> None:
    add_module(cohort, ModuleDetails("Il mercato", Decimal("6"), date(2026, 3, 16)), None)
    with pytest.raises(DomainError) as refused:
        add_module(cohort, ModuleDetails("Il mercato", Decimal("4"), date(2026, 3, 16)), None)
    assert refused.value.errors == {"title": "This cohort already has a module called Il mercato."}
    # The same title in another cohort is another module.
    other = create_cohort(name="A.Mi.C.I. Roma", city=None, starts_on=None, ends_on=None, actor=None)
    add_module(other, ModuleDetails("Il mercato", Decimal("4"), date(2026, 3, 16)), None)


@pytest.mark.signed_in("manager")
def test_a_manager_changes_a_module(signed_in: FlaskClient, cohort: Cohort, manager: User) -> None:
    (module,) = modules(cohort, "8")
    url = f"/programme/cohorts/{cohort.id}/modules/{module.id}"
    assert field_value(page(signed_in.get(url)), "hours") == "8"
    response = signed_in.post(
        url, data={"title": "Module 1", "hours": "7.5", "held_on": "2026-03-10", "revision": "1"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert (module.hours, module.held_on, module.revision) == (Decimal("7.5"), date(2026, 3, 10), 2)
    (event,) = audit_events("training_module.changed")
    assert event.before == {"hours": "8.0", "held_on": "2026-03-09"}
    assert event.after == {"hours": "7.5", "held_on": "2026-03-10", "revision": 2}
    # From a page that showed revision 1: refused, what was typed kept.
    stale = signed_in.post(
        url, data={"title": "Module uno", "hours": "6", "held_on": "2026-03-10", "revision": "1"}
    )
    assert stale.status_code == 409
    html = page(stale)
    assert "Another manager changed this module since you opened it" in html
    assert field_value(html, "title") == "Module uno"
    db.session.expire_all()
    assert module.title == "Module 1"


@pytest.mark.signed_in("manager")
def test_a_module_cannot_be_shorter_than_what_was_attended(
    signed_in: FlaskClient, cohort: Cohort, enrolment: Enrolment
) -> None:
    (module,) = modules(cohort, "8")
    assert post_register(signed_in, module, {enrolment.id: "6"}).status_code == 303
    url = f"/programme/cohorts/{cohort.id}/modules/{module.id}"
    assert "its hours cannot go below the most attended, 6" in page(signed_in.get(url))
    response = signed_in.post(
        url, data={"title": "Module 1", "hours": "5.5", "held_on": "2026-03-09", "revision": "1"}
    )
    assert response.status_code == 422
    assert error_fields(page(response)) == {"hours"}
    assert "A trainee attended 6 hours of this module: it cannot be shorter." in page(response)
    assert (
        signed_in.post(
            url, data={"title": "Module 1", "hours": "6", "held_on": "2026-03-09", "revision": "1"}
        ).status_code
        == 303
    )
    db.session.expire_all()
    assert module.hours == Decimal("6")


@pytest.mark.signed_in("manager")
def test_a_module_without_attendance_is_removed_one_with_a_register_is_kept(
    signed_in: FlaskClient, cohort: Cohort, enrolment: Enrolment, manager: User
) -> None:
    held, planned = modules(cohort, "8", "4")
    planned_id = planned.id
    post_register(signed_in, held, {enrolment.id: "0"})
    cohort_page = page(signed_in.get(f"/programme/cohorts/{cohort.id}"))
    assert f"/modules/{planned.id}/remove" in cohort_page
    assert f"/modules/{held.id}/remove" not in cohort_page
    assert "1 trainee recorded" in cohort_page

    response = signed_in.post(f"/programme/cohorts/{cohort.id}/modules/{planned.id}/remove")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(TrainingModule).where(TrainingModule.id == planned_id)) is None
    (event,) = audit_events("training_module.removed")
    assert (event.object_id, event.actor_id) == (planned_id, manager.id)
    assert event.before == {
        "cohort_id": cohort.id,
        "title": "Module 2",
        "hours": "4.0",
        "held_on": "2026-03-16",
    }
    # A double click: the module is gone already; nothing else happens.
    assert signed_in.post(f"/programme/cohorts/{cohort.id}/modules/{planned_id}/remove").status_code == 404

    refused = signed_in.post(
        f"/programme/cohorts/{cohort.id}/modules/{held.id}/remove", follow_redirects=True
    )
    assert "Attendance is recorded for Module 1: a module with a register cannot be removed." in page(refused)
    assert db.session.get(TrainingModule, held.id) is not None
    with pytest.raises(DomainError):
        remove_module(db.session.get(TrainingModule, held.id), manager)


@pytest.mark.signed_in("manager")
def test_a_module_of_another_cohort_is_not_found_under_this_one(
    signed_in: FlaskClient, cohort: Cohort
) -> None:
    other = create_cohort(name="A.Mi.C.I. Roma", city=None, starts_on=None, ends_on=None, actor=None)
    (module,) = modules(other, "8")
    for url in (
        f"/programme/cohorts/{cohort.id}/modules/{module.id}",
        f"/programme/cohorts/{cohort.id}/modules/{module.id}/attendance",
    ):
        assert signed_in.get(url).status_code == 404
    assert signed_in.post(f"/programme/cohorts/{cohort.id}/modules/{module.id}/remove").status_code == 404


# --- the register -------------------------------------------------------------------------------------------


@pytest.mark.signed_in("manager")
def test_a_register_records_and_corrects_each_trainees_hours(
    signed_in: FlaskClient, cohort: Cohort, enrolment: Enrolment, manager: User
) -> None:
    other = another_trainee(cohort)
    module, _second = modules(cohort, "8", "8")
    html = page(signed_in.get(register_url(module)))
    assert f'name="hours-{enrolment.id}" value=""' in html
    assert f'name="revision-{enrolment.id}" value="0"' in html

    response = post_register(signed_in, module, {enrolment.id: "8", other.id: ""})
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == register_url(module)
    row = hours_of(module, enrolment)
    assert (row.hours, row.revision, row.recorded_by_id) == (Decimal("8.0"), 1, manager.id)
    assert hours_of(module, other) is None  # left empty: not recorded yet
    (event,) = audit_events("attendance.recorded")
    assert event.after == {"module_id": module.id, "enrolment_id": enrolment.id, "hours": "8.0"}
    shown = page(signed_in.get(register_url(module)))
    assert f'name="hours-{enrolment.id}" value="8"' in shown
    assert f'name="revision-{enrolment.id}" value="1"' in shown

    response = post_register(signed_in, module, {enrolment.id: "6.5", other.id: "0"}, {enrolment.id: 1})
    assert response.status_code == 303
    assert hours_of(module, enrolment).hours == Decimal("6.5")
    assert hours_of(module, other).hours == Decimal("0")
    (corrected,) = audit_events("attendance.corrected")
    assert corrected.before == {"hours": "8.0"}
    assert corrected.after == {"module_id": module.id, "enrolment_id": enrolment.id, "hours": "6.5"}
    # The same register again records nothing.
    again = post_register(
        signed_in, module, {enrolment.id: "6.5", other.id: "0"}, {enrolment.id: 2, other.id: 1}
    )
    assert again.status_code == 303
    assert "Nothing to save" in page(signed_in.get(register_url(module)))
    assert len(audit_events("attendance.recorded")) == 2
    assert len(audit_events("attendance.corrected")) == 1


@pytest.mark.signed_in("manager")
@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("9", "At most 8 hours."),
        ("-1", "Hours cannot be below zero."),
        ("2.25", "At most one decimal"),
        ("otto", "Enter the hours with digits only"),
        ("1e1", "Enter the hours with digits only"),
    ],
)
def test_a_refused_cell_saves_nothing_and_says_why_at_the_cell(
    signed_in: FlaskClient, cohort: Cohort, enrolment: Enrolment, typed: str, reason: str
) -> None:
    other = another_trainee(cohort)
    (module,) = modules(cohort, "8")
    response = post_register(signed_in, module, {enrolment.id: typed, other.id: "8"})
    assert response.status_code == 422
    html = page(response)
    assert re.findall(r'<p class="error" id="([\w-]+)-error">', html) == [f"hours-{enrolment.id}"]
    assert reason in html
    assert f'name="hours-{enrolment.id}" value="{typed}"' in html  # what was typed stays
    assert f'name="hours-{other.id}" value="8"' in html
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


@pytest.mark.signed_in("manager")
def test_a_recorded_attendance_is_corrected_not_emptied(
    signed_in: FlaskClient, cohort: Cohort, enrolment: Enrolment
) -> None:
    (module,) = modules(cohort, "8")
    post_register(signed_in, module, {enrolment.id: "8"})
    response = post_register(signed_in, module, {enrolment.id: ""}, {enrolment.id: 1})
    assert response.status_code == 422
    assert "A recorded attendance is corrected, not emptied: enter 0 if the trainee was absent." in page(
        response
    )
    assert hours_of(module, enrolment).hours == Decimal("8")


@pytest.mark.signed_in("manager")
def test_a_cell_recorded_meanwhile_is_not_saved_over(
    signed_in: FlaskClient, cohort: Cohort, enrolment: Enrolment, manager: User
) -> None:
    other = another_trainee(cohort)
    (module,) = modules(cohort, "8")
    colleague = make_person("sara.conti@example.org", [Role.MANAGER], "Sara Conti")
    training.save_register(module, [training.Cell(enrolment.id, Decimal("4"), 0)], colleague)
    db.session.commit()
    # This manager's page was loaded before Sara saved: it showed the cell empty (revision 0).
    response = post_register(signed_in, module, {enrolment.id: "8", other.id: "8"})
    assert response.status_code == 409
    html = page(response)
    assert "Nothing was saved" in html
    assert (
        "Sara Conti recorded 4 hours meanwhile; your 8 was not saved. Save again to replace theirs." in html
    )
    assert f'name="hours-{enrolment.id}" value="8"' in html
    assert f'name="revision-{enrolment.id}" value="1"' in html  # saving again replaces theirs
    assert hours_of(module, enrolment).hours == Decimal("4")
    assert hours_of(module, other) is None  # nothing of the register was saved
    again = post_register(signed_in, module, {enrolment.id: "8", other.id: "8"}, {enrolment.id: 1})
    assert again.status_code == 303
    assert hours_of(module, enrolment).hours == Decimal("8")
    assert hours_of(module, other).hours == Decimal("8")


def test_cells_of_trainees_of_another_cohort_are_ignored(
    cohort: Cohort, enrolment: Enrolment, manager: User
) -> None:
    (module,) = modules(cohort, "8")
    elsewhere = another_trainee(
        create_cohort(name="A.Mi.C.I. Roma", city=None, starts_on=None, ends_on=None, actor=None)
    )
    saved = training.save_register(
        module,
        [training.Cell(elsewhere.id, Decimal("8"), 0), training.Cell(987654, Decimal("8"), 0)],
        manager,
    )
    assert (saved.recorded, saved.corrected) == (0, 0)
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_the_database_keeps_one_row_per_module_and_trainee_not_below_zero(
    cohort: Cohort, enrolment: Enrolment, manager: User
) -> None:
    (module,) = modules(cohort, "8")
    training.save_register(module, [training.Cell(enrolment.id, Decimal("8"), 0)], manager)
    row = {"module_id": module.id, "enrolment_id": enrolment.id, "hours": Decimal("1"), "revision": 1}
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(db.insert(Attendance).values(**row, created_at=utcnow(), updated_at=utcnow()))
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(db.update(Attendance).values(hours=Decimal("-1")))


def test_the_service_checks_every_cell_again(cohort: Cohort, enrolment: Enrolment, manager: User) -> None:
    (module,) = modules(cohort, "8")
    name = f"hours-{enrolment.id}"
    for hours, reason in (
        (Decimal("8.5"), "At most the module's 8 hours."),
        (Decimal("-1"), "Hours cannot be below zero."),
        (Decimal("1.25"), "At most one decimal"),
    ):
        with pytest.raises(DomainError) as refused:
            training.save_register(module, [training.Cell(enrolment.id, hours, 0)], manager)
        assert reason in refused.value.errors[name]


# --- completion ---------------------------------------------------------------------------------------------


@pytest.mark.signed_in("manager")
def test_the_training_is_completed_when_the_hours_reach_the_share(
    signed_in: FlaskClient, cohort: Cohort, enrolment: Enrolment, manager: User
) -> None:
    other = another_trainee(cohort)
    first, second, third = modules(cohort, "8", "8", "4")  # 20 hours: 80 % is 16
    post_register(signed_in, first, {enrolment.id: "8", other.id: "8"})
    assert completed_at(enrolment) is None
    response = post_register(signed_in, second, {enrolment.id: "8", other.id: "7.9"})
    assert completed_at(enrolment) is not None  # 16 of 20: exactly the share
    assert completed_at(other) is None  # 15.9
    assert "Fatou Ndiaye has completed the training." in page(signed_in.get(response.headers["Location"]))
    (event,) = audit_events("enrolment.training_completed")
    assert (event.object_id, event.actor_id) == (enrolment.id, manager.id)
    assert event.before == {"training_completed_at": None}
    assert event.after["attended_hours"] == "16.0"
    assert event.after["total_hours"] == "20.0"
    assert event.after["completion_share"] == 80
    post_register(signed_in, third, {enrolment.id: "4", other.id: "0.1"})
    assert completed_at(other) is not None
    assert len(audit_events("enrolment.training_completed")) == 2


def test_progress_counts_what_is_recorded_against_every_module(
    cohort: Cohort, enrolment: Enrolment, manager: User
) -> None:
    first, _second = modules(cohort, "8", "4.5")
    training.save_register(first, [training.Cell(enrolment.id, Decimal("6"), 0)], manager)
    progress = progress_of(enrolment)
    assert (progress.total_hours, progress.attended_hours, progress.needed_hours) == (
        Decimal("12.5"),
        Decimal("6.0"),
        Decimal("10"),
    )
    assert [m.hours for m in progress.modules] == [Decimal("6.0"), None]
    assert not progress.reached


@pytest.mark.signed_in("manager")
def test_a_completion_stays_when_attendance_drops_below_and_a_manager_withdraws_it(
    signed_in: FlaskClient, cohort: Cohort, enrolment: Enrolment, manager: User
) -> None:
    (module,) = modules(cohort, "10")
    post_register(signed_in, module, {enrolment.id: "9"})
    first = completed_at(enrolment)
    assert first is not None
    withdraw = f"/programme/enrolments/{enrolment.id}/training-withdrawn"
    assert withdraw not in page(signed_in.get(f"/programme/cohorts/{cohort.id}"))
    # While the hours reach the share, a withdrawal is refused: the register would only set it again.
    refused = signed_in.post(withdraw, follow_redirects=True)
    assert (
        "Fatou Ndiaye attended 9 of 10 hours, which reaches the 80% needed: correct the register first."
        in page(refused)
    )
    assert completed_at(enrolment) == first

    post_register(signed_in, module, {enrolment.id: "5"}, {enrolment.id: 1})
    assert completed_at(enrolment) == first  # never taken back by itself
    cohort_page = page(signed_in.get(f"/programme/cohorts/{cohort.id}"))
    assert "the recorded hours are now below the share needed" in cohort_page
    assert withdraw in cohort_page

    response = signed_in.post(withdraw)
    assert response.status_code == 303
    assert completed_at(enrolment) is None
    (event,) = audit_events("enrolment.training_completion_withdrawn")
    assert (event.object_id, event.actor_id) == (enrolment.id, manager.id)
    assert event.before == {"training_completed_at": first.isoformat()}
    assert event.after == {
        "training_completed_at": None,
        "attended_hours": "5.0",
        "total_hours": "10.0",
        "completion_share": 80,
    }
    # A double click withdraws nothing more.
    assert signed_in.post(withdraw).status_code == 303
    assert len(audit_events("enrolment.training_completion_withdrawn")) == 1
    # The trainee's path follows.
    login_as(signed_in, enrolment.user)
    assert path_states(page(signed_in.get("/path")))[:2] == ["done", "next"]


def test_adding_a_module_or_raising_the_share_takes_no_completion_back(
    cohort: Cohort, enrolment: Enrolment, manager: User
) -> None:
    (module,) = modules(cohort, "10")
    training.save_register(module, [training.Cell(enrolment.id, Decimal("8"), 0)], manager)
    assert completed_at(enrolment) is not None
    modules_after = add_module(cohort, ModuleDetails("Another", Decimal("10"), date(2026, 4, 1)), manager)
    change_cohort(cohort, CohortDetails("Venezia", None, None, None, 100), seen_revision=1, actor=manager)
    db.session.commit()
    assert modules_after.id
    assert completed_at(enrolment) is not None
    assert not progress_of(db.session.get(Enrolment, enrolment.id)).reached


@pytest.mark.signed_in("manager")
def test_lowering_the_share_completes_whoever_then_reaches_it(
    signed_in: FlaskClient, cohort: Cohort, enrolment: Enrolment, manager: User
) -> None:
    (module,) = modules(cohort, "10")
    post_register(signed_in, module, {enrolment.id: "7"})
    assert completed_at(enrolment) is None
    response = signed_in.post(
        f"/programme/cohorts/{cohort.id}/edit",
        data={"city": "Venezia", "completion_share": "70", "revision": "1"},
    )
    assert response.status_code == 303
    assert completed_at(enrolment) is not None
    (event,) = audit_events("enrolment.training_completed")
    assert event.after["completion_share"] == 70


def test_removing_or_shortening_a_module_completes_whoever_then_reaches_the_share(
    cohort: Cohort, enrolment: Enrolment, manager: User
) -> None:
    other = another_trainee(cohort)
    held, planned = modules(cohort, "8", "1")
    cells = [training.Cell(enrolment.id, Decimal("7"), 0), training.Cell(other.id, Decimal("6"), 0)]
    training.save_register(held, cells, manager)
    assert completed_at(enrolment) is None  # 7 of 9
    held = db.session.get(TrainingModule, held.id)
    change_module(
        held, ModuleDetails("Module 1", Decimal("7.5"), held.held_on), seen_revision=1, actor=manager
    )
    assert completed_at(enrolment) is not None  # 7 of 8.5: 82 %
    assert completed_at(other) is None  # 6 of 8.5
    remove_module(db.session.get(TrainingModule, planned.id), manager)
    assert completed_at(other) is not None  # 6 of 7.5: exactly 80 %


@pytest.mark.signed_in("manager")
def test_with_modules_the_manager_no_longer_marks_the_training_by_hand(
    signed_in: FlaskClient, cohort: Cohort, enrolment: Enrolment
) -> None:
    modules(cohort, "8")
    url = f"/programme/enrolments/{enrolment.id}/training-completed"
    assert url not in page(signed_in.get(f"/programme/cohorts/{cohort.id}"))
    response = signed_in.post(url, follow_redirects=True)
    assert (
        "Re-Lab Venezia 2026 has training modules: the training is completed through their attendance "
        "register." in page(response)
    )
    assert completed_at(enrolment) is None


def test_a_completion_is_recorded_once_whoever_sets_it(
    cohort: Cohort, enrolment: Enrolment, manager: User
) -> None:
    assert complete_training(enrolment, manager) is True
    assert complete_training(db.session.get(Enrolment, enrolment.id), manager) is False
    assert len(audit_events("enrolment.training_completed")) == 1


def test_a_manual_completion_can_be_withdrawn_in_a_cohort_without_modules(
    cohort: Cohort, enrolment: Enrolment, manager: User
) -> None:
    complete_training(enrolment, manager)
    assert withdraw_completion(enrolment, manager) is True
    assert completed_at(enrolment) is None
    assert audit_events("enrolment.training_completion_withdrawn")[0].after == {"training_completed_at": None}


# --- what the trainee and the manager read ------------------------------------------------------------------


def test_the_trainee_sees_their_own_attendance_on_their_path(
    app: Flask, client: FlaskClient, cohort: Cohort, enrolment: Enrolment, trainee: User, manager: User
) -> None:
    other = another_trainee(cohort)
    first, _second = modules(cohort, "8", "4.5")
    training.save_register(
        first,
        [training.Cell(enrolment.id, Decimal("6"), 0), training.Cell(other.id, Decimal("1"), 0)],
        manager,
    )
    db.session.commit()
    login_as(client, trainee)
    html = words(client.get("/path"))
    assert "Your training" in html
    assert "6 of 12.5 hours attended (48%)" in html
    assert "You complete the training when you have attended 80% of the 12.5 hours: 10 hours." in html
    assert "6 of 8" in html
    assert "not recorded yet" in html
    assert "1 of 8" not in html  # another trainee's hours are not theirs


def test_a_trainee_of_a_cohort_without_modules_sees_no_training_table(
    client: FlaskClient, trainee: User, enrolment: Enrolment
) -> None:
    login_as(client, trainee)
    assert "Your training" not in page(client.get("/path"))


@pytest.mark.signed_in("manager")
def test_the_person_page_shows_the_trainees_attendance(
    signed_in: FlaskClient, cohort: Cohort, trainee: User, enrolment: Enrolment, manager: User
) -> None:
    (module,) = modules(cohort, "8")
    training.save_register(module, [training.Cell(enrolment.id, Decimal("8"), 0)], manager)
    db.session.commit()
    html = words(signed_in.get(f"/programme/people/{trainee.id}"))
    assert "8 of 8 hours attended" in html
    assert "The training is completed at 80% of the 8 hours: 6.4 hours." in html
    assert "completed on" in html


@pytest.mark.signed_in("manager")
def test_a_cell_not_on_the_page_that_was_sent_is_left_as_it_is(
    signed_in: FlaskClient, cohort: Cohort, enrolment: Enrolment
) -> None:
    """A trainee enrolled after the page was loaded has no cell in the form: nothing is said about them."""
    (module,) = modules(cohort, "8")
    post_register(signed_in, module, {enrolment.id: "8"})
    late = another_trainee(cohort)
    response = post_register(signed_in, module, {late.id: "2"})
    assert response.status_code == 303
    assert hours_of(module, enrolment).hours == Decimal("8")
    assert hours_of(module, late).hours == Decimal("2")
