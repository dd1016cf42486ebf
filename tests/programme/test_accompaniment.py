"""Who accompanies whom is the programme's fact: plans and mentoring read it, never each other, and the
manager assigns a mentor from the list of plans waiting for one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.support import error_fields, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.plans import services as plans
from workbench.programme.models import MentorAssignment
from workbench.programme.permissions import is_assigned_mentor
from workbench.programme.services import assign_mentor, current_assignment, mentees_of

PACKAGE = Path(__file__).resolve().parents[2] / "workbench"


def imported_modules(package: str) -> set[str]:
    found: set[str] = set()
    for path in (PACKAGE / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_plans_read_the_programme_never_mentoring() -> None:
    modules = imported_modules("plans")
    assert not {m for m in modules if m.startswith("workbench.mentoring")}
    assert "workbench.programme.permissions" in modules


def test_the_assignment_is_a_programme_model_on_the_same_table() -> None:
    assert MentorAssignment.__module__ == "workbench.programme.models"
    assert MentorAssignment.__tablename__ == "mentor_assignments"


def test_the_programme_answers_who_accompanies_whom(trainee: User, mentor: User, manager: User) -> None:
    assert current_assignment(trainee) is None
    assert not is_assigned_mentor(mentor, trainee)
    assign_mentor(trainee, mentor, manager)
    db.session.commit()
    assert current_assignment(trainee).mentor_id == mentor.id
    assert is_assigned_mentor(mentor, trainee)
    assert not is_assigned_mentor(manager, trainee)  # only a mentor accompanies
    assert [a.trainee_id for a in mentees_of(mentor)] == [trainee.id]


@pytest.mark.signed_in("manager")
def test_a_refused_choice_from_the_waiting_list_is_told_at_the_field(
    signed_in: FlaskClient, trainee: User, mentor: User
) -> None:
    plan = plans.create_plan(owner=trainee, business_type="food", title="", from_example=True)
    db.session.flush()
    plans.submit_plan(plan, trainee)
    db.session.commit()
    officer = make_person("luca.ferraro@example.org", [Role.OFFICER], "Luca Ferraro")
    response = signed_in.post(
        f"/programme/people/{trainee.id}/mentor", data={"mentor_id": str(officer.id), "back": "overview"}
    )
    assert response.status_code == 422
    assert "mentor_id" in error_fields(response.get_data(as_text=True))
    assert current_assignment(trainee) is None
    assert f'href="/plans/{plan.id}"' in signed_in.get("/programme").get_data(as_text=True)
