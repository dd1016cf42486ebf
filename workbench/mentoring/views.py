"""The mentor's home: the trainees they accompany."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from workbench.auth.roles import Role
from workbench.mentoring.services import cohorts_by_trainee, mentees_of
from workbench.programme.journey import trainee_path
from workbench.web.decorators import role_required
from workbench.web.templating import render

bp = Blueprint("mentoring", __name__)


@bp.get("/mentees")
@role_required(Role.MENTOR)
def mentees():
    assignments = mentees_of(current_user)
    enrolments = cohorts_by_trainee([a.trainee_id for a in assignments])
    rows = []
    for assignment in assignments:
        enrolment = enrolments.get(assignment.trainee_id)
        current = next((s for s in trainee_path(enrolment) if s.state == "next"), None)
        rows.append({"assignment": assignment, "enrolment": enrolment, "next": current})
    return render("mentoring/mentees.html", rows=rows)
