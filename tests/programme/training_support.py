"""What the training tests share: a cohort's modules, a second trainee, and posting a module's register."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date, timedelta
from decimal import Decimal

from flask.testing import FlaskClient

from tests.support import make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.programme.models import Cohort, Enrolment
from workbench.programme.services import enrol, enrolment_of
from workbench.programme.training import ModuleDetails, add_module
from workbench.programme.training_models import Attendance, TrainingModule


def page(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def words(response) -> str:
    """The page's text as a reader reads it: tags dropped, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html_lib.unescape(text)).replace(" .", ".").replace(" ,", ",")


def modules(cohort: Cohort, *hours: str) -> list[TrainingModule]:
    """Modules of the given hours, a week apart from 9 March 2026, committed."""
    made = [
        add_module(
            cohort, ModuleDetails(f"Module {n + 1}", Decimal(h), date(2026, 3, 9) + timedelta(weeks=n)), None
        )
        for n, h in enumerate(hours)
    ]
    db.session.commit()
    return made


def another_trainee(cohort: Cohort, name: str = "Moussa Sow") -> Enrolment:
    email = name.lower().replace(" ", ".") + "@example.org"
    user: User = make_person(email, [Role.TRAINEE], name, locale="en")
    enrol(user, cohort, actor=None)
    db.session.commit()
    enrolment = enrolment_of(user)
    assert enrolment is not None
    return enrolment


def post_register(
    client: FlaskClient,
    module: TrainingModule,
    cells: dict[int, str],
    revisions: dict[int, int] | None = None,
):
    """Post a module's register: hours typed per enrolment id, with the revisions the page showed (0 unless
    given)."""
    data = {}
    for enrolment_id, typed in cells.items():
        data[f"hours-{enrolment_id}"] = typed
        data[f"revision-{enrolment_id}"] = str((revisions or {}).get(enrolment_id, 0))
    return client.post(f"/programme/cohorts/{module.cohort_id}/modules/{module.id}/attendance", data=data)


def hours_of(module: TrainingModule, enrolment: Enrolment) -> Attendance | None:
    db.session.expire_all()
    return db.session.scalars(
        db.select(Attendance).where(
            Attendance.module_id == module.id, Attendance.enrolment_id == enrolment.id
        )
    ).one_or_none()
