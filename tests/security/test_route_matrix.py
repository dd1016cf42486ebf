"""Every endpoint, for anonymous visitors and for each role, answers with the expected status.

An endpoint added without a row here fails test_every_endpoint_is_in_the_matrix, so no route slips through
unchecked. Requests carry no form data: the point is who gets in, not what the form does with input.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import login_as, make_person
from workbench.auth.roles import Role
from workbench.auth.services import issue_password_reset
from workbench.extensions import db
from workbench.plans.services import create_plan, submit_plan
from workbench.programme.services import assign_mentor

ROLES = ("anonymous", "trainee", "mentor", "officer", "manager")
LOGIN = 302  # anonymous visitors are sent to the login page
DENIED = 403

# endpoint -> method -> status for (anonymous, trainee, mentor, officer, manager)
MATRIX: dict[str, dict[str, tuple[int, int, int, int, int]]] = {
    "auth.index": {"GET": (302, 302, 302, 302, 302)},
    "auth.no_role": {"GET": (LOGIN, 200, 200, 200, 200)},
    "auth.login": {"GET": (200, 302, 302, 302, 302), "POST": (200, 302, 302, 302, 302)},
    "auth.logout": {"POST": (302, 302, 302, 302, 302)},
    "auth.register": {"GET": (200, 302, 302, 302, 302), "POST": (200, 302, 302, 302, 302)},
    "auth.reset_password": {"GET": (200, 200, 200, 200, 200), "POST": (200, 200, 200, 200, 200)},
    "auth.set_language": {"POST": (400, 400, 400, 400, 400)},
    # an empty form: the e-mail is missing (422); logged-in people are sent home
    "notifications.forgot_password": {"GET": (200, 302, 302, 302, 302), "POST": (422, 302, 302, 302, 302)},
    # an empty form: no choice made (422)
    "notifications.settings": {"GET": (LOGIN, 200, 200, 200, 200), "POST": (LOGIN, 422, 422, 422, 422)},
    "notifications.outbox_problems": {"GET": (LOGIN, DENIED, DENIED, DENIED, 200)},
    "programme.my_path": {"GET": (LOGIN, 200, DENIED, DENIED, DENIED)},
    "programme.overview": {"GET": (LOGIN, DENIED, DENIED, DENIED, 200)},
    "programme.new_cohort": {
        "GET": (LOGIN, DENIED, DENIED, DENIED, 200),
        "POST": (LOGIN, DENIED, DENIED, DENIED, 200),
    },
    "programme.cohort": {"GET": (LOGIN, DENIED, DENIED, DENIED, 200)},
    "programme.issue_invite_code": {"POST": (LOGIN, DENIED, DENIED, DENIED, 303)},
    "programme.complete_training": {"POST": (LOGIN, DENIED, DENIED, DENIED, 303)},
    "programme.people": {"GET": (LOGIN, DENIED, DENIED, DENIED, 200)},
    "programme.new_staff": {
        "GET": (LOGIN, DENIED, DENIED, DENIED, 200),
        "POST": (LOGIN, DENIED, DENIED, DENIED, 200),
    },
    "programme.person": {"GET": (LOGIN, DENIED, DENIED, DENIED, 200)},
    "programme.set_roles": {"POST": (LOGIN, DENIED, DENIED, DENIED, 422)},
    "programme.set_active": {"POST": (LOGIN, DENIED, DENIED, DENIED, 303)},
    "programme.reset_link": {"POST": (LOGIN, DENIED, DENIED, DENIED, 200)},
    # the trainee already has a mentor: an empty form keeps them
    "programme.assign_mentor": {"POST": (LOGIN, DENIED, DENIED, DENIED, 303)},
    "mentoring.mentees": {"GET": (LOGIN, DENIED, 200, DENIED, DENIED)},
    "mentoring.mentee": {"GET": (LOGIN, DENIED, 200, DENIED, 200)},
    # the trainee owns the plan (sent once for review); the mentor is assigned to the trainee
    "plans.index": {"GET": (LOGIN, 200, 200, DENIED, 200)},
    "plans.new": {"GET": (LOGIN, 200, DENIED, DENIED, DENIED), "POST": (LOGIN, 200, DENIED, DENIED, DENIED)},
    "plans.overview": {"GET": (LOGIN, 200, 200, DENIED, 200)},
    "plans.section": {"GET": (LOGIN, 200, 200, DENIED, 200), "POST": (LOGIN, 303, DENIED, DENIED, DENIED)},
    "plans.submit": {"POST": (LOGIN, 303, DENIED, DENIED, DENIED)},
    "plans.request_changes": {"POST": (LOGIN, DENIED, 422, DENIED, DENIED)},
    "plans.version": {"GET": (LOGIN, 200, 200, DENIED, 200)},
    "plans.compare": {"GET": (LOGIN, 200, 200, DENIED, 200)},
    # no revision posted: the numbers are not saved over the stored ones, the page comes back (409)
    "plans.numbers": {"POST": (LOGIN, 409, DENIED, DENIED, DENIED)},
    "plans.printable": {"GET": (LOGIN, 200, 200, DENIED, 200)},
    "plans.pdf": {"GET": (LOGIN, 200, 200, DENIED, 200)},
    "plans.projection_xlsx": {"GET": (LOGIN, 200, 200, DENIED, 200)},
    "plans.assumptions_json": {"GET": (LOGIN, 200, 200, DENIED, 200)},
    "plans.import_numbers": {
        "GET": (LOGIN, 200, DENIED, DENIED, DENIED),
        "POST": (LOGIN, 422, DENIED, DENIED, DENIED),
    },
    "lending.queue": {"GET": (LOGIN, DENIED, DENIED, 200, DENIED)},
}

IGNORED_ENDPOINTS = {"static"}
QUERY = {"plans.compare": {"old": 1, "new": 1}}
SECTION = {"plans.numbers": "startup"}
CASES = [
    (endpoint, method, role, statuses[ROLES.index(role)])
    for endpoint, methods in MATRIX.items()
    for method, statuses in methods.items()
    for role in ROLES
]


def test_every_endpoint_is_in_the_matrix(app: Flask) -> None:
    routed: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in IGNORED_ENDPOINTS:
            routed.setdefault(rule.endpoint, set()).update((rule.methods or set()) - {"HEAD", "OPTIONS"})
    checked = {endpoint: set(methods) for endpoint, methods in MATRIX.items()}
    assert routed == checked, "add every new endpoint and method to MATRIX with its expected statuses"


@pytest.mark.parametrize(
    ("endpoint", "method", "role", "expected"),
    CASES,
    ids=[f"{endpoint}-{method}-{role}" for endpoint, method, role, _ in CASES],
)
def test_access(
    app: Flask, client: FlaskClient, trainee, enrolment, endpoint: str, method: str, role: str, expected: int
) -> None:
    people = {"trainee": trainee}
    for name, email in (
        ("mentor", "m@example.org"),
        ("officer", "o@example.org"),
        ("manager", "g@example.org"),
    ):
        people[name] = make_person(email, [Role(name)])
    if role != "anonymous":
        login_as(client, people[role])
    token = issue_password_reset(trainee, None)
    assign_mentor(trainee, people["mentor"], None)
    plan = create_plan(owner=trainee, business_type="food", title="", from_example=True)
    db.session.flush()
    submit_plan(plan, trainee)
    db.session.commit()
    values = {
        "cohort_id": enrolment.cohort_id,
        "user_id": trainee.id,
        "enrolment_id": enrolment.id,
        "token": token,
        "plan_id": plan.id,
        "section_key": SECTION.get(endpoint, "about_you"),
        "number": 1,
    }
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **{arg: values[arg] for arg in rule.arguments}, **QUERY.get(endpoint, {}))
    response = client.open(url, method=method)
    assert response.status_code == expected, response.get_data(as_text=True)[:500]
    if expected == LOGIN and role == "anonymous" and endpoint not in {"auth.index", "auth.logout"}:
        assert "/login" in response.headers["Location"]
