"""The mentor's home: the trainees they accompany, and what each of them waits for from the mentor."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from workbench.auth.roles import Role
from workbench.plans.review import review_statuses
from workbench.plans.services import journey_facts, plans_of
from workbench.programme.journey import trainee_path
from workbench.programme.services import cohorts_by_trainee, mentees_of
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
    statuses = review_statuses(plan.id for owned in plans.values() for plan in owned)
    rows = []
    for assignment in assignments:
        enrolment = enrolments.get(assignment.trainee_id)
        path = trainee_path(enrolment, facts[assignment.trainee_id])
        current = next((s for s in path if s.state == "next"), None)
        owned = plans.get(assignment.trainee_id, [])
        rows.append(
            {
                "assignment": assignment,
                "enrolment": enrolment,
                "next": current,
                "plans": [(plan, statuses[plan.id]) for plan in owned],
                "to_review": [plan for plan in owned if statuses[plan.id].waiting],
            }
        )
    return render("mentoring/mentees.html", rows=rows)
