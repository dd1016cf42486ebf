"""Every endpoint, for anonymous visitors and for each role, answers with the expected status.

An endpoint added without a row here fails test_every_endpoint_is_in_the_matrix, so no route slips through
unchecked. Requests carry no form data: the point is who gets in, not what the form does with input.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import endorsed_version
from tests.support import login_as, make_person
from workbench.auth.roles import Role
from workbench.auth.services import issue_password_reset
from workbench.extensions import db
from workbench.lending.applications import Request as ApplicationRequest
from workbench.lending.applications import apply_for_credit, propose_decision
from workbench.lending.bank_import import store_preview
from workbench.lending.products import DEMO_PRODUCT, create_product
from workbench.lending.rules import add_limit
from workbench.lending.scorecard import JUDGED, Rating, score_application
from workbench.lending.services import record_disbursement
from workbench.mentoring.comments import Anchor, new_token, start_thread
from workbench.mentoring.milestone_models import Milestone, MilestoneTemplate
from workbench.mentoring.sessions import SessionDetails, new_submission_key
from workbench.mentoring.sessions import log_session as log_tutoring_session
from workbench.plans.services import create_plan, submit_plan
from workbench.privacy.erasure import request_erasure
from workbench.programme.pathway import (
    add_goal,
    add_service,
    new_spending_key,
    record_spending,
    set_grant,
)
from workbench.programme.services import assign_mentor
from workbench.programme.training import Cell, ModuleDetails, add_module, save_register
from workbench.timeutil import programme_today

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
    # the cohort has modules: the manager's button is refused with a message (303 back to the cohort)
    "programme.complete_training": {"POST": (LOGIN, DENIED, DENIED, DENIED, 303)},
    # the cohort's details, modules and registers: managers only; empty forms are refused at their fields
    # (422); the module has attendance recorded, so removing it is refused with a message (303); the register
    # posted empty changes nothing (303); the trainee's training is not completed, so nothing is withdrawn
    "programme.edit_cohort": {
        "GET": (LOGIN, DENIED, DENIED, DENIED, 200),
        "POST": (LOGIN, DENIED, DENIED, DENIED, 422),
    },
    "programme.new_module": {
        "GET": (LOGIN, DENIED, DENIED, DENIED, 200),
        "POST": (LOGIN, DENIED, DENIED, DENIED, 422),
    },
    "programme.edit_module": {
        "GET": (LOGIN, DENIED, DENIED, DENIED, 200),
        "POST": (LOGIN, DENIED, DENIED, DENIED, 422),
    },
    "programme.remove_module": {"POST": (LOGIN, DENIED, DENIED, DENIED, 303)},
    "programme.attendance": {
        "GET": (LOGIN, DENIED, DENIED, DENIED, 200),
        "POST": (LOGIN, DENIED, DENIED, DENIED, 303),
    },
    "programme.withdraw_completion": {"POST": (LOGIN, DENIED, DENIED, DENIED, 303)},
    # the trainee's individual pathway: managers post, empty forms are refused at their fields (422)
    "programme.add_goal": {"POST": (LOGIN, DENIED, DENIED, DENIED, 422)},
    "programme.goal_status": {"POST": (LOGIN, DENIED, DENIED, DENIED, 422)},
    "programme.add_service": {"POST": (LOGIN, DENIED, DENIED, DENIED, 422)},
    "programme.service_status": {"POST": (LOGIN, DENIED, DENIED, DENIED, 422)},
    "programme.set_grant": {"POST": (LOGIN, DENIED, DENIED, DENIED, 422)},
    "programme.add_spending": {"POST": (LOGIN, DENIED, DENIED, DENIED, 422)},
    "programme.reverse_spending": {"POST": (LOGIN, DENIED, DENIED, DENIED, 422)},
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
    # no mentor chosen: the form comes back with the error
    "programme.add_mentor": {"POST": (LOGIN, DENIED, DENIED, DENIED, 422)},
    # the trainee's only (primary) mentor stops accompanying them
    "programme.end_mentor": {"POST": (LOGIN, DENIED, DENIED, DENIED, 303)},
    # an empty form asks for no details, as the trainee has none: nothing changes (303, a message)
    "programme.set_profile": {"POST": (LOGIN, DENIED, DENIED, DENIED, 303)},
    # the audit log and its exports: managers only
    "programme.audit_log": {"GET": (LOGIN, DENIED, DENIED, DENIED, 200)},
    "programme.audit_log_csv": {"GET": (LOGIN, DENIED, DENIED, DENIED, 200)},
    "programme.audit_log_xlsx": {"GET": (LOGIN, DENIED, DENIED, DENIED, 200)},
    # data protection: managers only; the ZIP is a POST (the download is recorded); a request is waiting, so
    # empty request and confirmation forms are refused at their fields (422), and cancelling it works (303)
    "privacy.person_data": {"GET": (LOGIN, DENIED, DENIED, DENIED, 200)},
    "privacy.export": {"POST": (LOGIN, DENIED, DENIED, DENIED, 200)},
    "privacy.request_erasure": {"POST": (LOGIN, DENIED, DENIED, DENIED, 422)},
    "privacy.confirm_erasure": {"POST": (LOGIN, DENIED, DENIED, DENIED, 422)},
    "privacy.cancel_erasure": {"POST": (LOGIN, DENIED, DENIED, DENIED, 303)},
    # the funnel and its exports (gender and country filters): managers only
    "outcomes.funnel": {"GET": (LOGIN, DENIED, DENIED, DENIED, 200)},
    "outcomes.funnel_csv": {"GET": (LOGIN, DENIED, DENIED, DENIED, 200)},
    "outcomes.funnel_xlsx": {"GET": (LOGIN, DENIED, DENIED, DENIED, 200)},
    "mentoring.mentees": {"GET": (LOGIN, DENIED, 200, DENIED, DENIED)},
    "mentoring.mentee": {"GET": (LOGIN, DENIED, 200, DENIED, 200)},
    # the mentor held the session with the trainee; an empty form is refused at its fields
    "mentoring.log_session": {
        "GET": (LOGIN, DENIED, 200, DENIED, DENIED),
        "POST": (LOGIN, DENIED, 422, DENIED, DENIED),
    },
    "mentoring.edit_session": {
        "GET": (LOGIN, DENIED, 200, DENIED, DENIED),
        "POST": (LOGIN, DENIED, 422, DENIED, DENIED),
    },
    "mentoring.my_sessions": {"GET": (LOGIN, 200, DENIED, DENIED, DENIED)},
    # the trainee is the borrower, the mentor is theirs
    "mentoring.loan_tutoring": {"GET": (LOGIN, 200, 200, 200, 200)},
    # the milestone is the trainee's Chamber of Commerce registration (theirs to mark done), pending; the
    # posts carry no form data, so whoever may act gets the form back with its errors (422)
    "mentoring.my_milestones": {"GET": (LOGIN, 200, DENIED, DENIED, DENIED)},
    "mentoring.milestone": {"GET": (LOGIN, 200, 200, DENIED, 200)},
    "mentoring.milestone_done": {"POST": (LOGIN, 422, 422, DENIED, DENIED)},
    "mentoring.milestone_waive": {"POST": (LOGIN, DENIED, 422, DENIED, 422)},
    "mentoring.milestone_sign_off": {"POST": (LOGIN, DENIED, 422, DENIED, DENIED)},
    "mentoring.milestone_reopen": {"POST": (LOGIN, DENIED, 422, DENIED, 422)},
    "mentoring.overdue_milestones": {"GET": (LOGIN, DENIED, 200, DENIED, 200)},
    "mentoring.overdue_summary": {"GET": (LOGIN, DENIED, DENIED, DENIED, 200)},
    "mentoring.milestone_templates": {"GET": (LOGIN, DENIED, DENIED, DENIED, 200)},
    "mentoring.new_milestone_template": {
        "GET": (LOGIN, DENIED, DENIED, DENIED, 200),
        "POST": (LOGIN, DENIED, DENIED, DENIED, 422),
    },
    "mentoring.edit_milestone_template": {
        "GET": (LOGIN, DENIED, DENIED, DENIED, 200),
        "POST": (LOGIN, DENIED, DENIED, DENIED, 422),
    },
    # no revision posted: nothing changes, the list comes back with a message
    "mentoring.milestone_template_active": {"POST": (LOGIN, DENIED, DENIED, DENIED, 303)},
    # comments on the trainee's plan: the owner and the mentor write, the manager reads. An empty form is
    # refused (422); a resolve or reopen without the state it was made from changes nothing (303, a message).
    "mentoring.draft_comments": {
        "GET": (LOGIN, 200, 200, DENIED, 200),
        "POST": (LOGIN, 422, 422, DENIED, DENIED),
    },
    "mentoring.version_comments": {
        "GET": (LOGIN, 200, 200, DENIED, 200),
        "POST": (LOGIN, 422, 422, DENIED, DENIED),
    },
    "mentoring.reply": {"POST": (LOGIN, 422, 422, DENIED, DENIED)},
    # the mentor started the thread: the trainee may reopen it but not resolve it
    "mentoring.resolve": {"POST": (LOGIN, DENIED, 303, DENIED, DENIED)},
    "mentoring.reopen": {"POST": (LOGIN, 303, 303, DENIED, DENIED)},
    "mentoring.inbox": {"GET": (LOGIN, 200, 200, 200, 200)},
    # the trainee owns the plan (sent once for review); the mentor is assigned to the trainee
    "plans.index": {"GET": (LOGIN, 200, 200, DENIED, 200)},
    "plans.new": {"GET": (LOGIN, 200, DENIED, DENIED, DENIED), "POST": (LOGIN, 200, DENIED, DENIED, DENIED)},
    "plans.overview": {"GET": (LOGIN, 200, 200, DENIED, 200)},
    "plans.section": {"GET": (LOGIN, 200, 200, DENIED, 200), "POST": (LOGIN, 303, DENIED, DENIED, DENIED)},
    "plans.submit": {"POST": (LOGIN, 303, DENIED, DENIED, DENIED)},
    "plans.request_changes": {"POST": (LOGIN, DENIED, 422, DENIED, DENIED)},
    "plans.endorse": {"POST": (LOGIN, DENIED, 422, DENIED, DENIED)},
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
    "lending.queue": {"GET": (LOGIN, DENIED, DENIED, 200, 200)},
    # the trainee's plan is sent, not endorsed: the page says so (200); an empty post is refused (422)
    "lending.apply": {
        "GET": (LOGIN, 200, DENIED, DENIED, DENIED),
        "POST": (LOGIN, 422, DENIED, DENIED, DENIED),
    },
    "lending.my_applications": {"GET": (LOGIN, 200, DENIED, DENIED, DENIED)},
    # an application of another trainee, with a proposal by a third officer: the trainee may not see it (404)
    "lending.application": {"GET": (LOGIN, 404, DENIED, 200, 200)},
    # empty forms: errors at the fields (422)
    "lending.score": {"POST": (LOGIN, DENIED, DENIED, 422, DENIED)},
    "lending.propose": {"POST": (LOGIN, DENIED, DENIED, 422, DENIED)},
    "lending.disburse": {"POST": (LOGIN, DENIED, DENIED, 422, DENIED)},
    # the officer or the manager confirms the third officer's proposal (303 back to the application); an
    # empty decline has no reason (422)
    "lending.confirm_proposal": {"POST": (LOGIN, DENIED, DENIED, 303, 303)},
    "lending.decline_proposal": {"POST": (LOGIN, DENIED, DENIED, 422, 422)},
    # the trainee borrowed on the sent version (paid out two months ago); the mentor is assigned to them
    "lending.loan": {"GET": (LOGIN, 200, 200, 200, 200)},
    # officers post repayments and reversals: an empty form comes back with its errors
    "lending.post_payment": {"POST": (LOGIN, DENIED, DENIED, 422, DENIED)},
    "lending.reverse": {"POST": (LOGIN, DENIED, DENIED, 422, DENIED)},
    # officers propose a write-off or a reschedule (managers only confirm): an empty form comes back with
    # its errors; confirming and declining a loan proposal goes through lending.confirm_proposal / decline
    "lending.propose_write_off": {"POST": (LOGIN, DENIED, DENIED, 422, DENIED)},
    "lending.propose_reschedule": {"POST": (LOGIN, DENIED, DENIED, 422, DENIED)},
    "lending.bank_imports": {
        "GET": (LOGIN, DENIED, DENIED, 200, DENIED),
        "POST": (LOGIN, DENIED, DENIED, 422, DENIED),
    },
    # a stored preview without matched rows: posting it posts nothing and shows the preview again
    "lending.bank_import_preview": {"GET": (LOGIN, DENIED, DENIED, 200, DENIED)},
    "lending.post_bank_import": {"POST": (LOGIN, DENIED, DENIED, 303, DENIED)},
    "lending.trial_balance": {"GET": (LOGIN, DENIED, DENIED, 200, 200)},
    "lending.journal_csv": {"GET": (LOGIN, DENIED, DENIED, 200, 200)},
    "lending.journal_xlsx": {"GET": (LOGIN, DENIED, DENIED, 200, 200)},
    # lending settings: managers only; an empty form is refused at its fields (422), a switch-off without
    # the revision it was made from changes nothing (303, a message)
    "lending.products": {"GET": (LOGIN, DENIED, DENIED, DENIED, 200)},
    "lending.new_product": {
        "GET": (LOGIN, DENIED, DENIED, DENIED, 200),
        "POST": (LOGIN, DENIED, DENIED, DENIED, 422),
    },
    "lending.edit_product": {
        "GET": (LOGIN, DENIED, DENIED, DENIED, 200),
        "POST": (LOGIN, DENIED, DENIED, DENIED, 422),
    },
    "lending.product_active": {"POST": (LOGIN, DENIED, DENIED, DENIED, 303)},
    "lending.microcredit_limits": {
        "GET": (LOGIN, DENIED, DENIED, DENIED, 200),
        "POST": (LOGIN, DENIED, DENIED, DENIED, 422),
    },
    "lending.edit_microcredit_limit": {
        "GET": (LOGIN, DENIED, DENIED, DENIED, 200),
        "POST": (LOGIN, DENIED, DENIED, DENIED, 422),
    },
    "lending.usury_rates": {
        "GET": (LOGIN, DENIED, DENIED, DENIED, 200),
        "POST": (LOGIN, DENIED, DENIED, DENIED, 422),
    },
    "lending.portfolio": {"GET": (LOGIN, DENIED, DENIED, 200, 200)},
    "mentoring.services_csv": {"GET": (LOGIN, DENIED, DENIED, DENIED, 200)},
    "mentoring.services_xlsx": {"GET": (LOGIN, DENIED, DENIED, DENIED, 200)},
    "lending.portfolio_csv": {"GET": (LOGIN, DENIED, DENIED, 200, 200)},
    "lending.portfolio_xlsx": {"GET": (LOGIN, DENIED, DENIED, 200, 200)},
    "lending.loans_csv": {"GET": (LOGIN, DENIED, DENIED, 200, 200)},
    "lending.loans_xlsx": {"GET": (LOGIN, DENIED, DENIED, 200, 200)},
    "lending.scorecard": {
        "GET": (LOGIN, DENIED, DENIED, DENIED, 200),
        "POST": (LOGIN, DENIED, DENIED, DENIED, 422),
    },
    "mentoring.actuals": {"GET": (LOGIN, 200, 200, 200, 200)},
    # no month posted: the page comes back with the message (422); officers and managers only read
    "mentoring.save_month": {"POST": (LOGIN, 422, 422, DENIED, DENIED)},
    "mentoring.monitoring_report": {"GET": (LOGIN, 200, 200, 200, 200)},
    "mentoring.monitoring_report_pdf": {"GET": (LOGIN, 200, 200, 200, 200)},
    # the loan's contract and its PDF: whoever sees the loan
    "lending.contract": {"GET": (LOGIN, 200, 200, 200, 200)},
    "lending.contract_pdf": {"GET": (LOGIN, 200, 200, 200, 200)},
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
    assignment = assign_mentor(trainee, people["mentor"], None)
    plan = create_plan(owner=trainee, business_type="food", title="", from_example=True)
    db.session.flush()
    version = submit_plan(plan, trainee)
    loan = record_disbursement(
        version,
        principal=Decimal("5000"),
        annual_rate=Decimal("0.05"),
        term_months=24,
        grace_months=0,
        method="annuity",
        disbursed_on=date(2026, 1, 15),
        disbursement_method="bank_transfer",
        actor=people["officer"],
    )
    tutoring = log_tutoring_session(
        trainee,
        people["mentor"],
        SessionDetails(
            held_on=programme_today(), minutes=60, channel="phone", services=frozenset({"strategy"})
        ),
        new_submission_key(),
    ).session
    posted = start_thread(
        Anchor(plan, version, "about_you"), author=people["mentor"], body="Tell me more.", token=new_token()
    )
    statement = store_preview("statement.csv", [], people["officer"])
    product = create_product(DEMO_PRODUCT, people["manager"])
    limit = add_limit(
        effective_from=date(2040, 1, 1),
        max_amount=Decimal("80000"),
        max_amount_srl=Decimal("100000"),
        max_term_months=120,
        source="",
        actor=people["manager"],
    )
    applicant = make_person("applicant@example.org", [Role.TRAINEE], "Applicant")
    proposer = make_person("proposer@example.org", [Role.OFFICER], "Proposer")
    endorsed = endorsed_version(applicant, people["mentor"], title="Endorsed")
    application = apply_for_credit(
        endorsed, applicant, ApplicationRequest(Decimal("5000"), 24, 0, "Tools", "individual")
    )
    score_application(application, proposer, {k: Rating(3, "Fine.") for k in JUDGED}, seen=0)
    proposal = propose_decision(application, proposer, "reject", terms=None, note="Too much debt.")
    module = add_module(
        enrolment.cohort, ModuleDetails("Genera la tua idea", Decimal("8"), date(2026, 3, 9)), None
    )
    save_register(module, [Cell(enrolment.id, Decimal("4"), 0)], people["manager"])
    goal = add_goal(trainee, "Aprire la partita IVA", date(2026, 3, 4), people["manager"])
    service = add_service(trainee, "Mediazione interculturale", None, date(2026, 3, 4), people["manager"])
    set_grant(trainee, "allowance", Decimal("3000"), seen_revision=0, actor=people["manager"])
    spending = record_spending(
        trainee,
        "allowance",
        spent_on=date(2026, 6, 10),
        amount=Decimal("500"),
        note="",
        key=new_spending_key(),
        actor=people["manager"],
    )
    erasure = request_erasure(
        trainee, reason="person_request", requested_on=date(2026, 12, 1), actor=people["manager"]
    )
    db.session.commit()
    chamber = db.session.scalars(
        select(Milestone).join(Milestone.template).where(MilestoneTemplate.key == "chamber_of_commerce")
    ).one()
    values = {
        "cohort_id": enrolment.cohort_id,
        "user_id": trainee.id,
        "enrolment_id": enrolment.id,
        "token": token,
        "plan_id": plan.id,
        "section_key": SECTION.get(endpoint, "about_you"),
        "number": 1,
        "loan_id": loan.id,
        "session_id": tutoring.id,
        "milestone_id": chamber.id,
        "template_id": chamber.template_id,
        "assignment_id": assignment.id,
        "thread_id": posted.thread.id,
        "batch_id": statement.id,
        "product_id": product.id,
        "limit_id": limit.id,
        "application_id": application.id,
        "proposal_id": proposal.id,
        "module_id": module.id,
        "goal_id": goal.id,
        "service_id": service.id,
        "spending_id": spending.id,
        "category": "allowance",
        "request_id": erasure.id,
    }
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **{arg: values[arg] for arg in rule.arguments}, **QUERY.get(endpoint, {}))
    response = client.open(url, method=method)
    assert response.status_code == expected, response.get_data(as_text=True)[:500]
    if expected == LOGIN and role == "anonymous" and endpoint not in {"auth.index", "auth.logout"}:
        assert "/login" in response.headers["Location"]
