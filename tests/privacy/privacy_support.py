"""A person with data in every domain, a distinctive marker in every free-text field they wrote or that is
about them, for the export and erasure tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from tests.factories import endorsed_version, make_plan
from tests.support import make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.auth.services import issue_password_reset
from workbench.extensions import db
from workbench.lending.applications import Request as ApplicationRequest
from workbench.lending.applications import apply_for_credit, propose_decision
from workbench.lending.bank_import import preview as bank_preview
from workbench.lending.bank_import import store_preview
from workbench.lending.decisions import decline
from workbench.lending.repayments import new_idempotency_key, post_repayment
from workbench.lending.scorecard import JUDGED, Rating, score_application
from workbench.lending.services import record_disbursement
from workbench.lending.settings_demo import seed_lending_settings
from workbench.mentoring import comments
from workbench.mentoring.actuals import save_actual
from workbench.mentoring.milestones import mark_done, milestones_of
from workbench.mentoring.sessions import SessionDetails, new_submission_key
from workbench.mentoring.sessions import log_session as log_tutoring_session
from workbench.plans.services import AnswerEdit, request_changes, save_answers, submit_plan
from workbench.programme.models import Enrolment
from workbench.programme.pathway import add_goal, add_service, new_spending_key, record_spending, set_grant
from workbench.programme.services import assign_mentor, create_cohort, enrol
from workbench.programme.training import Cell, ModuleDetails, add_module, save_register
from workbench.timeutil import programme_today


@dataclass
class Someone:
    id: int
    email: str
    name: str
    phone: str
    markers: list[str] = field(default_factory=list)
    loan_id: int | None = None


def marker(person: Someone, where: str) -> str:
    text = f"ZQX{person.id}{where}QZX"
    person.markers.append(text)
    return text


def staff() -> dict[str, User]:
    return {
        "mentor": make_person("privacy.mentor@example.org", [Role.MENTOR], "Marta Mentore"),
        "officer": make_person("privacy.officer@example.org", [Role.OFFICER], "Otto Ufficiale"),
        "checker": make_person("privacy.checker@example.org", [Role.OFFICER], "Carla Controllo"),
        "manager": make_person("privacy.manager@example.org", [Role.MANAGER], "Maria Gestione"),
    }


def person_everywhere(people: dict[str, User], *, with_loan: bool, slug: str = "awa") -> Someone:
    """A trainee enrolled, trained, with a pathway and budget, a plan sent, reviewed and commented on, a
    tutoring session, a credit application scored and (without a loan) declined; with_loan: a loan paid out
    on another plan, with a repayment, a bank statement line, a milestone done and a month of actuals."""
    mentor, officer, checker, manager = (people[k] for k in ("mentor", "officer", "checker", "manager"))
    cohort = create_cohort(name=f"Cohort {slug}", city="Venezia", starts_on=None, ends_on=None, actor=None)
    user = make_person(f"{slug}.diallo@example.org", [Role.TRAINEE], f"{slug.title()} Diallo-Privacy")
    user.phone, user.country, user.gender, user.protection_status = (
        "+39 333 9876543",
        "SN",
        "female",
        "refugee",
    )
    someone = Someone(user.id, user.email, user.full_name, user.phone)
    enrol(user, cohort, actor=None)
    assign_mentor(user, mentor, None)
    issue_password_reset(user, manager)
    enrolment = db.session.scalars(db.select(Enrolment).where(Enrolment.user_id == user.id)).one()
    module = add_module(cohort, ModuleDetails(f"Modulo {slug}", Decimal("8"), date(2026, 3, 9)), manager)
    save_register(module, [Cell(enrolment.id, Decimal("6"), 0)], manager)
    add_goal(user, marker(someone, "goal"), date(2026, 3, 4), manager)
    add_service(user, marker(someone, "service"), marker(someone, "provider"), date(2026, 3, 4), manager)
    set_grant(user, "allowance", Decimal("3000"), seen_revision=0, actor=manager)
    record_spending(
        user,
        "allowance",
        spent_on=date(2026, 6, 10),
        amount=Decimal("500"),
        note=marker(someone, "spending"),
        key=new_spending_key(),
        actor=manager,
    )
    version = endorsed_version(user, mentor, title=marker(someone, "title"))
    # Credit: an application on an endorsed plan, scored, a proposal declined with a reason.
    seed_lending_settings()
    applied = apply_for_credit(
        version, user, ApplicationRequest(Decimal("5000"), 24, 0, marker(someone, "purpose"), "srl")
    )
    ratings = {key: Rating(3, marker(someone, f"rating{n}")) for n, key in enumerate(sorted(JUDGED))}
    score_application(applied, officer, ratings, seen=0)
    proposal = propose_decision(applied, officer, "reject", terms=None, note=marker(someone, "proposal"))
    decline(proposal, checker, marker(someone, "declined"))
    # The plan: sent, sent back with a note, an answer rewritten, sent again, commented on and answered.
    plan = make_plan(user, title=marker(someone, "drafttitle"), from_example=True)
    submit_plan(plan, user)
    request_changes(plan, mentor, marker(someone, "review"))
    first = plan.answers[0]
    save_answers(
        plan,
        [
            AnswerEdit(
                first.question_key,
                first.text + " " + marker(someone, "answer"),
                first.language,
                first.revision,
            )
        ],
        user,
    )
    second = submit_plan(plan, user)
    thread = comments.start_thread(
        comments.Anchor(plan, second, "about_you", "skills"),
        author=mentor,
        body=marker(someone, "mentorcomment"),
        token=comments.new_token(),
    ).thread
    comments.reply(thread, author=user, body=marker(someone, "reply"), token=comments.new_token())
    log_tutoring_session(
        user,
        mentor,
        SessionDetails(
            held_on=programme_today(),
            minutes=60,
            channel="phone",
            services=frozenset({"strategy"}),
            notes=marker(someone, "sessionnotes"),
            next_steps=marker(someone, "nextsteps"),
        ),
        new_submission_key(),
    )
    if with_loan:
        loan = record_disbursement(
            endorsed_version(user, mentor, title=marker(someone, "loanplan")),
            principal=Decimal("5000"),
            annual_rate=Decimal("0.05"),
            term_months=24,
            grace_months=0,
            method="annuity",
            disbursed_on=programme_today() - timedelta(days=120),
            disbursement_method="bank_transfer",
            actor=officer,
        )
        someone.loan_id = loan.id
        milestones = {m.template.key: m for m in milestones_of([user.id])[user.id]}
        mark_done(milestones["first_sale"], user, evidence=marker(someone, "evidence"), base_revision=1)
        post_repayment(
            loan,
            paid_on=programme_today() - timedelta(days=90),
            amount=Decimal("200"),
            reference="Rata 1",
            key=new_idempotency_key(),
            actor=officer,
        )
        store_preview(
            "statement.csv",
            bank_preview(f"{programme_today().isoformat()};100,00;WB-{loan.id} {user.full_name}\n".encode()),
            officer,
        )
        month = (programme_today() - timedelta(days=60)).replace(day=1)
        save_actual(
            loan,
            month,
            {"sales": Decimal("1000"), "costs": Decimal("500"), "closing_cash": Decimal("300")},
            0,
            user,
            programme_today(),
        )
    db.session.commit()
    return someone
