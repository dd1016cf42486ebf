"""The fuzz suite's own instruments: what a request run in a forked child committed comes back with its
outcome, a rolled-back transaction or savepoint counts for nothing, and a NUL byte in a written value is
named. If these were blind, "a refused request changes no table" would pass whatever the app did."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.security import fuzzing as fz
from tests.support import login_as, make_person
from workbench.audit.services import record
from workbench.auth.models import AccountNotice, User
from workbench.auth.roles import Role
from workbench.extensions import db


def _in_child_with_tracking(work) -> tuple[frozenset[str], frozenset[str]]:
    def tracked():
        fz._committed["on"] = True
        work()
        return frozenset(fz._committed["tables"]), frozenset(fz._committed["nul"])

    finished, result = fz.in_child(tracked)
    assert finished
    return result


def test_a_committed_write_is_noted_and_a_rolled_back_one_is_not(app: Flask, app_context) -> None:
    person = make_person("machinery@example.org", [Role.TRAINEE])
    db.session.commit()
    user_id = person.id

    def work() -> None:
        db.session.add(AccountNotice(user_id=user_id, kind="rolled back"))
        db.session.flush()
        db.session.rollback()
        db.session.get(User, user_id).full_name = "Renamed"
        with db.session.begin_nested() as inner:
            db.session.add(AccountNotice(user_id=user_id, kind="in a savepoint"))
            db.session.flush()
            inner.rollback()
        db.session.commit()

    wrote, nul = _in_child_with_tracking(work)
    assert wrote == {"users"}  # the notices went with their transaction and their savepoint
    assert nul == frozenset()
    assert db.session.get(User, user_id).full_name == "Renamed"
    assert db.session.scalars(select(AccountNotice).where(AccountNotice.user_id == user_id)).all() == []


def test_a_nul_byte_written_and_committed_is_named(app: Flask, app_context) -> None:
    """In a JSON value (PostgreSQL's json keeps the escaped NUL; a text column there refuses it outright)."""
    person = make_person("machinery.nul@example.org", [Role.TRAINEE])
    db.session.commit()
    user_id = person.id

    def work() -> None:
        record("user.noted", db.session.get(User, user_id), None, after={"note": "a\x00b"})
        db.session.commit()

    wrote, nul = _in_child_with_tracking(work)
    assert wrote == {"audit_events"}
    [where] = nul
    assert where.startswith("audit_events.")


def test_a_request_reports_what_it_committed(app: Flask, app_context, client: FlaskClient) -> None:
    person = make_person("machinery.request@example.org", [Role.TRAINEE], locale="it")
    person_id = person.id
    login_as(client, person)
    db.session.close()

    refused = fz.send(client, "GET", "/mentees")  # a trainee has no mentees page
    assert (refused.status, refused.wrote) == (403, frozenset())

    changed = fz.send(client, "POST", "/language", data={"locale": "fr"})
    assert changed.status in {302, 303}
    assert "users" in changed.wrote
    assert db.session.get(User, person_id).locale == "fr"
