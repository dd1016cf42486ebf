"""The review by e-mail: a plan sent for review reaches the trainee's mentor (without a mentor, every active
manager), a plan sent back reaches the trainee with the mentor's note, each in their own language and in the
same transaction as the change: a refused change sends nothing."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.auth.services import set_active
from workbench.extensions import db
from workbench.notifications.models import OutboxMessage
from workbench.plans import services
from workbench.plans.models import BusinessPlan
from workbench.programme.services import assign_mentor


def mails(kind: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))
    )


def ready_plan(trainee: User) -> BusinessPlan:
    plan = services.create_plan(
        owner=trainee, business_type="food", title="Fatou's Kitchen", from_example=True
    )
    db.session.commit()
    return plan


def test_a_plan_sent_for_review_reaches_the_mentor(
    signed_in: FlaskClient, trainee: User, mentor: User, manager: User
) -> None:
    assign_mentor(trainee, mentor, None)
    plan = ready_plan(trainee)
    assert signed_in.post(f"/plans/{plan.id}/submit").status_code == 303
    [message] = mails("plan_submitted")
    assert (message.recipient_id, message.locale, message.status) == (mentor.id, "it", "pending")
    assert "Fatou Ndiaye" in message.subject
    assert "Fatou's Kitchen" in message.subject
    assert f"/plans/{plan.id}\n" in message.body_text
    assert mails("plan_waiting_for_mentor") == []  # the manager hears nothing: the mentor has it


def test_without_a_mentor_every_active_manager_hears_of_it(
    signed_in: FlaskClient, trainee: User, manager: User
) -> None:
    other = make_person("second.manager@example.org", [Role.MANAGER], "Second Manager", locale="ar")
    gone = make_person("gone.manager@example.org", [Role.MANAGER], "Gone Manager")
    set_active(gone, False, manager)
    db.session.commit()
    plan = ready_plan(trainee)
    assert signed_in.post(f"/plans/{plan.id}/submit").status_code == 303
    waiting = mails("plan_waiting_for_mentor")
    assert sorted((m.recipient_id, m.locale) for m in waiting) == sorted(
        [(manager.id, "en"), (other.id, "ar")]
    )
    assert all("/programme\n" in m.body_text for m in waiting)


def test_a_plan_sent_back_reaches_the_trainee_with_the_note(
    app, client: FlaskClient, trainee: User, mentor: User
) -> None:
    assign_mentor(trainee, mentor, None)
    plan = ready_plan(trainee)
    services.submit_plan(plan, trainee)
    db.session.commit()
    login_as(client, mentor)
    note = "Rivedi i costi del primo mese.\nE il prezzo dei pasti."
    assert client.post(f"/plans/{plan.id}/request-changes", data={"note": note}).status_code == 303
    [message] = mails("plan_changes_requested")
    assert (message.recipient_id, message.locale) == (
        trainee.id,
        "fr",
    )  # the trainee's language, not the mentor's
    assert note in message.body_text
    assert "Marco Bianchi" in message.body_text


def test_a_refused_change_sends_nothing(signed_in: FlaskClient, trainee: User, mentor: User) -> None:
    assign_mentor(trainee, mentor, None)
    empty = services.create_plan(owner=trainee, business_type="food", title="Not ready")
    db.session.commit()
    assert signed_in.post(f"/plans/{empty.id}/submit").status_code == 303  # refused: the plan is incomplete
    assert mails("plan_submitted") == []


def test_an_endorsement_reaches_the_trainee_with_the_note_and_the_next_step(
    app, client: FlaskClient, trainee: User, mentor: User
) -> None:
    assign_mentor(trainee, mentor, None)
    plan = ready_plan(trainee)
    services.submit_plan(plan, trainee)
    db.session.commit()
    login_as(client, mentor)
    note = "Piano solido: i clienti sono chiari.\nPronto per il microcredito."
    assert client.post(f"/plans/{plan.id}/endorse", data={"endorse-note": note}).status_code == 303
    [message] = mails("plan_endorsed")
    assert (message.recipient_id, message.locale) == (trainee.id, "fr")  # the trainee's language
    assert note in message.body_text
    assert "Marco Bianchi" in message.body_text
    assert f"/plans/{plan.id}\n" in message.body_text  # where the trainee applies
    assert mails("plan_changes_requested") == []  # an endorsement is not a request for changes


def test_an_endorsement_refused_sends_nothing(client: FlaskClient, trainee: User, mentor: User) -> None:
    assign_mentor(trainee, mentor, None)
    plan = ready_plan(trainee)
    services.submit_plan(plan, trainee)
    db.session.commit()
    login_as(client, mentor)
    assert client.post(f"/plans/{plan.id}/endorse", data={"endorse-note": "  "}).status_code == 422
    assert mails("plan_endorsed") == []
