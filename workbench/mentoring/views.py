"""The mentor's home: the trainees they accompany."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from workbench.auth.roles import Role
from workbench.mentoring.services import cohorts_by_trainee, mentees_of
from workbench.plans.services import journey_facts, plans_of
from workbench.programme.journey import trainee_path
from workbench.web.decorators import role_required
from workbench.web.templating import render

bp = Blueprint("mentoring", __name__)


@bp.get("/mentees")
@role_required(Role.MENTOR)
def mentees():
    assignments = mentees_of(current_user)
    trainee_ids = [a.trainee_id for a in assignments]
    enrolments = cohorts_by_trainee(trainee_ids)
    facts = journey_facts(trainee_ids)
    plans = plans_of(trainee_ids)
    rows = []
    for assignment in assignments:
        enrolment = enrolments.get(assignment.trainee_id)
        path = trainee_path(enrolment, facts[assignment.trainee_id])
        current = next((s for s in path if s.state == "next"), None)
        rows.append(
            {
                "assignment": assignment,
                "enrolment": enrolment,
                "next": current,
                "plans": plans.get(assignment.trainee_id, []),
            }
        )
    return render("mentoring/mentees.html", rows=rows)
