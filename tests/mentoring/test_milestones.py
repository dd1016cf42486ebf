"""Milestones: the templates managers keep, the milestones journey events give (once), the derived overdue
state, who may mark done, waive, sign off and reopen, and the pages that show them.

"Today" is passed in wherever it matters, never waited for.
"""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from sqlalchemy import event, func, select

from tests.factories import disbursed_loan, make_plan
from tests.support import audit_events, error_fields, login_as, make_person
from workbench import events
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.mentoring import milestones as services
from workbench.mentoring.milestone_models import (
    BUILTIN_TEMPLATES,
    Milestone,
    MilestoneStatus,
    MilestoneTemplate,
)
from workbench.programme.models import Cohort
from workbench.programme.services import assign_mentor, enrol
from workbench.timeutil import programme_day, programme_today

pytestmark = pytest.mark.usefixtures("english_readers")

HTMX = {"HX-Request": "true"}
DISBURSED = date(2027, 1, 15)


@pytest.fixture
def mentee(trainee: User, mentor: User) -> User:
    assign_mentor(trainee, mentor, None)
    db.session.commit()
    return trainee


@pytest.fixture
def loan(mentee: User, officer: User):
    return disbursed_loan(mentee, disbursed_on=DISBURSED, officer=officer)


def milestones_of(trainee: User) -> list[Milestone]:
    db.session.expire_all()
    return services.milestones_of([trainee.id])[trainee.id]


def by_key(trainee: User) -> dict[str, Milestone]:
    return {m.template.key: m for m in milestones_of(trainee) if m.template.key}


def template(key: str) -> MilestoneTemplate:
    return db.session.scalars(select(MilestoneTemplate).where(MilestoneTemplate.key == key)).one()


def endorsement(owner: User, decided_at: datetime | None):
    """What the plans domain sends when a mentor endorses a version: the decision, whose plan's owner is the
    trainee (the endorsement itself is another part of issue 11)."""
    return SimpleNamespace(
        version=SimpleNamespace(plan=SimpleNamespace(owner_id=owner.id)), decided_at=decided_at
    )


def page(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def card_of(html: str, milestone: Milestone) -> str:
    found = re.search(
        rf'<li class="card milestone[^"]*" id="milestone-{milestone.id}">(.*?)</li>', html, re.S
    )
    assert found, f"no card for milestone {milestone.id}"
    return found.group(0)


def flashes(client: FlaskClient) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.pop("_flashes", [])]


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args, **_kwargs) -> None:
        self.count += 1


# --- built-in templates -------------------------------------------------------------------------------------


def test_the_built_in_templates_come_on_first_use_once_with_translated_titles(app_context) -> None:
    assert services.ensure_builtin_templates() == len(BUILTIN_TEMPLATES)
    assert services.ensure_builtin_templates() == 0
    db.session.commit()
    stored = {t.key: t for t in services.templates_in_order()}
    assert set(stored) == {b.key for b in BUILTIN_TEMPLATES}
    vat, review = stored["vat_number"], stored["review_12_months"]
    assert (vat.event, vat.offset_days, vat.responsible_role) == ("plan_endorsed", 30, "trainee")
    assert (review.event, review.offset_days, review.responsible_role) == ("loan_disbursed", 365, "mentor")
    assert stored["chamber_of_commerce"].offset_days == 30
    assert stored["first_sale"].offset_days == 60
    assert [stored[f"review_{n}_months"].offset_days for n in (3, 6)] == [91, 182]
    assert vat.title is None
    assert vat.display_title == "VAT number opened"
    with force_locale("it"):
        assert vat.display_title == gettext("VAT number opened")  # read in the reader's language
    assert len(audit_events("milestone_template.created")) == len(BUILTIN_TEMPLATES)


def test_a_switched_off_built_in_stays_off(app_context, manager: User) -> None:
    services.ensure_builtin_templates()
    vat = template("vat_number")
    services.set_template_active(vat, active=False, base_revision=vat.revision, actor=manager)
    db.session.commit()
    assert services.ensure_builtin_templates() == 0
    db.session.expire_all()
    assert template("vat_number").active is False


# --- milestones given by events -----------------------------------------------------------------------------


def test_a_disbursement_gives_the_loan_milestones_due_from_its_date(loan, mentee: User) -> None:
    got = by_key(mentee)
    assert set(got) == {
        "chamber_of_commerce",
        "first_sale",
        "review_3_months",
        "review_6_months",
        "review_12_months",
    }
    assert got["chamber_of_commerce"].due_on == DISBURSED + timedelta(days=30)
    assert got["first_sale"].due_on == DISBURSED + timedelta(days=60)
    assert got["review_12_months"].due_on == date(2028, 1, 15)
    assert {m.loan_id for m in got.values()} == {loan.id}
    assert got["review_3_months"].responsible_role == "mentor"
    assert all(m.status == MilestoneStatus.PENDING for m in got.values())
    created = audit_events("milestone.created")
    assert len(created) == 5
    assert {e.actor_id for e in created} == {loan.disbursed_by_id}


def test_the_same_disbursement_heard_twice_gives_nothing_more(loan, mentee: User) -> None:
    events.loan_disbursed.send(loan, actor=None)
    db.session.commit()
    assert len(milestones_of(mentee)) == 5


def test_a_second_loan_gives_its_own_milestones(loan, mentee: User) -> None:
    second = disbursed_loan(mentee, disbursed_on=date(2028, 3, 1))
    mine = milestones_of(mentee)
    assert len(mine) == 10
    assert {m.loan_id for m in mine} == {loan.id, second.id}


def test_an_endorsement_gives_the_vat_milestone_once(mentee: User, mentor: User) -> None:
    decided = datetime(2027, 3, 31, 22, 30, tzinfo=UTC)  # already 1 April in Rome
    events.plan_endorsed.send(endorsement(mentee, decided), actor=mentor)
    db.session.commit()
    [vat] = milestones_of(mentee)
    assert (vat.template.key, vat.due_on, vat.loan_id) == ("vat_number", date(2027, 5, 1), None)
    assert audit_events("milestone.created")[-1].actor_id == mentor.id
    events.plan_endorsed.send(endorsement(mentee, datetime(2027, 6, 1, tzinfo=UTC)), actor=mentor)
    db.session.commit()
    assert [m.due_on for m in milestones_of(mentee)] == [date(2027, 5, 1)]


def test_an_endorsement_not_yet_stored_counts_from_today(mentee: User) -> None:
    events.plan_endorsed.send(endorsement(mentee, None))
    db.session.commit()
    [vat] = milestones_of(mentee)
    assert vat.due_on == programme_today() + timedelta(days=30)


def test_enrolment_gives_the_enrolment_templates(cohort: Cohort, manager: User) -> None:
    services.create_template(
        title="Attend the welcome day",
        responsible_role="trainee",
        event="enrolled",
        offset_days=7,
        position=5,
        actor=manager,
    )
    db.session.commit()
    newcomer = make_person("amina.yusuf@example.org", [Role.TRAINEE], "Amina Yusuf")
    enrolment = enrol(newcomer, cohort, actor=manager)
    db.session.commit()
    [welcome] = milestones_of(newcomer)
    assert welcome.title == "Attend the welcome day"
    assert welcome.due_on == programme_day(enrolment.enrolled_at) + timedelta(days=7)
    events.enrolled.send(enrolment, actor=None)
    db.session.commit()
    assert len(milestones_of(newcomer)) == 1


def test_a_switched_off_template_gives_nothing_and_the_given_ones_stay(
    loan, mentee: User, manager: User
) -> None:
    first_sale = template("first_sale")
    services.set_template_active(first_sale, active=False, base_revision=first_sale.revision, actor=manager)
    db.session.commit()
    disbursed_loan(mentee, disbursed_on=date(2028, 3, 1))
    keys = [m.template.key for m in milestones_of(mentee)]
    assert keys.count("first_sale") == 1
    assert keys.count("chamber_of_commerce") == 2


def test_a_template_change_does_not_move_the_given_milestones(loan, mentee: User, manager: User) -> None:
    first_sale = template("first_sale")
    services.update_template(
        first_sale,
        base_revision=first_sale.revision,
        title=None,
        responsible_role="mentor",
        event="loan_disbursed",
        offset_days=10,
        position=30,
        actor=manager,
    )
    db.session.commit()
    given = by_key(mentee)["first_sale"]
    assert (given.due_on, given.responsible_role) == (DISBURSED + timedelta(days=60), "trainee")
    assert template("first_sale").title is None  # still the translated built-in title


def test_the_receivers_are_connected_once_whatever_the_number_of_apps(app, loan, mentee: User) -> None:
    from workbench.mentoring import connect_receivers

    connect_receivers()
    connect_receivers()
    second = disbursed_loan(mentee, disbursed_on=date(2028, 3, 1))
    assert len([m for m in milestones_of(mentee) if m.loan_id == second.id]) == 5


# --- overdue is derived -------------------------------------------------------------------------------------


def test_overdue_is_pending_and_due_before_today(loan, mentee: User, mentor: User) -> None:
    chamber = by_key(mentee)["chamber_of_commerce"]
    due = chamber.due_on
    assert chamber.state(due) == "pending"  # due today: not late yet
    assert chamber.state(due - timedelta(days=1)) == "pending"
    assert chamber.state(due + timedelta(days=1)) == "overdue"
    assert services.overdue_counts([mentee.id], today=due) == {mentee.id: 0}
    assert services.overdue_counts([mentee.id], today=due + timedelta(days=1)) == {mentee.id: 1}
    services.mark_done(chamber, mentee, evidence="Visura camerale n. 123", base_revision=chamber.revision)
    db.session.commit()
    assert chamber.state(due + timedelta(days=1)) == "done"
    assert services.overdue_counts([mentee.id], today=due + timedelta(days=1)) == {mentee.id: 0}
    stored = db.session.scalars(select(Milestone.status).distinct()).all()
    assert "overdue" not in stored


def test_today_is_the_calendar_day_in_rome(app_context: None) -> None:
    assert programme_day(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2027, 1, 1)
    assert programme_day(datetime(2027, 7, 1, 21, 59, tzinfo=UTC)) == date(2027, 7, 1)
    assert programme_day(datetime(2027, 7, 1, 22, 0, tzinfo=UTC)) == date(2027, 7, 2)


def test_overdue_counts_and_milestones_of_many_trainees_take_constant_queries(
    cohort: Cohort, mentor: User
) -> None:
    trainees = []
    for n in range(6):
        person = make_person(f"t{n}@example.org", [Role.TRAINEE], f"Trainee {n}")
        enrol(person, cohort, actor=None)
        disbursed_loan(person, disbursed_on=date(2027, 1, 1) + timedelta(days=n * 30))
        trainees.append(person)
    ids = [t.id for t in trainees]
    today = date(2027, 4, 15)
    counter = QueryCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        counts = services.overdue_counts(ids, today=today)
        assert counter.count == 1
        counter.count = 0
        loaded = services.milestones_of(ids)
        titles = [m.title for found in loaded.values() for m in found]
        people = [m.done_by for found in loaded.values() for m in found]
        queries = counter.count
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    # Chamber of Commerce (30 days) and first sale (60 days) for the ones paid out early enough.
    expected = {
        t.id: sum(1 for days in (30, 60, 91) if date(2027, 1, 1) + timedelta(days=n * 30 + days) < today)
        for n, t in enumerate(trainees)
    }
    assert counts == expected
    assert (counts[ids[0]], counts[ids[-1]]) == (3, 0)
    assert len(titles) == 30
    assert all(titles)
    assert people == [None] * 30
    assert queries <= 4  # milestones with templates, and the three kinds of people (none here)


def test_overdue_lists_all_or_some_trainees(loan, mentee: User, cohort: Cohort) -> None:
    other = make_person("other@example.org", [Role.TRAINEE], "Other")
    enrol(other, cohort, actor=None)
    disbursed_loan(other, disbursed_on=DISBURSED)
    today = DISBURSED + timedelta(days=61)
    everyone = services.overdue_milestones(today=today)
    assert len(everyone) == 4
    assert {m.trainee_id for m in everyone} == {mentee.id, other.id}
    assert [m.trainee_id for m in services.overdue_milestones([mentee.id], today=today)] == [mentee.id] * 2
    assert services.overdue_milestones([], today=today) == []
    assert services.count_overdue(today) == 4


# --- who may do what ---------------------------------------------------------------------------------------


def post(client: FlaskClient, milestone: Milestone, action: str, headers=None, **fields):
    slug = action.replace("_", "-")
    prefix = f"m{milestone.id}-{action}-"
    data = {prefix + "revision": str(fields.pop("revision", milestone.revision))}
    data.update({prefix + name: value for name, value in fields.items()})
    return client.post(f"/milestones/{milestone.id}/{slug}", data=data, headers=headers or {})


def test_the_trainee_marks_their_own_milestone_done_and_the_mentor_signs_it_off(
    client: FlaskClient, loan, mentee: User, mentor: User
) -> None:
    first_sale = by_key(mentee)["first_sale"]
    login_as(client, mentee)
    response = post(client, first_sale, "done", evidence="First receipt, 12 March: 45 €\nAnother line")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/milestones/mine#milestone-{first_sale.id}")
    db.session.expire_all()
    assert (first_sale.status, first_sale.done_by_id) == ("done", mentee.id)
    assert first_sale.evidence == "First receipt, 12 March: 45 €\nAnother line"
    assert post(client, first_sale, "sign_off").status_code == 403  # not theirs to sign off
    login_as(client, mentor)
    response = post(client, first_sale, "sign_off")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/mentees/{mentee.id}#milestone-{first_sale.id}")
    db.session.expire_all()
    assert first_sale.signed_off_by_id == mentor.id
    done, signed = audit_events("milestone.done")[-1], audit_events("milestone.signed_off")[-1]
    assert (done.actor_id, done.after["status"], done.before["status"]) == (mentee.id, "done", "pending")
    assert (signed.actor_id, signed.object_id) == (mentor.id, first_sale.id)


def test_evidence_and_reason_are_required_and_kept_as_typed(
    client: FlaskClient, loan, mentee: User, mentor: User
) -> None:
    chamber = by_key(mentee)["chamber_of_commerce"]
    login_as(client, mentee)
    response = post(client, chamber, "done", evidence="   ")
    assert response.status_code == 422
    assert f"m{chamber.id}-done-evidence" in error_fields(response.get_data(as_text=True))
    login_as(client, mentor)
    response = post(client, chamber, "waive", reason="")
    assert response.status_code == 422
    assert f"m{chamber.id}-waive-reason" in error_fields(response.get_data(as_text=True))
    response = post(client, chamber, "done", evidence="x" * 2001)
    assert response.status_code == 422
    assert "x" * 2001 in response.get_data(as_text=True)  # nothing typed is lost
    db.session.expire_all()
    assert chamber.status == "pending"
    assert audit_events("milestone.done") == []


@pytest.mark.parametrize(
    ("who", "action", "allowed"),
    [
        ("trainee", "done", True),
        ("trainee", "waive", False),
        ("trainee", "reopen", False),
        ("mentor", "done", True),
        ("mentor", "waive", True),
        ("officer", "done", False),
        ("officer", "waive", False),
        ("manager", "done", False),
        ("manager", "waive", True),
        ("stranger", "done", False),
        ("stranger", "waive", False),
        ("other_trainee", "done", False),
    ],
)
def test_who_may_act_on_a_trainee_milestone(
    request, client: FlaskClient, loan, mentee: User, cohort: Cohort, who: str, action: str, allowed: bool
) -> None:
    people = {
        "trainee": mentee,
        "mentor": request.getfixturevalue("mentor"),
        "officer": request.getfixturevalue("officer"),
        "manager": request.getfixturevalue("manager"),
        "stranger": make_person("stranger@example.org", [Role.MENTOR]),
        "other_trainee": make_person("other@example.org", [Role.TRAINEE]),
    }
    chamber = by_key(mentee)["chamber_of_commerce"]
    login_as(client, people[who])
    response = post(client, chamber, action, evidence="Visura", reason="Already registered before")
    if allowed:
        assert response.status_code == 303
        db.session.expire_all()
        assert chamber.status in {"done", "waived"}
    else:
        assert response.status_code in {403, 404}
        db.session.expire_all()
        assert chamber.status == "pending"


def test_an_officer_answers_for_the_milestones_given_to_loan_officers(
    client: FlaskClient, mentee: User, officer: User, manager: User
) -> None:
    services.create_template(
        title="Direct debit set up",
        responsible_role="officer",
        event="loan_disbursed",
        offset_days=5,
        position=1,
        actor=manager,
    )
    db.session.commit()
    disbursed_loan(mentee, disbursed_on=DISBURSED)
    [debit] = [m for m in milestones_of(mentee) if m.template.key is None]
    login_as(client, officer)
    assert client.get(f"/milestones/{debit.id}").status_code == 200
    assert client.get(f"/milestones/{by_key(mentee)['first_sale'].id}").status_code == 403
    assert post(client, debit, "done", evidence="SEPA mandate signed").status_code == 303
    login_as(client, mentee)
    assert post(client, debit, "done", evidence="me").status_code == 403  # not theirs to answer for
    login_as(client, make_person("second.officer@example.org", [Role.OFFICER]))
    assert post(client, debit, "done", evidence="Again").status_code == 409  # done already
    db.session.expire_all()
    assert (debit.done_by_id, debit.evidence) == (officer.id, "SEPA mandate signed")


def test_only_the_assigned_mentor_signs_off_and_only_a_done_milestone(
    client: FlaskClient, loan, mentee: User, mentor: User, manager: User
) -> None:
    review = by_key(mentee)["review_3_months"]
    login_as(client, mentor)
    response = post(client, review, "sign_off")
    assert response.status_code == 409  # pending: nothing to sign off
    assert post(client, review, "done", evidence="Met at the shop; sales on plan.").status_code == 303
    login_as(client, manager)
    assert post(client, review, "sign_off").status_code == 403
    login_as(client, mentor)
    assert post(client, review, "sign_off").status_code == 303
    db.session.expire_all()
    response = post(client, review, "sign_off")
    assert response.status_code == 409  # once is enough
    assert len(audit_events("milestone.signed_off")) == 1


def test_reopening_a_done_or_waived_milestone_is_audited_and_keeps_its_history(
    client: FlaskClient, loan, mentee: User, mentor: User, manager: User
) -> None:
    milestones = by_key(mentee)
    chamber, first_sale = milestones["chamber_of_commerce"], milestones["first_sale"]
    login_as(client, mentor)
    post(client, chamber, "done", evidence="Visura camerale")
    post(client, first_sale, "waive", reason="Sells only from May: season")
    login_as(client, mentee)
    db.session.expire_all()
    assert post(client, chamber, "reopen").status_code == 403
    login_as(client, manager)
    assert post(client, chamber, "reopen").status_code == 303
    assert post(client, first_sale, "reopen").status_code == 303
    db.session.expire_all()
    assert (chamber.status, chamber.evidence, chamber.done_by_id) == ("pending", None, None)
    assert (first_sale.status, first_sale.waiver_reason) == ("pending", None)
    reopened = audit_events("milestone.reopened")
    assert [e.actor_id for e in reopened] == [manager.id, manager.id]
    assert reopened[0].before["evidence"] == "Visura camerale"
    assert reopened[1].before["waiver_reason"] == "Sells only from May: season"
    history = client.get(f"/milestones/{chamber.id}").get_data(as_text=True)
    assert "Milestone marked done · Marco Bianchi" in history
    assert "Milestone reopened · Giulia Rossi" in history


def test_a_second_press_from_the_same_page_changes_nothing_and_says_why(
    client: FlaskClient, loan, mentee: User, mentor: User
) -> None:
    chamber = by_key(mentee)["chamber_of_commerce"]
    revision = chamber.revision
    login_as(client, mentor)
    assert post(client, chamber, "done", evidence="Visura", revision=revision).status_code == 303
    flashes(client)
    response = post(client, chamber, "waive", reason="No longer needed", revision=revision)
    assert response.status_code == 409
    text = page(response)
    assert "changed since your page was loaded" in text
    assert "No longer needed" in text  # what was typed is shown back
    db.session.expire_all()
    assert (chamber.status, chamber.revision) == ("done", revision + 1)
    assert len(audit_events("milestone.waived")) == 0


def test_htmx_gets_the_card_in_place(client: FlaskClient, loan, mentee: User, mentor: User) -> None:
    chamber = by_key(mentee)["chamber_of_commerce"]
    login_as(client, mentor)
    response = post(client, chamber, "done", headers=HTMX, evidence="")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<li class="card milestone')
    assert f"m{chamber.id}-done-evidence" in error_fields(html)
    response = post(client, chamber, "done", headers=HTMX, evidence="Visura camerale")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert "badge-milestone-done" in html
    assert "Visura camerale" in html
    assert f'action="/milestones/{chamber.id}/sign-off"' in html
    stale = post(client, chamber, "waive", headers=HTMX, reason="Gone", revision=1)
    assert stale.status_code == 200
    assert "changed since your page was loaded" in page(stale)


def test_text_typed_as_evidence_comes_back_escaped(client: FlaskClient, loan, mentee: User) -> None:
    chamber = by_key(mentee)["chamber_of_commerce"]
    login_as(client, mentee)
    post(client, chamber, "done", evidence='<script>alert(1)</script><img src=x onerror="x()">')
    html = client.get("/milestones/mine").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- pages -------------------------------------------------------------------------------------------------


def test_the_mentee_record_shows_the_milestones_with_their_actions(
    client: FlaskClient, loan, mentee: User, mentor: User
) -> None:
    milestones = milestones_of(mentee)
    login_as(client, mentor)
    html = client.get(f"/mentees/{mentee.id}").get_data(as_text=True)
    assert 'id="mentee-milestones"' in html
    for milestone in milestones:
        card = card_of(html, milestone)
        assert f'action="/milestones/{milestone.id}/done"' in card
        assert f'action="/milestones/{milestone.id}/waive"' in card
    assert html.index(f'id="milestone-{milestones[0].id}"') < html.index(
        f'id="milestone-{milestones[-1].id}"'
    )


def test_the_trainee_sees_their_own_milestones_and_nobody_elses(
    client: FlaskClient, loan, mentee: User, cohort: Cohort
) -> None:
    login_as(client, mentee)
    html = client.get("/milestones/mine").get_data(as_text=True)
    for milestone in milestones_of(mentee):
        card = card_of(html, milestone)
        assert ("/done" in card) == (milestone.responsible_role == "trainee")
        assert "/waive" not in card
    assert 'href="/milestones/mine"' in client.get("/path").get_data(as_text=True)
    other = make_person("other@example.org", [Role.TRAINEE])
    enrol(other, cohort, actor=None)
    db.session.commit()
    login_as(client, other)
    assert 'class="card milestone' not in client.get("/milestones/mine").get_data(as_text=True)
    assert client.get(f"/milestones/{milestones_of(mentee)[0].id}").status_code == 403


def test_the_mentor_sees_the_overdue_milestones_of_their_mentees_only(
    client: FlaskClient, mentee: User, mentor: User, cohort: Cohort
) -> None:
    paid_out = programme_today() - timedelta(days=31)  # Chamber of Commerce due yesterday
    disbursed_loan(mentee, disbursed_on=paid_out)
    other = make_person("other@example.org", [Role.TRAINEE], "Somebody Else")
    enrol(other, cohort, actor=None)
    disbursed_loan(other, disbursed_on=paid_out)
    login_as(client, mentor)
    html = client.get("/milestones/overdue").get_data(as_text=True)
    assert "Fatou Ndiaye" in html
    assert "Somebody Else" not in html
    assert html.count('<td><a href="/mentees/') == 1


def test_the_manager_sees_every_overdue_milestone_and_the_programme_page_loads_the_box(
    client: FlaskClient, mentee: User, manager: User, cohort: Cohort
) -> None:
    disbursed_loan(mentee, disbursed_on=programme_today() - timedelta(days=61))
    login_as(client, manager)
    overview = client.get("/programme").get_data(as_text=True)
    assert 'hx-get="/milestones/overdue/summary"' in overview
    box = client.get("/milestones/overdue/summary", headers=HTMX).get_data(as_text=True)
    assert "2 milestones are overdue." in box
    assert "<html" not in box
    assert box.lstrip().startswith('<div id="overdue-milestones">')
    page_alone = client.get("/milestones/overdue/summary").get_data(as_text=True)
    assert "<html" in page_alone
    assert "2 milestones are overdue." in page_alone
    assert "First sale" in box
    assert "Registered at the Chamber of Commerce" in box
    html = client.get("/milestones/overdue").get_data(as_text=True)
    assert html.count('<td><a href="/mentees/') == 2
    assert "1 day late" in html  # first sale, due yesterday


# --- templates pages ---------------------------------------------------------------------------------------


@pytest.mark.signed_in("manager")
def test_the_manager_lists_adds_edits_and_switches_templates(signed_in: FlaskClient, manager: User) -> None:
    html = signed_in.get("/milestones/templates").get_data(as_text=True)
    assert "VAT number opened" in html
    assert "12-month review" in html
    assert re.search(r"<td>Loan disbursed</td>\s*<td class=\"num\">365</td>", html)
    form = {"title": "Business insurance", "responsible_role": "trainee", "event": "loan_disbursed"}
    response = signed_in.post(
        "/milestones/templates/new", data=form | {"offset_days": "45", "position": "35"}
    )
    assert response.status_code == 303
    added = db.session.scalars(
        select(MilestoneTemplate).where(MilestoneTemplate.title == "Business insurance")
    ).one()
    assert (added.key, added.offset_days, added.active) == (None, 45, True)
    response = signed_in.post(
        f"/milestones/templates/{added.id}",
        data=form | {"offset_days": "50", "position": "35", "revision": str(added.revision)},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert (added.offset_days, added.revision) == (50, 2)
    changed = audit_events("milestone_template.changed")[-1]
    assert (changed.before, changed.after) == ({"offset_days": 45}, {"offset_days": 50, "revision": 2})
    response = signed_in.post(
        f"/milestones/templates/{added.id}/active", data={f"t{added.id}-revision": "2", "active": "0"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert added.active is False
    assert audit_events("milestone_template.deactivated")[-1].after == {"active": False, "revision": 3}
    signed_in.post(
        f"/milestones/templates/{added.id}/active", data={f"t{added.id}-revision": "3", "active": "1"}
    )
    db.session.expire_all()
    assert added.active is True
    assert (
        db.session.scalar(select(func.count()).select_from(MilestoneTemplate)) == len(BUILTIN_TEMPLATES) + 1
    )


@pytest.mark.signed_in("manager")
def test_a_template_form_refuses_bad_values_at_their_fields(signed_in: FlaskClient) -> None:
    response = signed_in.post(
        "/milestones/templates/new",
        data={
            "title": "",
            "responsible_role": "boss",
            "event": "birthday",
            "offset_days": "4000",
            "position": "x",
        },
    )
    assert response.status_code == 422
    assert error_fields(response.get_data(as_text=True)) == {
        "title",
        "responsible_role",
        "event",
        "offset_days",
        "position",
    }
    assert db.session.scalar(select(func.count()).select_from(MilestoneTemplate)) == 0


@pytest.mark.signed_in("manager")
def test_a_built_in_keeps_its_translated_title_unless_the_manager_types_another(
    signed_in: FlaskClient,
) -> None:

    signed_in.get("/milestones/templates")
    vat = template("vat_number")
    form = {"responsible_role": "trainee", "event": "plan_endorsed", "offset_days": "20", "position": "10"}
    signed_in.post(
        f"/milestones/templates/{vat.id}", data=form | {"title": "VAT number opened", "revision": "1"}
    )
    db.session.expire_all()
    assert (vat.title, vat.offset_days) == (None, 20)
    signed_in.post(
        f"/milestones/templates/{vat.id}", data=form | {"title": "Partita IVA aperta", "revision": "2"}
    )
    db.session.expire_all()
    assert vat.title == "Partita IVA aperta"


@pytest.mark.signed_in("manager")
def test_an_edit_from_a_stale_page_is_refused_and_the_typed_values_kept(signed_in: FlaskClient) -> None:
    signed_in.get("/milestones/templates")
    first_sale = template("first_sale")
    form = {"title": "First sale", "responsible_role": "trainee", "event": "loan_disbursed", "position": "30"}
    signed_in.post(
        f"/milestones/templates/{first_sale.id}", data=form | {"offset_days": "70", "revision": "1"}
    )
    response = signed_in.post(
        f"/milestones/templates/{first_sale.id}", data=form | {"offset_days": "80", "revision": "1"}
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    # theirs is stored; mine is shown, ready to save again over theirs
    assert 'value="80"' in html
    assert 'value="2"' in html
    db.session.expire_all()
    assert first_sale.offset_days == 70


@pytest.mark.parametrize("signed_in", ["trainee", "mentor", "officer"], indirect=True)
def test_only_managers_keep_the_templates(signed_in: FlaskClient, manager: User) -> None:
    services.ensure_builtin_templates()
    db.session.commit()
    vat = template("vat_number")
    assert signed_in.get("/milestones/templates").status_code == 403
    assert signed_in.post("/milestones/templates/new", data={"title": "x"}).status_code == 403
    assert signed_in.post(f"/milestones/templates/{vat.id}/active", data={"active": "0"}).status_code == 403
    db.session.expire_all()
    assert vat.active is True


def test_a_real_endorsement_gives_the_vat_milestone_with_it(mentee: User, mentor: User) -> None:
    """The plans service sends the signal itself: the milestone lands in the same transaction."""
    from workbench.plans.services import endorse_plan, submit_plan

    plan = make_plan(mentee, from_example=True)
    submit_plan(plan, mentee)
    decision = endorse_plan(plan, mentor, "Ready for credit.")
    db.session.commit()
    [vat] = milestones_of(mentee)
    assert vat.template.key == "vat_number"
    assert vat.due_on == programme_day(decision.decided_at) + timedelta(days=30)
