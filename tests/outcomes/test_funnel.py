"""The funnel counts people, not events, at every step they reached, from the records of each domain: on
crafted data with one person stopping at each step, people who drop out and come back, filters by cohort,
period, gender and country, a constant number of queries whatever the number of people, and the page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from tests.factories import endorsed_version, lendable_product, make_plan
from tests.support import login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.lending import applications, decisions, loan_decisions
from workbench.lending.repayments import post_repayment
from workbench.lending.scorecard import JUDGED, Rating, score_application
from workbench.lending.services import loans_by_borrower, record_disbursement, schedule_of
from workbench.outcomes.funnel import NOT_GIVEN, STEP_KEYS, Filters, funnel_report
from workbench.plans import services as plans
from workbench.programme.models import Cohort, Enrolment
from workbench.programme.services import assign_mentor, complete_training, create_cohort, enrol
from workbench.timeutil import back_in_time, programme_today

pytestmark = pytest.mark.usefixtures("english_readers")

RATINGS = {key: Rating(3, "Fine.") for key in JUDGED}


def counts(filters: Filters | None = None) -> list[int]:
    report = funnel_report(filters or Filters(), programme_today())
    return [step.people for step in report.total.steps]


@dataclass
class World:
    cohort: Cohort
    other: Cohort
    people: dict[str, User]


def person(name: str, cohort: Cohort, *, trained: bool = True, days_ago: int = 0, **details) -> User:
    user = make_person(f"{name}@example.org", [Role.TRAINEE], name.title())
    for key, value in details.items():
        setattr(user, key, value)
    with back_in_time(days_ago):
        enrolment = enrol(user, cohort, actor=None)
        if trained:
            complete_training(enrolment, user)
    db.session.commit()
    return user


def loan_on(user: User, officer: User, *, days_ago: int, principal: str = "1200", months: int = 2):
    plan = make_plan(user, from_example=True, title=f"{user.full_name}'s plan")
    version = plans.submit_plan(plan, user)
    loan = record_disbursement(
        version,
        principal=Decimal(principal),
        annual_rate=Decimal("0.05"),
        term_months=months,
        grace_months=0,
        method="annuity",
        disbursed_on=programme_today() - timedelta(days=days_ago),
        disbursement_method="bank_transfer",
        actor=officer,
    )
    db.session.commit()
    return loan


def pay_installments(loan, officer: User, how_many: int) -> None:
    for row in schedule_of(loan)[:how_many]:
        post_repayment(
            loan,
            paid_on=row.due_date,
            amount=row.total,
            reference=f"Rata {row.number}",
            key=f"test-{loan.id}-{row.number}",
            actor=officer,
        )
    db.session.commit()


def scored_application(user: User, mentor: User, officer: User, title: str):
    version = endorsed_version(user, mentor, title=title)
    application = applications.apply_for_credit(
        version, user, applications.Request(Decimal("5000"), 24, 0, "Tools", "individual")
    )
    score_application(application, officer, RATINGS, seen=0)
    db.session.commit()
    return application


def approval_terms(product) -> dict:
    return {
        "product_id": product.id,
        "amount": Decimal("5000"),
        "annual_rate": Decimal("0.05"),
        "term_months": 24,
        "grace_months": 0,
        "method": "annuity",
        "first_due_on": programme_today() + timedelta(days=30),
    }


@pytest.fixture
def world(cohort: Cohort, mentor: User, officer: User, manager: User) -> World:
    """One person stopping at each step of the funnel in `cohort`, some after dropping out and coming back,
    and two people in another cohort."""
    other = create_cohort(name="Re-Lab Mestre 2025", city="Mestre", starts_on=None, ends_on=None, actor=None)
    checker = make_person("checker@example.org", [Role.OFFICER], "Checker")
    product = lendable_product()
    p: dict[str, User] = {}
    p["involved"] = person("involved", cohort, trained=False, gender="female", country="NG")
    p["trained"] = person("trained", cohort, gender="female", country="NG")
    p["drafted"] = person("drafted", cohort, gender="male", country="SN")
    make_plan(p["drafted"], title="Started")
    # A plan without the training recorded: still counted as having completed it (the journey is in order).
    p["untrained"] = person("untrained", cohort, trained=False, gender="male", country="SN")
    make_plan(p["untrained"], title="Early start")
    # Sent, sent back, and sent again after a pause: one person at "sent", never endorsed.
    p["resent"] = person("resent", cohort, gender="male", country="PK")
    assign_mentor(p["resent"], mentor, None)
    plan = make_plan(p["resent"], from_example=True, title="Sent twice")
    plans.submit_plan(plan, p["resent"])
    plans.request_changes(plan, mentor, "Check the rent.")
    first = plan.answers[0]
    plans.save_answers(
        plan,
        [plans.AnswerEdit(first.question_key, first.text + " (2)", first.language, first.revision)],
        p["resent"],
    )
    plans.submit_plan(plan, p["resent"])
    db.session.commit()
    p["endorsed"] = person("endorsed", cohort, gender="male", country="PK")
    endorsed_version(p["endorsed"], mentor, title="Endorsed")
    # Applied, sent back, came back with a second plan endorsed and applied again: applied once, no approval.
    p["applied"] = person("applied", cohort, gender="female", country="BD")
    first_try = scored_application(p["applied"], mentor, officer, "First try")
    sent_back = applications.propose_decision(
        first_try, officer, applications.SEND_BACK, terms=None, note="Add quotes."
    )
    decisions.confirm(sent_back, checker)
    db.session.commit()
    scored_application(p["applied"], mentor, officer, "Second try")
    # An approval declined once, then proposed again and confirmed: approved once, not paid out.
    p["approved"] = person("approved", cohort, gender="female", country="BD")
    application = scored_application(p["approved"], mentor, officer, "Approved")
    declined = applications.propose_decision(
        application, officer, applications.APPROVE, terms=approval_terms(product), note=""
    )
    decisions.decline(declined, checker, "Lower the amount first.")
    again = applications.propose_decision(
        application, officer, applications.APPROVE, terms=approval_terms(product), note=""
    )
    decisions.confirm(again, checker)
    db.session.commit()
    # Loans: one late (nothing paid for months), one repaying on time, one repaid.
    p["late"] = person("late", cohort, gender="male", country="GM")
    loan_on(p["late"], officer, days_ago=120)
    p["on_time"] = person("on_time", cohort, gender="male", country="GM")
    pay_installments(loan_on(p["on_time"], officer, days_ago=40), officer, 1)
    p["repaid"] = person("repaid", cohort, gender="female", country="GM")
    pay_installments(loan_on(p["repaid"], officer, days_ago=70), officer, 2)
    # The other cohort: enrolled a year ago, one trained.
    p["elsewhere"] = person("elsewhere", other, trained=False, days_ago=365, country="AF")
    p["elsewhere_trained"] = person("elsewhere_trained", other, days_ago=365, country="AF")
    return World(cohort, other, p)


def test_each_person_counts_once_at_every_step_they_reached(world: World) -> None:
    assert STEP_KEYS == (
        "involved",
        "trained",
        "plan_drafted",
        "plan_submitted",
        "endorsed",
        "applied",
        "approved",
        "disbursed",
        "repaying",
        "repaid",
    )
    assert counts(Filters(cohort_id=world.cohort.id)) == [11, 10, 9, 7, 6, 5, 4, 3, 2, 1]
    assert counts() == [13, 11, 9, 7, 6, 5, 4, 3, 2, 1]


def test_conversions_from_the_step_before_and_from_the_start(world: World) -> None:
    funnel = funnel_report(Filters(cohort_id=world.cohort.id), programme_today()).total
    first, trained, drafted = funnel.steps[:3]
    assert (first.from_previous, first.from_start) == (None, Decimal("1"))
    assert (trained.from_previous, trained.from_start) == (Decimal("0.9091"), Decimal("0.9091"))
    assert (drafted.from_previous, drafted.from_start) == (Decimal("0.9"), Decimal("0.8182"))
    repaid = funnel.steps[-1]
    assert (repaid.from_previous, repaid.from_start) == (Decimal("0.5"), Decimal("0.0909"))


def test_the_report_has_each_cohort_and_the_sum_of_them(world: World) -> None:
    report = funnel_report(Filters(), programme_today())
    assert [s.people for s in report.by_cohort[world.other.id].steps] == [2, 1] + [0] * 8
    assert report.by_cohort[world.cohort.id].involved == 11


def test_a_borrower_who_catches_up_is_repaying_on_time_again(world: World, officer: User) -> None:
    late = world.people["late"]
    [late_loan] = loans_by_borrower([late.id])[late.id]
    before = counts(Filters(cohort_id=world.cohort.id))
    pay_installments(late_loan, officer, 1)  # the first installment: the second is still late
    assert counts(Filters(cohort_id=world.cohort.id)) == before
    pay_installments(late_loan, officer, 2)
    assert counts(Filters(cohort_id=world.cohort.id))[-3:] == [3, 3, 2]


def test_a_written_off_loan_is_not_repaid_and_a_rescheduled_one_counts_by_its_new_schedule(
    world: World, officer: User, manager: User
) -> None:
    """A write-off does not repay the loan (the borrower still owes it): the borrower stays at "paid out".
    A late loan rescheduled by four eyes is read by the schedule in force: nothing is late on it any more."""
    late = world.people["late"]
    [late_loan] = loans_by_borrower([late.id])[late.id]
    before = counts(Filters(cohort_id=world.cohort.id))
    reschedule = loan_decisions.propose_reschedule(
        late_loan,
        officer,
        annual_rate=Decimal("0.05"),
        term_months=12,
        grace_months=0,
        method="annuity",
        first_due_on=programme_today() + timedelta(days=30),
        note="Illness: two months without work.",
    )
    decisions.confirm(reschedule, manager)
    db.session.commit()
    assert counts(Filters(cohort_id=world.cohort.id))[-3:] == [before[-3], before[-2] + 1, before[-1]]
    on_time = world.people["on_time"]
    [on_time_loan] = loans_by_borrower([on_time.id])[on_time.id]
    write_off = loan_decisions.propose_write_off(
        on_time_loan, officer, amount=None, written_off_on=programme_today(), note="The business closed."
    )
    decisions.confirm(write_off, manager)
    db.session.commit()
    after = counts(Filters(cohort_id=world.cohort.id))
    assert after[-3:] == [before[-3], before[-2], before[-1]]  # one on time more, one on time less
    assert after[:-2] == before[:-2]


def test_filters_by_period_gender_and_country(world: World) -> None:
    today = programme_today()
    recent = Filters(enrolled_from=today - timedelta(days=30))
    assert counts(recent)[0] == 11
    older = Filters(enrolled_to=today - timedelta(days=300))
    assert counts(older) == [2, 1] + [0] * 8
    a_year_ago = today - timedelta(days=365)
    around = Filters(enrolled_from=a_year_ago - timedelta(days=1), enrolled_to=a_year_ago + timedelta(days=1))
    assert counts(around)[0] == 2
    assert counts(Filters(gender="female")) == [5, 4, 3, 3, 3, 3, 2, 1, 1, 1]
    assert counts(Filters(gender=NOT_GIVEN))[0] == 2
    assert counts(Filters(country="GM")) == [3] * 8 + [2, 1]
    assert counts(Filters(country="GM", gender="female")) == [1] * 10
    assert counts(Filters(country="IT")) == [0] * 10
    assert counts(Filters(cohort_id=world.other.id, country="AF")) == [2, 1] + [0] * 8


def test_the_number_of_queries_does_not_grow_with_the_people(
    cohort: Cohort, officer: User, mentor: User
) -> None:
    def queries() -> int:
        seen: list[str] = []

        def count(_conn, _cursor, statement, *_args) -> None:
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            funnel_report(Filters(), programme_today())
            funnel_report(Filters(cohort_id=cohort.id, gender="female", country="NG"), programme_today())
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    def add(first: int, last: int) -> None:
        for n in range(first, last):
            user = person(f"p{n}", cohort, trained=n % 2 == 0, gender="female", country="NG")
            if n % 5 == 0:
                make_plan(user, title="Plan")
            if n % 10 == 1:
                pay_installments(loan_on(user, officer, days_ago=70), officer, n % 3)

    add(0, 5)
    with_five = queries()
    add(5, 50)
    assert counts()[0] == 50
    assert queries() == with_five


def test_managers_read_the_funnel_with_the_real_counts(
    world: World, client: FlaskClient, manager: User
) -> None:
    login_as(client, manager)
    response = client.get(f"/programme/funnel?cohort={world.cohort.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    row = r'<tr data-step="(\w+)">\s*<th scope="row">[^<]*</th>\s*<td class="num" data-people="(\d+)"'
    people = dict(re.findall(row, html))
    assert [int(people[key]) for key in STEP_KEYS] == [11, 10, 9, 7, 6, 5, 4, 3, 2, 1]
    assert '<svg class="funnel-bar"' in html
    assert html.count('class="funnel-fill"') == 10
    assert "&lt;5" in html  # the rule of the exports is stated
    assert f"/programme/funnel.xlsx?cohort={world.cohort.id}" in html
    # the overview links to it
    assert "/programme/funnel" in client.get("/programme").get_data(as_text=True)


def test_a_filter_that_is_not_valid_is_said_and_left_out(world: World, client: FlaskClient, manager) -> None:
    login_as(client, manager)
    html = client.get(
        "/programme/funnel?cohort=99999999999999999999&enrolled_from=2026-13-45&gender=x&country=IT"
    ).get_data(as_text=True)
    assert html.count('class="error"') == 4
    assert 'data-people="13"' in html  # everyone is counted
    backwards = client.get("/programme/funnel?enrolled_from=2026-05-01&enrolled_to=2026-04-01")
    assert "The end of the period comes before its start." in backwards.get_data(as_text=True)
    too_early = client.get("/programme/funnel?enrolled_from=0001-01-01")
    assert "Choose a day from" in too_early.get_data(as_text=True)


def test_an_empty_funnel_says_so(client: FlaskClient, manager: User) -> None:
    login_as(client, manager)
    html = client.get("/programme/funnel").get_data(as_text=True)
    assert "Nobody to count" in html
    assert counts() == [0] * 10


def test_the_enrolment_day_is_counted_in_the_programmes_zone(cohort: Cohort) -> None:
    user = person("late_evening", cohort, trained=False)
    enrolment = db.session.scalars(db.select(Enrolment).where(Enrolment.user_id == user.id)).one()
    # 23:30 in Rome on 1 March is 22:30 UTC: the enrolment belongs to 1 March, not to 2 March.
    enrolment.enrolled_at = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
    db.session.commit()
    assert counts(Filters(enrolled_from=date(2026, 3, 1), enrolled_to=date(2026, 3, 1)))[0] == 1
    assert counts(Filters(enrolled_from=date(2026, 3, 2)))[0] == 0
