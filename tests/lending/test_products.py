"""Loan products, the dated microcredit limits, the quarters' TEGM, and check_terms: every refusal."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from tests.factories import loan_product, tegm_quarter
from tests.support import audit_events
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending import products as services
from workbench.lending.product_models import LoanProduct, MicrocreditLimit, UsuryRate
from workbench.lending.products import DEMO_PRODUCT, terms_of
from workbench.lending.rules import (
    DEFAULT_LIMITS,
    add_limit,
    check_terms,
    ensure_default_limits,
    limit_in_force,
)
from workbench.lending.usury import add_tegm, tegm_in_force, threshold_in_force

pytestmark = pytest.mark.usefixtures("english_readers")

SIGNED = date(2026, 11, 20)  # in the quarter starting 2026-10-01
FINE = {
    "amount": Decimal("20000.00"),
    "annual_rate": Decimal("0.065"),
    "term_months": 60,
    "grace_months": 6,
    "method": "annuity",
    "signed_on": SIGNED,
    "legal_form": "individual",
}


@pytest.fixture
def product(app_context: None) -> LoanProduct:
    db.session.execute(delete(MicrocreditLimit))  # exactly the shipped limits, whatever ran before
    product = loan_product()
    tegm_quarter(date(2026, 10, 1), "0.1188")  # threshold 0.1188 x 1.25 + 0.04 = 0.1885
    return product


def terms(**overrides):
    return FINE | overrides


# --- check_terms -----------------------------------------------------------------------------------------


def test_terms_within_everything_pass(product: LoanProduct) -> None:
    assert check_terms(product, **terms()) == {}
    assert check_terms(product, **terms(apr=Decimal("0.0790"))) == {}
    # text and ints are read too, in bounds
    assert check_terms(product, **terms(amount="20000", annual_rate="0.065")) == {}


@pytest.mark.parametrize(("amount", "low"), [(Decimal("999.99"), True), (Decimal("75000.01"), False)])
def test_amount_outside_the_product_range(product: LoanProduct, amount: Decimal, low: bool) -> None:
    errors = check_terms(product, **terms(amount=amount))
    assert errors == {"amount": "This product lends from €1,000.00 to €75,000.00."}


def test_amount_above_the_legal_limit_of_the_signing_day(product: LoanProduct) -> None:
    # Signed in 2019: 25,000 EUR at most, whatever the product says.
    errors = check_terms(
        product, **terms(amount=Decimal("30000"), signed_on=date(2019, 5, 2), term_months=60)
    )
    assert errors["amount"] == "Above the legal limit of microcredit on May 2, 2019: at most €25,000.00."
    # The same amount in 2021 (40,000) passes the amount check.
    assert "amount" not in check_terms(product, **terms(amount=Decimal("30000"), signed_on=date(2021, 5, 2)))
    # 12 January 2024 is the first day of 75,000 / 100,000: the day before still answers to 40,000.
    assert "amount" in check_terms(product, **terms(amount=Decimal("50000"), signed_on=date(2024, 1, 11)))
    assert "amount" not in check_terms(product, **terms(amount=Decimal("50000"), signed_on=date(2024, 1, 12)))


def test_an_srl_has_its_own_limit(app_context: None) -> None:
    db.session.execute(delete(MicrocreditLimit))
    product = loan_product(max_amount=Decimal("150000.00"))
    tegm_quarter(date(2026, 10, 1), "0.1188")
    assert check_terms(product, **terms(amount=Decimal("90000"), legal_form="srl")) == {}
    individual = check_terms(product, **terms(amount=Decimal("90000"), legal_form="individual"))
    assert individual["amount"].endswith("at most €75,000.00.")
    partnership = check_terms(product, **terms(amount=Decimal("90000"), legal_form="partnership"))
    assert "amount" in partnership
    assert (
        "at most €100,000.00"
        in check_terms(product, **terms(amount=Decimal("100000.01"), legal_form="srl"))["amount"]
    )


def test_a_product_without_srls_refuses_an_srl(app_context: None) -> None:
    product = loan_product(legal_form_srl=False)
    tegm_quarter(date(2026, 10, 1), "0.1188")
    assert check_terms(product, **terms(legal_form="srl")) == {
        "legal_form": "This product does not lend to an SRL."
    }
    assert check_terms(product, **terms(legal_form="spa")) == {
        "legal_form": "Choose the business's legal form."
    }


def test_rate_outside_the_product_range(product: LoanProduct) -> None:
    assert check_terms(product, **terms(annual_rate=Decimal("0.0801"))) == {
        "annual_rate": "This product's rate is from 0.00% to 8.00%."
    }
    assert "annual_rate" in check_terms(product, **terms(annual_rate=Decimal("-0.01")))


def test_rate_at_the_usury_threshold_is_refused_just_below_is_not(app_context: None) -> None:
    product = loan_product(max_rate=Decimal("0.25"))
    tegm_quarter(date(2026, 10, 1), "0.1188")
    refused = "Refused: at or above the usury threshold of 18.85% for this quarter."
    assert check_terms(product, **terms(annual_rate=Decimal("0.1885"))) == {"annual_rate": refused}
    assert check_terms(product, **terms(annual_rate=Decimal("0.2"))) == {"annual_rate": refused}
    assert check_terms(product, **terms(annual_rate=Decimal("0.188499"))) == {}


def test_the_apr_is_checked_against_the_threshold_too(app_context: None) -> None:
    product = loan_product(max_rate=Decimal("0.25"))
    tegm_quarter(date(2026, 10, 1), "0.1188")
    errors = check_terms(product, **terms(annual_rate=Decimal("0.07"), apr=Decimal("0.1885")))
    assert errors == {"apr": "Refused: at or above the usury threshold of 18.85% for this quarter."}
    assert check_terms(product, **terms(apr="1e999999")) == {"apr": "Enter the APR (TAEG) as a percentage."}


def test_the_threshold_of_the_signing_quarter_applies(app_context: None) -> None:
    product = loan_product(max_rate=Decimal("0.25"))
    tegm_quarter(date(2026, 7, 1), "0.1000")  # threshold 16.5 %
    tegm_quarter(date(2026, 10, 1), "0.1188")  # threshold 18.85 %
    assert "annual_rate" in check_terms(
        product, **terms(annual_rate=Decimal("0.17"), signed_on=date(2026, 9, 30))
    )
    assert check_terms(product, **terms(annual_rate=Decimal("0.17"), signed_on=date(2026, 10, 1))) == {}
    # another class's TEGM says nothing about this product
    tegm_quarter(date(2027, 1, 1), "0.05", loan_class="Mutui a tasso fisso")
    assert "No TEGM is entered" in check_terms(product, **terms(signed_on=date(2027, 1, 4)))["annual_rate"]


def test_no_tegm_for_the_quarter_says_a_manager_must_enter_it(product: LoanProduct) -> None:
    errors = check_terms(product, **terms(signed_on=date(2027, 2, 1)))
    assert errors == {
        "annual_rate": "No TEGM is entered for Altri finanziamenti alle famiglie e alle imprese in the "
        "quarter starting Jan 1, 2027: a manager must enter the quarter's TEGM before terms can be checked "
        "against the usury threshold."
    }


def test_term_above_the_product_or_the_law(app_context: None) -> None:
    db.session.execute(delete(MicrocreditLimit))
    product = loan_product(max_term_months=96)
    tegm_quarter(date(2026, 10, 1), "0.1188")
    tegm_quarter(date(2019, 4, 1), "0.1188")
    assert check_terms(product, **terms(term_months=97)) == {
        "term_months": "This product lends for at most 96 months."
    }
    # in 2019 the law allowed 7 years
    assert check_terms(product, **terms(term_months=90, signed_on=date(2019, 5, 2))) == {
        "term_months": "Above the legal limit of microcredit on May 2, 2019: at most 84 months."
    }
    assert check_terms(product, **terms(term_months=0, grace_months=0)) == {
        "term_months": "Enter the number of months, at least 1."
    }


def test_grace_above_the_product_or_not_shorter_than_the_term(product: LoanProduct) -> None:
    assert check_terms(product, **terms(grace_months=13)) == {
        "grace_months": "This product allows at most 12 months of grace."
    }
    assert check_terms(product, **terms(term_months=12, grace_months=12)) == {
        "grace_months": "The grace period must be shorter than the term."
    }
    assert "grace_months" in check_terms(product, **terms(grace_months=-1))


def test_method_not_allowed(app_context: None) -> None:
    product = loan_product(methods=("annuity",))
    tegm_quarter(date(2026, 10, 1), "0.1188")
    assert check_terms(product, **terms(method="equal_principal")) == {
        "method": "This product does not repay this way."
    }
    assert "method" in check_terms(product, **terms(method="balloon"))


def test_a_switched_off_product_is_refused(product: LoanProduct, manager: User) -> None:
    services.set_product_active(product, active=False, base_revision=product.revision, actor=manager)
    assert check_terms(product, **terms()) == {"product": "This product is switched off: choose another one."}


def test_no_limits_before_2014(product: LoanProduct) -> None:
    tegm_quarter(date(2012, 1, 1), "0.1188")
    errors = check_terms(product, **terms(signed_on=date(2012, 3, 1)))
    assert errors["amount"] == "No microcredit limits are set for Mar 1, 2012: a manager must enter them."


@pytest.mark.parametrize(
    "hostile",
    ["1e1000000", "9" * 5000, "-1e1000000", "NaN", "Infinity", "", "abc", True, None, 10**400, 1e308, [1]],
)
def test_hostile_numbers_are_field_errors_at_once(product: LoanProduct, hostile: object) -> None:
    started = time.perf_counter()
    errors = check_terms(
        product, **terms(amount=hostile, annual_rate=hostile, term_months=hostile, grace_months=hostile)
    )
    assert time.perf_counter() - started < 0.5
    assert {"amount", "annual_rate", "term_months", "grace_months"} <= set(errors)


def test_cents_beyond_two_decimals_are_refused(product: LoanProduct) -> None:
    assert check_terms(product, **terms(amount=Decimal("20000.001")))["amount"] == (
        "Enter the amount in euros and cents, above zero."
    )


# --- limits --------------------------------------------------------------------------------------------


def test_the_limit_in_force_is_the_latest_started(app_context: None, manager: User) -> None:
    db.session.execute(delete(MicrocreditLimit))
    assert limit_in_force(date(2025, 1, 1)) == DEFAULT_LIMITS[2]  # the shipped ones while the table is empty
    assert ensure_default_limits() == 3
    assert ensure_default_limits() == 0
    later = add_limit(
        effective_from=date(2027, 7, 1),
        max_amount=Decimal("80000"),
        max_amount_srl=Decimal("110000"),
        max_term_months=120,
        source="DM 2027",
        actor=manager,
    )
    assert limit_in_force(date(2027, 6, 30)).max_amount == Decimal("75000.00")
    assert limit_in_force(date(2027, 7, 1)) == later
    assert limit_in_force(date(2013, 12, 31)) is None
    [event] = [e for e in audit_events("microcredit_limit.added") if e.actor_id == manager.id]
    assert event.after["max_amount_srl"] == "110000"


def test_one_set_of_limits_per_day(app_context: None, manager: User) -> None:
    db.session.execute(delete(MicrocreditLimit))
    values = {
        "effective_from": date(2027, 7, 1),
        "max_amount": Decimal("80000"),
        "max_amount_srl": Decimal("110000"),
        "max_term_months": 120,
        "source": "",
        "actor": manager,
    }
    add_limit(**values)
    with pytest.raises(DomainError) as refused:
        add_limit(**values)
    assert refused.value.errors == {"effective_from": "Limits starting on Jul 1, 2027 are already entered."}
    assert db.session.scalar(select(func.count(MicrocreditLimit.id))) == 1


def test_impossible_limits_are_refused(app_context: None, manager: User) -> None:
    with pytest.raises(DomainError) as refused:
        add_limit(
            effective_from=date(1900, 1, 1),
            max_amount=Decimal("0"),
            max_amount_srl=Decimal("1.001"),
            max_term_months=0,
            source="x" * 201,
            actor=manager,
        )
    assert set(refused.value.errors) == {
        "effective_from",
        "max_amount",
        "max_amount_srl",
        "max_term_months",
        "source",
    }


# --- TEGM ----------------------------------------------------------------------------------------------


def test_a_quarter_tegm_is_entered_once(app_context: None, manager: User) -> None:
    add_tegm(loan_class="  Microcredito ", quarter=date(2026, 10, 1), tegm=Decimal("0.1188"), actor=manager)
    with pytest.raises(DomainError) as refused:
        add_tegm(loan_class="Microcredito", quarter=date(2026, 10, 1), tegm=Decimal("0.12"), actor=manager)
    assert refused.value.errors == {
        "quarter": "The TEGM of Microcredito for the quarter starting Oct 1, 2026 is already entered."
    }
    assert tegm_in_force("Microcredito", date(2026, 12, 31)) == Decimal("0.1188")
    assert tegm_in_force("Microcredito", date(2027, 1, 1)) is None
    threshold = threshold_in_force("Microcredito", date(2026, 11, 5))
    assert (threshold.quarter_start, threshold.threshold) == (date(2026, 10, 1), Decimal("0.1885"))
    [event] = audit_events("usury_rate.added")
    assert event.after == {
        "loan_class": "Microcredito",
        "quarter_start": "2026-10-01",
        "tegm": "0.1188",
        "threshold": "0.188500",
    }


@pytest.mark.parametrize(
    ("quarter", "tegm", "field"),
    [
        (date(2026, 11, 1), Decimal("0.1"), "quarter"),
        (date(2010, 1, 1), Decimal("0.1"), "quarter"),
        (date(2026, 10, 1), Decimal("0"), "tegm"),
        (date(2026, 10, 1), Decimal("0.51"), "tegm"),
        (date(2026, 10, 1), Decimal("0.1234567"), "tegm"),
    ],
)
def test_impossible_quarters_are_refused(
    app_context: None, manager: User, quarter: date, tegm: Decimal, field: str
) -> None:
    with pytest.raises(DomainError) as refused:
        add_tegm(loan_class="Microcredito", quarter=quarter, tegm=tegm, actor=manager)
    assert set(refused.value.errors) == {field}
    assert db.session.scalar(select(func.count(UsuryRate.id))) == 0


# --- products ------------------------------------------------------------------------------------------


def test_a_product_is_created_and_audited(app_context: None, manager: User) -> None:
    product = services.create_product(replace(DEMO_PRODUCT, name="  Microcredito   Venezia "), manager)
    db.session.commit()
    assert product.name == "Microcredito Venezia"
    assert product.allowed_methods == ("annuity", "equal_principal")
    assert (product.day_count, product.installment_unit, product.revision) == ("30/360", Decimal("0.01"), 1)
    [event] = audit_events("loan_product.created")
    assert event.after["max_amount"] == "75000.00"
    with pytest.raises(DomainError) as refused:
        services.create_product(replace(DEMO_PRODUCT, name="Microcredito Venezia"), manager)
    assert refused.value.errors == {"name": "A product called Microcredito Venezia already exists."}


def test_impossible_products_are_refused(app_context: None, manager: User) -> None:
    bad = replace(
        DEMO_PRODUCT,
        name=" ",
        min_amount=Decimal("5000"),
        max_amount=Decimal("4000"),
        min_rate=Decimal("0.09"),
        max_rate=Decimal("0.08"),
        max_term_months=0,
        max_grace_months=-1,
        methods=("balloon",),
        day_count="actual/360",
        first_period="x",
        rounding="down",
        installment_unit=Decimal("0.5"),
        interest="compound",
        grace="none",
        late_tolerance_days=31,
        usury_class="",
    )
    with pytest.raises(DomainError) as refused:
        services.create_product(bad, manager)
    assert set(refused.value.errors) == {
        "name",
        "max_amount",
        "max_rate",
        "max_term_months",
        "max_grace_months",
        "methods",
        "day_count",
        "first_period",
        "rounding",
        "installment_unit",
        "interest",
        "grace",
        "late_tolerance_days",
        "usury_class",
    }


def test_an_edit_is_a_compare_and_set_on_the_revision(app_context: None, manager: User) -> None:
    product = loan_product()
    changed = replace(terms_of(product), max_rate=Decimal("0.075"), late_tolerance_days=5)
    assert services.update_product(product, changed, base_revision=1, actor=manager)
    db.session.commit()
    assert (product.max_rate, product.late_tolerance_days, product.revision) == (Decimal("0.075"), 5, 2)
    [event] = audit_events("loan_product.changed")
    assert event.before == {"max_rate": "0.080000", "late_tolerance_days": 0}
    assert event.after == {"max_rate": "0.075", "late_tolerance_days": 5, "revision": 2}
    # the same change again from the page it was saved on: nothing to write
    assert not services.update_product(product, changed, base_revision=2, actor=manager)
    # from a stale page: refused, nothing written
    with pytest.raises(DomainError) as refused:
        services.update_product(product, replace(changed, max_term_months=60), base_revision=1, actor=manager)
    assert refused.value.errors == {
        "": "Another manager changed this product since you opened it. Here it is as it is now."
    }
    assert product.max_term_months == 120


def test_a_rename_to_a_taken_name_is_refused(app_context: None, manager: User) -> None:
    loan_product(name="Other")
    product = loan_product()
    with pytest.raises(DomainError) as refused:
        services.update_product(
            product, replace(terms_of(product), name="Other"), base_revision=1, actor=manager
        )
    assert refused.value.errors == {"name": "A product called Other already exists."}


def test_switch_off_and_on(app_context: None, manager: User) -> None:
    product = loan_product()
    assert services.set_product_active(product, active=False, base_revision=1, actor=manager)
    assert not services.set_product_active(product, active=False, base_revision=2, actor=manager)
    assert services.active_products() == []
    assert services.set_product_active(product, active=True, base_revision=2, actor=manager)
    assert [e.action for e in audit_events("loan_product.deactivated")] == ["loan_product.deactivated"]
    assert len(audit_events("loan_product.reactivated")) == 1
    assert services.products_in_order() == [product]
