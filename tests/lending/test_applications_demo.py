"""The demo has applications at every stage, the financed trainee's loan paid out through theirs, and the
default scorecard; a second run adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from workbench.demo import seed_demo
from workbench.extensions import db
from workbench.lending import applications
from workbench.lending.application_models import CreditApplication
from workbench.lending.models import Loan
from workbench.lending.scorecard_models import ScorecardVersion


def test_the_demo_has_an_application_at_every_stage(app_context) -> None:
    seed_demo(relab=False)
    db.session.commit()
    listed = db.session.scalars(select(CreditApplication)).all()
    states = applications.states_of(listed)
    assert {state.status for state in states.values()} == set(applications.Status)
    [loan] = db.session.scalars(select(Loan).where(Loan.application_id.is_not(None))).all()
    assert loan.borrower.email == "aminata.toure@example.org"
    assert db.session.scalar(select(func.count(ScorecardVersion.id))) == 1
    again = seed_demo(relab=False)
    db.session.commit()
    assert again["applications"] == 0
    assert db.session.scalar(select(func.count(CreditApplication.id))) == len(listed)
