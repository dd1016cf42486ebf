"""Lending settings under a double click and two managers at once: exactly one change is stored and audited,
the other press gets a clear message with what was typed still there. Real threads, each request with its
own session and connection (tests.concurrency.at_once), on SQLite and PostgreSQL."""

from __future__ import annotations

import html as html_lib
from datetime import date
from decimal import Decimal
from functools import partial

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from tests.concurrency import ROUNDS, at_once
from tests.factories import loan_product
from tests.support import audit_events, login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.lending.product_models import LoanProduct, MicrocreditLimit, UsuryRate

pytestmark = pytest.mark.usefixtures("english_readers")

FORM = {
    "name": "Microcredito d'impresa",
    "min_amount": "1000",
    "max_amount": "75000",
    "min_rate": "0",
    "max_rate": "8",
    "max_term_months": "120",
    "max_grace_months": "12",
    "methods": ["annuity"],
    "day_count": "30/360",
    "first_period": "whole_period",
    "rounding": "half_up",
    "installment_unit": "0.01",
    "interest": "declining",
    "grace": "interest_only",
    "late_tolerance_days": "0",
    "usury_class": "Altri finanziamenti alle famiglie e alle imprese",
}


def browsers(app: Flask, *people: User) -> list[FlaskClient]:
    """One browser per entry (the same person twice is two tabs with their own cookies)."""
    clients = []
    for person in people:
        client = app.test_client()
        login_as(client, person)
        clients.append(client)
    return clients


def test_two_managers_editing_one_product_at_once_one_edit_is_kept(app: Flask, manager: User) -> None:
    other = make_person("second.manager@example.org", [Role.MANAGER])
    product_id = loan_product().id
    tabs = browsers(app, manager, other)
    for round_ in range(ROUNDS):
        db.session.expire_all()
        revision = db.session.get(LoanProduct, product_id).revision
        terms = [str(60 + 2 * round_), str(61 + 2 * round_)]
        responses = at_once(
            app,
            *(
                partial(
                    tab.post,
                    f"/products/{product_id}",
                    data=FORM | {"max_term_months": term, "revision": str(revision)},
                )
                for tab, term in zip(tabs, terms, strict=True)
            ),
        )
        statuses = [r.status_code for r in responses]
        assert sorted(statuses) == [303, 409], f"round {round_}: {statuses}"
        winner = statuses.index(303)
        db.session.expire_all()
        stored = db.session.get(LoanProduct, product_id)
        assert (stored.max_term_months, stored.revision) == (int(terms[winner]), revision + 1)
        loser = html_lib.unescape(responses[1 - winner].get_data(as_text=True))
        assert "Another manager changed this product since you opened it." in loser
        assert f'value="{terms[1 - winner]}"' in loser  # what the other manager typed is still there
    assert len(audit_events("loan_product.changed")) == ROUNDS


def test_a_double_click_on_add_product_adds_one(app: Flask, manager: User) -> None:
    tabs = browsers(app, manager, manager)
    for round_ in range(ROUNDS):
        data = FORM | {"name": f"Prodotto {round_}"}
        responses = at_once(app, *(partial(tab.post, "/products/new", data=data) for tab in tabs))
        assert sorted(r.status_code for r in responses) == [303, 422], f"round {round_}"
        refused = next(r for r in responses if r.status_code == 422)
        assert f"A product called Prodotto {round_} already exists." in html_lib.unescape(
            refused.get_data(as_text=True)
        )
    assert db.session.scalar(select(func.count(LoanProduct.id))) == ROUNDS
    assert len(audit_events("loan_product.created")) == ROUNDS


def test_two_switch_offs_at_once_switch_it_off_once(app: Flask, manager: User) -> None:
    tabs = browsers(app, manager, manager)
    for round_ in range(ROUNDS):
        product = loan_product(name=f"Round {round_}")
        data = {f"p{product.id}-revision": "1", "active": "0"}
        responses = at_once(
            app, *(partial(tab.post, f"/products/{product.id}/active", data=data) for tab in tabs)
        )
        assert [r.status_code for r in responses] == [303, 303], f"round {round_}"
        db.session.expire_all()
        assert not db.session.get(LoanProduct, product.id).active
    assert len(audit_events("loan_product.deactivated")) == ROUNDS


def test_a_double_submit_of_a_quarter_tegm_enters_it_once(app: Flask, manager: User) -> None:
    other = make_person("second.manager@example.org", [Role.MANAGER])
    tabs = browsers(app, manager, other)
    for round_ in range(ROUNDS):
        year = str(2015 + round_)
        data = {"loan_class": "Microcredito", "year": year, "quarter": "4", "tegm": "11.5"}
        responses = at_once(app, *(partial(tab.post, "/products/usury", data=data) for tab in tabs))
        assert sorted(r.status_code for r in responses) == [303, 422], f"round {round_}"
        refused = next(r for r in responses if r.status_code == 422)
        assert (
            f"The TEGM of Microcredito for the quarter starting Apr 1, {year} is already entered."
            in html_lib.unescape(refused.get_data(as_text=True))
        )
    assert db.session.scalar(select(func.count(UsuryRate.id))) == ROUNDS
    assert len(audit_events("usury_rate.added")) == ROUNDS
    assert {rate.quarter_start for rate in db.session.scalars(select(UsuryRate))} == {
        date(2015 + n, 4, 1) for n in range(ROUNDS)
    }


def test_a_double_submit_of_limits_adds_them_once(app: Flask, manager: User) -> None:
    db.session.execute(delete(MicrocreditLimit))
    db.session.commit()
    tabs = browsers(app, manager, manager)
    for round_ in range(ROUNDS):
        data = {
            "effective_from": f"{2030 + round_}-01-01",
            "max_amount": "80000",
            "max_amount_srl": "100000",
            "max_term_months": "120",
            "tutoring_required": "y",
            "source": "",
        }
        responses = at_once(app, *(partial(tab.post, "/products/limits", data=data) for tab in tabs))
        assert sorted(r.status_code for r in responses) == [303, 422], f"round {round_}"
    assert db.session.scalar(select(func.count(MicrocreditLimit.id))) == ROUNDS
    assert len(audit_events("microcredit_limit.added")) == ROUNDS


def test_two_managers_correcting_one_row_of_limits_one_correction_is_kept(app: Flask, manager: User) -> None:
    other = make_person("second.manager@example.org", [Role.MANAGER])
    db.session.execute(delete(MicrocreditLimit))
    db.session.commit()
    from workbench.lending.rules import add_limit

    limit_id = add_limit(
        effective_from=date(2030, 1, 1),
        max_amount=Decimal("80000"),
        max_amount_srl=Decimal("100000"),
        max_term_months=120,
        source="",
        actor=manager,
    ).id
    db.session.commit()
    tabs = browsers(app, manager, other)
    for round_ in range(ROUNDS):
        db.session.expire_all()
        revision = db.session.get(MicrocreditLimit, limit_id).revision
        amounts = [str(50000 + 2 * round_), str(50001 + 2 * round_)]
        responses = at_once(
            app,
            *(
                partial(
                    tab.post,
                    f"/products/limits/{limit_id}",
                    data={
                        "effective_from": "2030-01-01",
                        "max_amount": amount,
                        "max_amount_srl": "100000",
                        "max_term_months": "120",
                        "tutoring_required": "y",
                        "source": "",
                        "revision": str(revision),
                    },
                )
                for tab, amount in zip(tabs, amounts, strict=True)
            ),
        )
        statuses = [r.status_code for r in responses]
        assert sorted(statuses) == [303, 409], f"round {round_}: {statuses}"
        winner = statuses.index(303)
        db.session.expire_all()
        stored = db.session.get(MicrocreditLimit, limit_id)
        assert (stored.max_amount, stored.revision) == (Decimal(amounts[winner]), revision + 1)
    assert len(audit_events("microcredit_limit.corrected")) == ROUNDS
