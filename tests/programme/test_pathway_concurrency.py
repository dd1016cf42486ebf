"""Two managers (or a double click) at once on a trainee's individual budget: two spendings that together
would go over what is granted record one; the same spending form sent twice at once records one row; two
managers granting the first amount of a category at once store one grant.

Each race runs real threads, each request with its own session and connection, released together
(tests/concurrency.py), several rounds."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.concurrency import ROUNDS, at_once
from tests.support import audit_events, login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.programme import pathway
from workbench.programme.pathway_models import BudgetGrant, BudgetSpending


@pytest.fixture
def managers(app: Flask, manager: User) -> list[FlaskClient]:
    colleague = make_person("sara.conti@example.org", [Role.MANAGER], "Sara Conti")
    browsers = []
    for person in (manager, colleague):
        browser = app.test_client()
        login_as(browser, person)
        browsers.append(browser)
    return browsers


def post_spending(browser: FlaskClient, trainee_id: int, amount: str, key: str):
    return browser.post(
        f"/programme/people/{trainee_id}/pathway/spendings",
        data={
            "spending-category": "allowance",
            "spending-spent_on": "2026-06-10",
            "spending-amount": amount,
            "spending-note": "",
            "spending-key": key,
        },
    )


def spent(trainee: User) -> Decimal:
    db.session.expire_all()
    return next(line.spent for line in pathway.pathway_of(trainee).lines if line.category == "allowance")


def test_two_spendings_that_together_go_over_the_grant_record_one(
    app: Flask, managers: list[FlaskClient], trainee: User, manager: User
) -> None:
    """Each round grants 500 more and two managers spend 500 each at once: one is recorded, one refused."""
    trainee_id = trainee.id
    for round_number in range(ROUNDS):
        category = "allowance"
        grant = pathway.grant_of(trainee, category)
        if grant is None:
            pathway.set_grant(trainee, category, Decimal("500"), seen_revision=0, actor=manager)
        else:
            pathway.set_grant(
                trainee, category, grant.amount + 500, seen_revision=grant.revision, actor=manager
            )
        db.session.commit()
        statuses = sorted(
            r.status_code
            for r in at_once(
                app,
                *(partial(post_spending, b, trainee_id, "500", pathway.new_spending_key()) for b in managers),
            )
        )
        assert statuses == [303, 422], statuses
        assert spent(trainee) == Decimal(500 * (round_number + 1))
    assert len(audit_events("budget_spending.recorded")) == ROUNDS


def test_the_same_spending_form_sent_twice_at_once_records_one_row(
    app: Flask, managers: list[FlaskClient], trainee: User, manager: User
) -> None:
    pathway.set_grant(trainee, "allowance", Decimal("10000"), seen_revision=0, actor=manager)
    db.session.commit()
    trainee_id = trainee.id
    for _round in range(ROUNDS):
        key = pathway.new_spending_key()
        responses = at_once(
            app, *(partial(post_spending, managers[0], trainee_id, "100", key) for _ in range(2))
        )
        assert [r.status_code for r in responses] == [303, 303]
    assert db.session.scalar(select(func.count(BudgetSpending.id))) == ROUNDS
    assert spent(trainee) == Decimal(100 * ROUNDS)
    assert len(audit_events("budget_spending.recorded")) == ROUNDS


def test_two_managers_granting_a_category_at_once_store_one_grant(
    app: Flask, managers: list[FlaskClient], manager: User
) -> None:
    trainees = [make_person(f"t{n}@example.org", [Role.TRAINEE], f"Trainee {n}") for n in range(ROUNDS)]
    for trainee in [t.id for t in trainees]:
        url = f"/programme/people/{trainee}/pathway/budget/allowance"
        responses = at_once(
            app,
            *(
                partial(b.post, url, data={"grant-allowance-amount": amount, "grant-allowance-revision": "0"})
                for b, amount in zip(managers, ("3000", "2000"), strict=True)
            ),
        )
        assert sorted(r.status_code for r in responses) == [303, 422]
    assert db.session.scalar(select(func.count(BudgetGrant.id))) == ROUNDS
    assert len(audit_events("budget_grant.set")) == ROUNDS
