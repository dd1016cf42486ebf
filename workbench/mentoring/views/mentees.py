"""The mentor's home (the trainees they accompany, what each waits for) and one mentee's record."""

from __future__ import annotations

from flask_login import current_user

from workbench.auth.roles import Role
from workbench.lending.services import loans_by_borrower
from workbench.mentoring.home import mentee_rows
from workbench.mentoring.views import bp, load_mentee
from workbench.mentoring.views.sessions import sessions_section
from workbench.plans.review import review_statuses
from workbench.plans.services import journey_facts, plans_of
from workbench.programme.journey import trainee_path
from workbench.programme.pathway import pathway_of
from workbench.programme.permissions import can_read_pathway
from workbench.programme.services import (
    cohorts_by_trainee,
    current_assignment,
    mentors_by_trainee,
)
from workbench.web.decorators import role_required
from workbench.web.templating import render


@bp.get("/mentees")
@role_required(Role.MENTOR)
def mentees():
    """The mentor's home: each mentee with what waits for the mentor first (see mentoring.home)."""
    return render("mentoring/mentees.html", rows=mentee_rows(current_user))


@bp.get("/mentees/<int:user_id>")
@role_required(Role.MENTOR, Role.MANAGER)
def mentee(user_id: int):
    """One trainee's accompaniment on one page: where they are, their plans and loans; the sections below
    (sessions, milestones, plan against actual) each come from their own part of mentoring."""
    trainee = load_mentee(user_id)
    enrolment = cohorts_by_trainee([trainee.id]).get(trainee.id)
    facts = journey_facts([trainee.id])[trainee.id]
    path = trainee_path(enrolment, facts)
    owned = plans_of([trainee.id]).get(trainee.id, [])
    statuses = review_statuses(plan.id for plan in owned)
    loans = loans_by_borrower([trainee.id])[trainee.id]
    return render(
        "mentoring/mentee.html",
        trainee=trainee,
        enrolment=enrolment,
        assignment=current_assignment(trainee),
        mentors=mentors_by_trainee([trainee.id])[trainee.id],
        next_step=next((step for step in path if step.state == "next"), None),
        plans=[(plan, statuses[plan.id]) for plan in owned],
        loans=loans,
        tutoring=sessions_section(trainee, loans),
        pathway=pathway_of(trainee) if can_read_pathway(current_user, trainee) else None,
    )
