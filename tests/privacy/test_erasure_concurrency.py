"""Two managers (or a double click) confirm the same erasure at once: exactly one erasure runs, the other
hears that it was already carried out; two managers recording a request at once store one waiting request."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import func, select

from tests.concurrency import ROUNDS, at_once
from tests.privacy.privacy_support import person_everywhere, staff
from tests.support import login_as, make_person
from workbench.audit.models import AuditEvent
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.privacy import erasure
from workbench.privacy.models import ErasureRequest, ErasureStatus


def _browsers(app: Flask, people) -> list:
    colleague = make_person("sara.conti@example.org", [Role.MANAGER], "Sara Conti")
    browsers = []
    for person in (people["manager"], colleague):
        browser = app.test_client()
        login_as(browser, person)
        browsers.append(browser)
    return browsers


def test_two_managers_confirming_one_erasure_at_once_erase_once(app: Flask, app_context) -> None:
    people = staff()
    someone = person_everywhere(people, with_loan=True)
    browsers = _browsers(app, people)
    request = erasure.request_erasure(
        db.session.get(User, someone.id),
        reason="person_request",
        requested_on=date(2026, 12, 1),
        actor=people["manager"],
    )
    db.session.commit()
    url = f"/programme/people/{someone.id}/data-protection/erasure/{request.id}/confirm"
    responses = at_once(
        app, *(lambda b=b: b.post(url, data={"confirm_email": someone.email}) for b in browsers)
    )
    assert sorted(r.status_code for r in responses) == [303, 303]
    messages = [browser.get(f"/programme/people/{someone.id}/data-protection").data for browser in browsers]
    assert sum(b"already carried out" in page for page in messages) == 1
    assert sum(b"The person was erased" in page for page in messages) == 1
    done = db.session.get(ErasureRequest, request.id)
    assert done.status == ErasureStatus.ERASED
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "person.erased")) == 1
    assert db.session.scalar(select(func.count()).select_from(db.metadata.tables["erasure_in_progress"])) == 0


def test_two_managers_recording_a_request_at_once_store_one(app: Flask, app_context) -> None:
    people = staff()
    browsers = _browsers(app, people)
    data = {"reason": "person_request", "requested_on": "2026-12-01"}
    for n in range(ROUNDS):
        trainee = make_person(f"awa.request{n}@example.org", [Role.TRAINEE], f"Awa Request {n}")
        url = f"/programme/people/{trainee.id}/data-protection/erasure"
        responses = at_once(app, *(lambda b=b, url=url: b.post(url, data=data) for b in browsers))
        assert sorted(r.status_code for r in responses) == [303, 422]
        count = select(func.count(ErasureRequest.id)).where(ErasureRequest.person_id == trainee.id)
        assert db.session.scalar(count) == 1
