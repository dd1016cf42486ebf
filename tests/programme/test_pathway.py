"""A trainee's individual pathway: goals agreed, services offered and the individual budget ("dote") with its
spendings; the rules and refusals of workbench/programme/pathway.py, the audit of every change, who sees what
(the manager keeps it, the trainee's mentors read it, the trainee reads their goals and budget)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.programme.training_support import page, words
from tests.support import audit_events, error_fields, login_as, make_person
from workbench.audit.models import AppendOnlyViolation
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.programme import pathway
from workbench.programme.pathway_models import BudgetGrant, BudgetSpending, PathwayGoal, PathwayService
from workbench.programme.permissions import can_manage_pathway, can_read_pathway
from workbench.programme.services import assign_mentor
from workbench.timeutil import programme_today

pytestmark = pytest.mark.usefixtures("english_readers")


def person_url(user: User) -> str:
    return f"/programme/people/{user.id}"


def granted(trainee: User, manager: User, **amounts: str) -> dict[str, BudgetGrant]:
    grants = {
        category: pathway.set_grant(trainee, category, Decimal(amount), seen_revision=0, actor=manager)
        for category, amount in amounts.items()
    }
    db.session.commit()
    return grants


def spend(trainee: User, manager: User, category: str, amount: str, **kwargs) -> BudgetSpending:
    row = pathway.record_spending(
        trainee,
        category,
        spent_on=kwargs.pop("spent_on", date(2026, 6, 10)),
        amount=Decimal(amount),
        note=kwargs.pop("note", ""),
        key=kwargs.pop("key", pathway.new_spending_key()),
        actor=manager,
        **kwargs,
    )
    db.session.commit()
    return row


def spending_form(category: str = "allowance", amount: str = "500", **changes: str) -> dict[str, str]:
    data = {
        "spending-category": category,
        "spending-spent_on": "2026-06-10",
        "spending-amount": amount,
        "spending-note": "Indennità di tirocinio 06/2026",
        "spending-key": pathway.new_spending_key(),
    }
    return data | changes


# --- goals and services -------------------------------------------------------------------------------------


@pytest.mark.signed_in("manager")
def test_a_manager_agrees_goals_with_the_trainee(
    signed_in: FlaskClient, trainee: User, manager: User
) -> None:
    html = page(signed_in.get(person_url(trainee)))
    assert "Individual pathway" in html
    assert "No goal yet." in html
    response = signed_in.post(
        f"{person_url(trainee)}/pathway/goals",
        data={"goal-text": "  Aprire la partita IVA\n entro giugno ", "goal-agreed_on": "2026-03-04"},
    )
    assert response.status_code == 303
    goal = db.session.scalars(select(PathwayGoal)).one()
    assert (goal.trainee_id, goal.text, goal.agreed_on, goal.status) == (
        trainee.id,
        "Aprire la partita IVA entro giugno",
        date(2026, 3, 4),
        "open",
    )
    (event,) = audit_events("pathway_goal.added")
    assert (event.object_id, event.actor_id) == (goal.id, manager.id)
    assert event.after == {
        "trainee_id": trainee.id,
        "text": "Aprire la partita IVA entro giugno",
        "agreed_on": "2026-03-04",
        "status": "open",
    }
    status_url = f"{person_url(trainee)}/pathway/goals/{goal.id}/status"
    assert (
        signed_in.post(
            status_url, data={f"goal-{goal.id}-status": "achieved", f"goal-{goal.id}-seen": "open"}
        ).status_code
        == 303
    )
    db.session.expire_all()
    assert goal.status == "achieved"
    (changed,) = audit_events("pathway_goal.status_changed")
    assert (changed.before, changed.after) == (
        {"status": "open"},
        {"status": "achieved", "trainee_id": trainee.id},
    )
    # The same change again (a double click) changes nothing.
    signed_in.post(status_url, data={f"goal-{goal.id}-status": "achieved", f"goal-{goal.id}-seen": "open"})
    assert len(audit_events("pathway_goal.status_changed")) == 1


@pytest.mark.signed_in("manager")
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"goal-text": "", "goal-agreed_on": "2026-03-04"},
            "goal-text",
            "Write the goal agreed with the trainee.",
        ),
        (
            {"goal-text": " ", "goal-agreed_on": "2026-03-04"},
            "goal-text",
            "Write the goal agreed with the trainee.",
        ),
        ({"goal-text": "x" * 501, "goal-agreed_on": "2026-03-04"}, "goal-text", "500 characters"),
        ({"goal-text": "Aprire la partita IVA", "goal-agreed_on": "not a day"}, "goal-agreed_on", ""),
    ],
)
def test_a_goal_needs_its_text_and_its_day(
    signed_in: FlaskClient, trainee: User, data: dict, field: str, message: str
) -> None:
    response = signed_in.post(f"{person_url(trainee)}/pathway/goals", data=data)
    assert response.status_code == 422
    html = page(response)
    assert error_fields(html) == {field}
    assert message in html
    assert db.session.scalar(select(func.count(PathwayGoal.id))) == 0


@pytest.mark.signed_in("manager")
def test_a_status_changed_meanwhile_is_not_overwritten(
    signed_in: FlaskClient, trainee: User, manager: User
) -> None:
    goal = pathway.add_goal(trainee, "Raggiungere il livello B1 di italiano", date(2026, 3, 6), manager)
    db.session.commit()
    pathway.set_goal_status(goal, "dropped", seen="open", actor=manager)
    db.session.commit()
    # This page still showed "open".
    response = signed_in.post(
        f"{person_url(trainee)}/pathway/goals/{goal.id}/status",
        data={f"goal-{goal.id}-status": "achieved", f"goal-{goal.id}-seen": "open"},
    )
    assert response.status_code == 422
    assert "Someone changed this a moment ago: it is dropped now." in page(response)
    db.session.expire_all()
    assert goal.status == "dropped"
    # An unknown status is refused.
    refused = signed_in.post(
        f"{person_url(trainee)}/pathway/goals/{goal.id}/status",
        data={f"goal-{goal.id}-status": "done", f"goal-{goal.id}-seen": "dropped"},
    )
    assert refused.status_code == 422
    with pytest.raises(DomainError):
        pathway.set_goal_status(goal, "done", seen="dropped", actor=manager)


@pytest.mark.signed_in("manager")
def test_a_manager_records_the_services_offered(signed_in: FlaskClient, trainee: User, manager: User) -> None:
    response = signed_in.post(
        f"{person_url(trainee)}/pathway/services",
        data={
            "service-description": "Mediazione interculturale",
            "service-provider": "Comune di Venezia",
            "service-offered_on": "2026-04-01",
        },
    )
    assert response.status_code == 303
    service = db.session.scalars(select(PathwayService)).one()
    assert (service.description, service.provider, service.status) == (
        "Mediazione interculturale",
        "Comune di Venezia",
        "offered",
    )
    assert audit_events("pathway_service.added")[0].after["provider"] == "Comune di Venezia"
    url = f"{person_url(trainee)}/pathway/services/{service.id}/status"
    prefix = f"service-{service.id}"
    assert (
        signed_in.post(url, data={f"{prefix}-status": "taken_up", f"{prefix}-seen": "offered"}).status_code
        == 303
    )
    db.session.expire_all()
    assert service.status == "taken_up"
    assert audit_events("pathway_service.status_changed")[0].after == {
        "status": "taken_up",
        "trainee_id": trainee.id,
    }
    missing = signed_in.post(
        f"{person_url(trainee)}/pathway/services", data={"service-offered_on": "2026-04-01"}
    )
    assert missing.status_code == 422
    assert error_fields(page(missing)) == {"service-description"}


# --- the budget ---------------------------------------------------------------------------------------------


@pytest.mark.signed_in("manager")
def test_a_manager_grants_a_budget_per_category(signed_in: FlaskClient, trainee: User, manager: User) -> None:
    html = page(signed_in.get(person_url(trainee)))
    for label in ("Operator services", "Allowance", "Company tutoring", "Other"):
        assert label in html
    response = signed_in.post(
        f"{person_url(trainee)}/pathway/budget/allowance",
        data={"grant-allowance-amount": "3,000.00", "grant-allowance-revision": "0"},
    )
    assert response.status_code == 303
    grant = db.session.scalars(select(BudgetGrant)).one()
    assert (grant.category, grant.amount, grant.revision) == ("allowance", Decimal("3000.00"), 1)
    (event,) = audit_events("budget_grant.set")
    assert (event.before, event.after) == (
        {"amount": None},
        {"trainee_id": trainee.id, "category": "allowance", "amount": "3000.00", "revision": 1},
    )
    response = signed_in.post(
        f"{person_url(trainee)}/pathway/budget/allowance",
        data={"grant-allowance-amount": "2500", "grant-allowance-revision": "1"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert (grant.amount, grant.revision) == (Decimal("2500.00"), 2)
    assert audit_events("budget_grant.set")[1].before == {"amount": "3000.00"}
    assert signed_in.post(f"{person_url(trainee)}/pathway/budget/savings", data={}).status_code == 404


@pytest.mark.signed_in("manager")
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "This cannot be below zero."),
        ("12.345", "At most two decimals: euros and cents."),
        ("100000.01", "At most €100,000.00."),
        ("1e5", "Enter an amount in euros, with digits only"),
        ("", "Enter an amount in euros (0 for none)."),
    ],
)
def test_an_amount_granted_is_euros_and_cents_within_bounds(
    signed_in: FlaskClient, trainee: User, typed: str, message: str
) -> None:
    response = signed_in.post(
        f"{person_url(trainee)}/pathway/budget/other",
        data={"grant-other-amount": typed, "grant-other-revision": "0"},
    )
    assert response.status_code == 422
    html = page(response)
    assert error_fields(html) == {"grant-other-amount"}
    assert message in html
    assert db.session.scalar(select(func.count(BudgetGrant.id))) == 0


@pytest.mark.signed_in("manager")
def test_a_grant_set_meanwhile_or_below_what_is_spent_is_refused(
    signed_in: FlaskClient, trainee: User, manager: User
) -> None:
    granted(trainee, manager, allowance="3000")
    spend(trainee, manager, "allowance", "1500")
    url = f"{person_url(trainee)}/pathway/budget/allowance"
    below = signed_in.post(url, data={"grant-allowance-amount": "1000", "grant-allowance-revision": "1"})
    assert below.status_code == 422
    assert "€1,500.00 is already spent in this category: the amount granted cannot be below it." in page(
        below
    )
    stale = signed_in.post(url, data={"grant-allowance-amount": "2000", "grant-allowance-revision": "0"})
    assert stale.status_code == 422
    html = page(stale)
    assert "Another manager set this to €3,000.00 a moment ago." in html
    assert 'name="grant-allowance-revision" type="hidden" value="1"' in html  # saving again replaces it
    db.session.expire_all()
    assert db.session.scalars(select(BudgetGrant)).one().amount == Decimal("3000.00")


@pytest.mark.signed_in("manager")
def test_spendings_are_counted_against_what_is_granted(
    signed_in: FlaskClient, trainee: User, manager: User
) -> None:
    granted(trainee, manager, allowance="3000", operator_services="2340", company_tutoring="600")
    html = page(signed_in.get(person_url(trainee)))
    assert "Record a spending" in html
    response = signed_in.post(f"{person_url(trainee)}/pathway/spendings", data=spending_form())
    assert response.status_code == 303
    row = db.session.scalars(select(BudgetSpending)).one()
    assert (row.kind, row.amount, row.spent_on, row.note) == (
        "spending",
        Decimal("500.00"),
        date(2026, 6, 10),
        "Indennità di tirocinio 06/2026",
    )
    (event,) = audit_events("budget_spending.recorded")
    assert event.after == {
        "trainee_id": trainee.id,
        "category": "allowance",
        "spent_on": "2026-06-10",
        "amount": "500.00",
        "note": "Indennità di tirocinio 06/2026",
    }
    spend(trainee, manager, "operator_services", "780")
    lines = {line.category: line for line in pathway.pathway_of(trainee).lines}
    assert (lines["allowance"].spent, lines["allowance"].remaining) == (Decimal("500.00"), Decimal("2500.00"))
    assert (lines["operator_services"].spent, lines["operator_services"].remaining) == (
        Decimal("780.00"),
        Decimal("1560.00"),
    )
    assert lines["other"].grant is None
    whole = pathway.pathway_of(trainee)
    assert (whole.granted, whole.spent, whole.remaining) == (
        Decimal("5940.00"),
        Decimal("1280.00"),
        Decimal("4660.00"),
    )
    text = words(signed_in.get(person_url(trainee)))
    assert "Total €5,940.00 €1,280.00 €4,660.00" in text
    # Nothing of it is stored: the grant holds only the amount granted.
    assert {c.name for c in BudgetGrant.__table__.columns} & {"spent", "remaining"} == set()


@pytest.mark.signed_in("manager")
def test_a_spending_above_what_remains_is_refused_with_the_figures(
    signed_in: FlaskClient, trainee: User, manager: User
) -> None:
    granted(trainee, manager, company_tutoring="600")
    spend(trainee, manager, "company_tutoring", "500")
    response = signed_in.post(
        f"{person_url(trainee)}/pathway/spendings", data=spending_form("company_tutoring", "100.01")
    )
    assert response.status_code == 422
    html = page(response)
    assert error_fields(html) == {"spending-amount"}
    assert (
        "Only €100.00 is left in Company tutoring (granted €600.00, spent €500.00): this spending would go "
        "over it." in html
    )
    assert 'value="100.01"' in html  # what was typed stays
    assert db.session.scalar(select(func.count(BudgetSpending.id))) == 1
    # Exactly what remains is fine.
    assert (
        signed_in.post(
            f"{person_url(trainee)}/pathway/spendings", data=spending_form("company_tutoring", "100")
        ).status_code
        == 303
    )


@pytest.mark.signed_in("manager")
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"spending-category": "other"},
            "spending-category",
            "Nothing is granted in Other: grant an amount first.",
        ),
        ({"spending-category": "savings"}, "spending-category", "Not a valid choice"),
        ({"spending-amount": "0"}, "spending-amount", "An amount above zero."),
        ({"spending-spent_on": "2099-01-01"}, "spending-spent_on", "the date cannot be in the future"),
        ({"spending-note": "x" * 201}, "spending-note", "200 characters"),
        ({"spending-key": "not-a-token"}, "spending-key", "This form is out of date"),
    ],
)
def test_a_spending_is_refused_with_a_reason_at_its_field(
    signed_in: FlaskClient, trainee: User, manager: User, changes: dict, field: str, message: str
) -> None:
    granted(trainee, manager, allowance="3000")
    response = signed_in.post(f"{person_url(trainee)}/pathway/spendings", data=spending_form(**changes))
    assert response.status_code == 422
    html = page(response)
    if field == "spending-key":
        assert message in html
        assert re.search(r'name="spending-key" type="hidden" value="[0-9a-f]{32}"', html)
    else:
        assert error_fields(html) == {field}
        assert message in html
    assert db.session.scalar(select(func.count(BudgetSpending.id))) == 0


@pytest.mark.signed_in("manager")
def test_the_same_spending_form_sent_twice_records_one_spending(
    signed_in: FlaskClient, trainee: User, manager: User
) -> None:
    granted(trainee, manager, allowance="3000")
    data = spending_form()
    assert signed_in.post(f"{person_url(trainee)}/pathway/spendings", data=data).status_code == 303
    assert signed_in.post(f"{person_url(trainee)}/pathway/spendings", data=data).status_code == 303
    assert db.session.scalar(select(func.count(BudgetSpending.id))) == 1
    assert len(audit_events("budget_spending.recorded")) == 1


@pytest.mark.signed_in("manager")
def test_a_mistaken_spending_is_taken_back_once(signed_in: FlaskClient, trainee: User, manager: User) -> None:
    granted(trainee, manager, allowance="500")
    row = spend(trainee, manager, "allowance", "500", note="Indennità 06/2026")
    url = f"{person_url(trainee)}/pathway/spendings/{row.id}/reverse"
    assert "Take this spending back" in page(signed_in.get(person_url(trainee)))
    missing = signed_in.post(url, data={f"reverse-{row.id}-reason": ""})
    assert missing.status_code == 422
    assert "Say why this spending is taken back." in page(missing)
    response = signed_in.post(url, data={f"reverse-{row.id}-reason": "Registrata due volte"})
    assert response.status_code == 303
    reversal = db.session.scalars(select(BudgetSpending).where(BudgetSpending.kind == "reversal")).one()
    assert (reversal.reverses_id, reversal.amount, reversal.note, reversal.spent_on) == (
        row.id,
        Decimal("500.00"),
        "Registrata due volte",
        programme_today(),
    )
    (event,) = audit_events("budget_spending.reversed")
    assert event.after["reverses_id"] == row.id
    line = next(line for line in pathway.pathway_of(trainee).lines if line.category == "allowance")
    assert (line.spent, line.remaining) == (Decimal("0.00"), Decimal("500.00"))
    # Twice: one reversal. A reversal is never reversed.
    assert signed_in.post(url, data={f"reverse-{row.id}-reason": "Di nuovo"}).status_code == 303
    assert db.session.scalar(select(func.count(BudgetSpending.id))) == 2
    with pytest.raises(DomainError):
        pathway.reverse_spending(reversal, "No", manager)
    html = page(signed_in.get(person_url(trainee)))
    assert "taken back" in html
    assert f"/spendings/{row.id}/reverse" not in html


def test_spendings_are_rows_of_record(trainee: User, manager: User) -> None:
    granted(trainee, manager, allowance="500")
    row = spend(trainee, manager, "allowance", "200")
    row.amount = Decimal("1")
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()
    for sql in ("UPDATE budget_spendings SET amount = 1", "DELETE FROM budget_spendings"):
        with pytest.raises(DBAPIError), db.session.begin_nested():
            db.session.execute(text(sql))
    db.session.rollback()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(
            text(
                "INSERT INTO budget_spendings (grant_id, kind, spent_on, amount, note, idempotency_key, "
                "recorded_at) VALUES (:grant, 'spending', '2026-06-10', 0, '', 'k', '2026-06-10')"
            ),
            {"grant": row.grant_id},
        )


def test_a_pathway_belongs_to_a_trainee(manager: User) -> None:
    mentor = make_person("marco.bianchi@example.org", [Role.MENTOR], "Marco Bianchi")
    with pytest.raises(DomainError):
        pathway.add_goal(mentor, "Diventare imprenditore", date(2026, 3, 4), manager)


# --- who sees what ------------------------------------------------------------------------------------------


@pytest.fixture
def planned(trainee: User, manager: User) -> User:
    """The trainee with a goal, a service and a budget with a spending."""
    pathway.add_goal(trainee, "Aprire la partita IVA", date(2026, 3, 4), manager)
    pathway.add_service(trainee, "Bilancio delle competenze", "Operatore", date(2026, 3, 4), manager)
    granted(trainee, manager, allowance="3000")
    spend(trainee, manager, "allowance", "500", note="Nota interna")
    return trainee


def test_the_trainee_reads_their_goals_and_budget_on_their_path(client: FlaskClient, planned: User) -> None:
    login_as(client, planned)
    text = words(client.get("/path"))
    assert "Your individual plan" in text
    assert "Aprire la partita IVA" in text
    assert "Allowance €3,000.00 €500.00 €2,500.00" in text
    assert "<form" not in page(client.get("/path")).split("my-pathway")[1].split("</section>")[0]
    for url in (
        f"/programme/people/{planned.id}/pathway/goals",
        f"/programme/people/{planned.id}/pathway/spendings",
    ):
        assert client.post(url, data={}).status_code == 403


def test_another_trainee_sees_none_of_it(client: FlaskClient, planned: User, cohort) -> None:
    other = make_person("moussa.sow@example.org", [Role.TRAINEE], "Moussa Sow")
    login_as(client, other)
    text = words(client.get("/path"))
    assert "Aprire la partita IVA" not in text
    assert "Your individual plan" not in text


def test_the_trainees_mentor_reads_it_all_without_forms(
    client: FlaskClient, planned: User, manager: User
) -> None:
    mentor = make_person("marco.bianchi@example.org", [Role.MENTOR], "Marco Bianchi")
    assign_mentor(planned, mentor, manager)
    db.session.commit()
    login_as(client, mentor)
    response = client.get(f"/mentees/{planned.id}")
    text = words(response)
    assert "Individual pathway" in text
    assert "Aprire la partita IVA" in text
    assert "Bilancio delle competenze" in text
    assert "Allowance €3,000.00 €500.00 €2,500.00" in text
    assert "Nota interna" in text
    assert "/pathway/" not in page(response)  # no form posts anywhere
    assert client.post(f"/programme/people/{planned.id}/pathway/goals", data={}).status_code == 403
    # A mentor who does not accompany the trainee reads nothing of it.
    stranger = make_person("amina.diallo@example.org", [Role.MENTOR], "Amina Diallo")
    login_as(client, stranger)
    assert client.get(f"/mentees/{planned.id}").status_code in {403, 404}


@pytest.mark.signed_in("manager")
def test_people_who_are_not_trainees_have_no_pathway(signed_in: FlaskClient, manager: User) -> None:
    mentor = make_person("marco.bianchi@example.org", [Role.MENTOR], "Marco Bianchi")
    assert "Individual pathway" not in page(signed_in.get(person_url(mentor)))
    response = signed_in.post(
        f"{person_url(mentor)}/pathway/goals", data={"goal-text": "x", "goal-agreed_on": "2026-03-04"}
    )
    assert response.status_code == 404


@pytest.mark.signed_in("manager")
def test_a_goal_of_another_trainee_is_not_found_under_this_one(
    signed_in: FlaskClient, planned: User, manager: User
) -> None:
    other = make_person("moussa.sow@example.org", [Role.TRAINEE], "Moussa Sow")
    goal = db.session.scalars(select(PathwayGoal)).one()
    spending = db.session.scalars(select(BudgetSpending)).one()
    service = db.session.scalars(select(PathwayService)).one()
    for url in (
        f"{person_url(other)}/pathway/goals/{goal.id}/status",
        f"{person_url(other)}/pathway/services/{service.id}/status",
        f"{person_url(other)}/pathway/spendings/{spending.id}/reverse",
    ):
        assert signed_in.post(url, data={}).status_code == 404


def test_the_budget_lines_follow_the_categories_in_the_code() -> None:
    assert list(pathway.BUDGET_CATEGORIES) == ["operator_services", "allowance", "company_tutoring", "other"]
    grant = BudgetGrant(id=1, category="allowance", amount=Decimal("3000.00"))
    legacy = BudgetGrant(id=2, category="housing", amount=Decimal("100.00"))
    rows = [
        BudgetSpending(id=1, grant_id=1, kind="spending", amount=Decimal("500.00")),
        BudgetSpending(id=2, grant_id=1, kind="spending", amount=Decimal("500.00")),
        BudgetSpending(id=3, grant_id=1, kind="reversal", amount=Decimal("500.00"), reverses_id=2),
    ]
    lines = pathway.budget_lines([grant, legacy], rows)
    assert [line.category for line in lines] == [*pathway.BUDGET_CATEGORIES, "housing"]
    allowance = lines[1]
    assert (allowance.granted, allowance.spent, allowance.remaining) == (
        Decimal("3000.00"),
        Decimal("500.00"),
        Decimal("2500.00"),
    )
    assert lines[-1].label == "housing"


def test_today_bounds_the_day_of_a_spending(trainee: User, manager: User) -> None:
    granted(trainee, manager, allowance="3000")
    today = programme_today()
    assert spend(trainee, manager, "allowance", "10", spent_on=today, today=today).id
    with pytest.raises(DomainError) as refused:
        spend(trainee, manager, "allowance", "10", spent_on=today + timedelta(days=1), today=today)
    assert re.search("future", refused.value.errors["spent_on"])


def test_who_keeps_and_who_reads_a_pathway(trainee: User, manager: User) -> None:
    mentor = make_person("marco.bianchi@example.org", [Role.MENTOR], "Marco Bianchi")
    stranger = make_person("amina.diallo@example.org", [Role.MENTOR], "Amina Diallo")
    other = make_person("moussa.sow@example.org", [Role.TRAINEE], "Moussa Sow")
    officer = make_person("luca.ferraro@example.org", [Role.OFFICER], "Luca Ferraro")
    assign_mentor(trainee, mentor, manager)
    db.session.commit()
    assert can_manage_pathway(manager, trainee)
    assert not any(can_manage_pathway(p, trainee) for p in (mentor, trainee, officer))
    assert not can_manage_pathway(manager, mentor)  # only trainees have one
    assert all(can_read_pathway(p, trainee) for p in (manager, mentor, trainee))
    assert not any(can_read_pathway(p, trainee) for p in (stranger, other, officer))
