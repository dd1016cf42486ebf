"""seed-demo holds the programme this product was modelled on: the cohort "Re-Lab Venezia 2012-2014", whose
funnel shows the published 341 involved, 98 trained, 53 business plans and 14 financed, told through the same
services on the days it happened, leaving nothing for today's staff to do; a second run adds nothing."""

from __future__ import annotations

from collections import Counter
from datetime import date

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from tests.lending.test_repayments import assert_books_balance
from tests.support import login_as
from workbench.audit.models import AuditEvent
from workbench.auth.models import User
from workbench.demo import seed_demo
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.lending.position import positions_of
from workbench.mentoring.milestones import overdue_milestones
from workbench.outcomes.demo import (
    COUNTRIES,
    RELAB_COHORT,
    RELAB_PARTNERS,
    STAFF,
    people,
    present_day_names,
    stages,
)
from workbench.outcomes.funnel import STEP_KEYS, Filters, funnel_report
from workbench.plans.review import waiting_for_a_mentor
from workbench.programme.models import Cohort, Enrolment, MentorAssignment
from workbench.timeutil import programme_day, programme_today


def relab_cohort() -> Cohort:
    return db.session.scalars(select(Cohort).where(Cohort.name == RELAB_COHORT)).one()


def test_the_people_are_many_different_people_from_the_countries_of_the_time() -> None:
    listed = people()
    assert len(listed) == 341
    assert len({p.full_name for p in listed}) == 341
    assert len({p.email for p in listed}) == 341
    # Nobody shares a name with someone of the present-day demo, staff included.
    present = present_day_names()
    assert {"Chinedu Okafor", "Giulia Rossi"} <= present
    assert not present & ({p.full_name for p in listed} | {name for name, *_rest in STAFF})
    countries = Counter(p.country for p in listed)
    for country in ("NG", "BD", "SN", "AF", "PK", "GM", "ML", "CI", "GH", "MA"):
        assert countries[country] > 0
    assert sum(n for _c, _l, n, *_rest in COUNTRIES) == 341
    genders = Counter(p.gender for p in listed)
    assert genders["male"] > genders["female"] > 40
    assert genders["not_said"]
    assert genders[None]
    assert {p.protection_status for p in listed} == {
        "refugee",
        "subsidiary_protection",
        "special_protection",
        "not_said",
    }
    assert all(date(2012, 3, 1) <= p.enrolled_on <= date(2013, 12, 31) for p in listed)
    dealt = Counter(stage for stage, _rank in stages().values())
    assert (dealt["financed"], dealt["involved"]) == (14, 243)


def test_the_relab_cohort_shows_its_published_funnel_and_loads_once(
    app: Flask, app_context: None, client: FlaskClient
) -> None:
    runner: FlaskCliRunner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for added in ("341 relab_people", "341 relab_enrolments", "53 relab_plans", "14 relab_loans"):
        assert f"{added} added" in result.output
    cohort = relab_cohort()
    assert (cohort.city, cohort.starts_on.year, cohort.ends_on.year) == ("Venezia", 2012, 2014)
    assert cohort.partners == RELAB_PARTNERS
    assert "Micro Progress" in cohort.partners
    assert "Consiglio Italiano per i Rifugiati" in cohort.partners
    assert cohort.invite_code is None  # registration closed long ago

    report = funnel_report(Filters(cohort_id=cohort.id), programme_today())
    figures = dict(zip(STEP_KEYS, (step.people for step in report.total.steps), strict=True))
    assert (figures["involved"], figures["trained"], figures["plan_drafted"], figures["disbursed"]) == (
        341,
        98,
        53,
        14,
    )
    assert [figures[key] for key in STEP_KEYS] == [341, 98, 53, 46, 31, 22, 16, 14, 14, 14]

    # Everything happened in 2012-2014; the loans were paid out in 2014 and are repaid, the books balance.
    enrolled = db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id)).all()
    assert min(programme_day(e.enrolled_at) for e in enrolled) >= cohort.starts_on
    assert (
        max(programme_day(e.training_completed_at) for e in enrolled if e.training_completed_at).year <= 2014
    )
    loans = db.session.scalars(
        select(Loan)
        .join(Enrolment, Enrolment.user_id == Loan.borrower_id)
        .where(Enrolment.cohort_id == cohort.id)
    ).all()
    assert len(loans) == 14
    assert {loan.disbursed_on.year for loan in loans} == {2014}
    assert all(loan.application_id is not None for loan in loans)
    positions = positions_of(loans, programme_today())
    assert all(p.outstanding_principal == 0 and p.days_past_due == 0 for p in positions.values())
    assert_books_balance(list(db.session.scalars(select(Loan))))

    # Nothing of it waits on today's staff: no plan waiting for a mentor, no overdue milestone, no current
    # mentor, and the partners' staff of the time can no longer log in.
    relab_people = {e.user_id for e in enrolled}
    assert not [w for w in waiting_for_a_mentor() if w.owner.id in relab_people]
    assert not [m for m in overdue_milestones() if m.trainee_id in relab_people]
    current = db.session.scalar(
        select(func.count(MentorAssignment.id)).where(
            MentorAssignment.trainee_id.in_(relab_people), MentorAssignment.ended_at.is_(None)
        )
    )
    assert current == 0
    staff = db.session.scalars(select(User).where(User.email.in_([email for _n, email, _r in STAFF]))).all()
    assert len(staff) == 4
    assert not any(user.active for user in staff)

    # A visitor (the demo's manager) sees it on the funnel page.
    manager = db.session.scalars(select(User).where(User.email == "manager@example.org")).one()
    manager.locale = "en"
    db.session.commit()
    login_as(client, manager)
    html = client.get(f"/programme/funnel?cohort={cohort.id}").get_data(as_text=True)
    for step, count in (("involved", 341), ("trained", 98), ("plan_drafted", 53), ("disbursed", 14)):
        assert f'<tr data-step="{step}">' in html
        assert f'data-people="{count}"' in html
    assert "Micro Progress" in html
    assert client.get(f"/programme/cohorts/{cohort.id}").status_code == 200

    events = db.session.scalar(select(func.count(AuditEvent.id)))
    again = seed_demo()
    db.session.commit()
    assert {key: n for key, n in again.items() if key.startswith("relab_")} == {
        f"relab_{kind}": 0 for kind in ("people", "enrolments", "plans", "loans", "repayments", "usury_rates")
    }
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def test_the_relab_cohort_can_be_left_out(app: Flask, app_context: None) -> None:
    runner = app.test_cli_runner()
    assert "--without-relab" in runner.invoke(args=["seed-demo", "--help"]).output
    result = runner.invoke(args=["seed-demo", "--without-relab"])
    assert result.exit_code == 0, result.output
    assert "relab" not in result.output
    assert db.session.scalars(select(Cohort).where(Cohort.name == RELAB_COHORT)).first() is None
