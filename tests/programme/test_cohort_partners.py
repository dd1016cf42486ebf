"""A cohort names the organisations that run it together: given when it is created, shown on its page and on
its funnel, recorded in the audit trail; too long a list is refused at its field."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import audit_events, error_fields
from workbench.extensions import db
from workbench.programme.models import Cohort

pytestmark = pytest.mark.usefixtures("english_readers")

PARTNERS = "ILO International Training Centre,  Micro Progress, Municipality of Venice "


@pytest.mark.signed_in("manager")
def test_a_cohort_keeps_its_partners(signed_in: FlaskClient) -> None:
    response = signed_in.post(
        "/programme/cohorts/new",
        data={"name": "Re-Lab Venezia 2027", "city": "Venezia", "partners": PARTNERS},
    )
    assert response.status_code == 303
    made = db.session.scalars(select(Cohort)).one()
    assert made.partners == "ILO International Training Centre, Micro Progress, Municipality of Venice"
    [created] = audit_events("cohort.created")
    assert created.after["partners"] == made.partners
    page = signed_in.get(f"/programme/cohorts/{made.id}").get_data(as_text=True)
    assert "Partners: ILO International Training Centre" in page
    assert f"/programme/funnel?cohort={made.id}" in page
    funnel = signed_in.get(f"/programme/funnel?cohort={made.id}").get_data(as_text=True)
    assert "Partners: ILO International Training Centre" in funnel


@pytest.mark.signed_in("manager")
def test_too_long_a_list_of_partners_is_refused(signed_in: FlaskClient) -> None:
    response = signed_in.post("/programme/cohorts/new", data={"name": "Long", "partners": "x" * 501})
    assert response.status_code == 200
    assert "partners" in error_fields(response.get_data(as_text=True))
    assert db.session.scalars(select(Cohort)).first() is None
