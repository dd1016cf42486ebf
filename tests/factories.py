"""Factories the tests share: financial assumption documents and plans.

Every call returns a fresh document, so a test may change it freely. The shapes are the ones the tests
reason about by hand; name one and override what the test is about::

    assumptions()                                   # "simple", English row names
    assumptions(language="fr", owner_drawings=300)  # French row names, one field changed
    assumptions("healthy", loans=[])                # no warning at all, then without its loan
    assumptions("dscr", owner_drawings="810")       # debt-service cover 1.19
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import date

    from workbench.auth.models import User
    from workbench.lending.models import Loan
    from workbench.plans.models import BusinessPlan, PlanVersion

#: Row names of the simple plan (oven, meals, rent) in the language the test's trainee reads.
NAMES = {"en": ("Oven", "Meals", "Rent"), "fr": ("Four", "Repas", "Loyer")}


def _simple(language: str) -> dict[str, Any]:
    oven, meals, rent = NAMES[language]
    return {
        "start_month": "2027-01",
        "months": 12,
        "opening_cash": 0,
        "own_funds": 1000,
        "startup_costs": [{"name": oven, "amount": 1000, "month": 1}],
        "grants": [],
        "loans": [],
        "revenue_streams": [{"name": meals, "units_per_month": 100, "unit_price": 10, "unit_cost": 0}],
        "fixed_costs": [{"name": rent, "monthly": 500, "start_month": 1}],
        "owner_drawings": 0,
        "tax_rate": 0,
    }


def _healthy(_language: str) -> dict[str, Any]:
    return {
        "start_month": "2027-01",
        "months": 24,
        "startup_costs": [{"name": "Oven", "amount": 10000}],
        "own_funds": 2000,
        "loans": [{"principal": 8000, "annual_rate": 0.07, "term_months": 36, "method": "annuity"}],
        "revenue_streams": [{"units_per_month": 600, "unit_price": 10, "unit_cost": 4}],
        "fixed_costs": [{"name": "Rent", "monthly": 1000}],
        "owner_drawings": 800,
        "tax_rate": 0.05,
    }


def _growing(_language: str) -> dict[str, Any]:
    return {
        "start_month": "2027-03",
        "months": 24,
        "startup_costs": [{"name": "Oven", "amount": 8000}],
        "own_funds": 2000,
        "loans": [{"principal": 6000, "annual_rate": 0.07, "term_months": 24, "method": "annuity"}],
        "revenue_streams": [
            {
                "units_per_month": 170,
                "unit_price": 10,
                "unit_cost": 4,
                "monthly_growth": 0.07,
                "start_month": 3,
            }
        ],
        "fixed_costs": [{"name": "Rent", "monthly": 1200}],
        "owner_drawings": 300,
        "tax_rate": 0.05,
    }


def _dscr(_language: str) -> dict[str, Any]:
    return {
        "start_month": "2027-01",
        "months": 13,
        "startup_costs": [{"amount": 12000}],
        "loans": [{"principal": 12000, "annual_rate": 0, "term_months": 12, "method": "equal_principal"}],
        "revenue_streams": [{"units_per_month": 100, "unit_price": 20}],
    }


SHAPES = {"simple": _simple, "healthy": _healthy, "growing": _growing, "dscr": _dscr}


def assumptions(shape: str = "simple", *, language: str = "en", **overrides: Any) -> dict[str, Any]:
    """A new assumptions document of one shape, with top-level fields replaced by ``overrides``.

    - "simple": 1000 EUR of own money pays a 1000 EUR oven in month 1, then 100 meals at 10 EUR bring 1000 EUR
      a month against 500 EUR of rent: the business gains 500 EUR a month and ends month k with 500 x k.
      Twelve months from 2027-01, every field written (no default left to the finance core).
    - "healthy": sells from month 1, money to start equals what starting costs, a small loan: no warning.
    - "growing": a small takeaway whose sales start in month 3 and grow, so cash dips below zero before
      recovering; 24 months from 2027-03.
    - "dscr": no tax, no interest: 1,000 EUR repaid a month from month 2 to 13 against 2,000 EUR of sales, so
      the debt-service cover is (2,000 - owner_drawings) / 1,000; 13 months from 2027-01.
    """
    document = SHAPES[shape](language)
    document.update(copy.deepcopy(overrides))
    return document


def make_plan(
    owner: User,
    document: dict[str, Any] | None = None,
    *,
    title: str = "Fatou's Kitchen",
    business_type: str = "food",
    from_example: bool = False,
) -> BusinessPlan:
    """A committed draft owned by ``owner``: with ``document`` as its numbers, or the example plan, or the
    business type's typical numbers."""
    from workbench.extensions import db
    from workbench.plans import services

    plan = services.create_plan(
        owner=owner, business_type=business_type, title=title, from_example=from_example, assumptions=document
    )
    db.session.commit()
    return plan


def resent_with_results(version: PlanVersion, results: dict[str, Any]) -> PlanVersion:
    """A committed next version with the same answers and numbers as ``version`` but other stored results,
    as a version sent before the finance core changed would hold them."""
    from workbench.extensions import db
    from workbench.plans.models import PlanVersion

    following = PlanVersion(
        plan=version.plan,
        number=version.number + 1,
        business_type=version.business_type,
        template_version=version.template_version,
        title=version.title,
        answers=version.answers,
        assumptions=version.assumptions,
        results=results,
        submitted_by_id=version.submitted_by_id,
    )
    db.session.add(following)
    db.session.commit()
    return following


def disbursed_loan(
    owner: User,
    *,
    disbursed_on: date | None = None,
    principal: str = "8000",
    officer: User | None = None,
    product: Any = None,
) -> Loan:
    """A committed loan of ``principal`` at 7 % over 36 months on the first version of the example food plan
    of ``owner`` (sent for that), paid out on ``disbursed_on`` (default 2027-01-15), on ``product`` when
    given (its conventions and tolerance)."""
    from datetime import date as date_
    from decimal import Decimal

    from workbench.extensions import db
    from workbench.lending.services import record_disbursement
    from workbench.plans.services import submit_plan

    plan = make_plan(owner, from_example=True)
    version = submit_plan(plan, owner)
    loan = record_disbursement(
        version,
        principal=Decimal(principal),
        annual_rate=Decimal("0.07"),
        term_months=36,
        grace_months=0,
        method="annuity",
        disbursed_on=disbursed_on or date_(2027, 1, 15),
        disbursement_method="bank_transfer",
        actor=officer,
        product=product,
    )
    db.session.commit()
    return loan


def loan_product(**overrides: Any) -> Any:
    """A committed, active loan product: the demo's "Microcredito d'impresa" (1,000-75,000 EUR, 0-8 %, up to
    120 months, 12 of grace, both methods, SRLs too) with ``overrides`` of its ProductTerms fields; the
    microcredit limits shipped by the migration (rules.DEFAULT_LIMITS) and no TEGM: add them with
    :func:`tegm_quarter`."""
    from dataclasses import replace

    from workbench.extensions import db
    from workbench.lending.products import DEMO_PRODUCT, create_product
    from workbench.lending.rules import ensure_default_limits

    ensure_default_limits()
    product = create_product(replace(DEMO_PRODUCT, **overrides), None)
    db.session.commit()
    return product


def tegm_quarter(quarter: date, tegm: str, loan_class: str | None = None) -> Any:
    """A committed quarter's TEGM (a fraction as text, "0.1188") for ``loan_class`` (default: the products'
    default class)."""
    from decimal import Decimal

    from workbench.extensions import db
    from workbench.lending.product_models import DEFAULT_USURY_CLASS
    from workbench.lending.usury import add_tegm

    rate = add_tegm(
        loan_class=loan_class or DEFAULT_USURY_CLASS, quarter=quarter, tegm=Decimal(tegm), actor=None
    )
    db.session.commit()
    return rate


def lendable_product(**overrides: Any) -> Any:
    """A committed loan product (:func:`loan_product`) with the TEGM of today's quarter entered for its
    class (12 %, so a threshold of 19 %, unless one is there): approvals on it can be made today."""
    from workbench.finance.usury import quarter_start
    from workbench.lending.usury import tegm_in_force
    from workbench.timeutil import programme_today

    product = loan_product(**overrides)
    if tegm_in_force(product.usury_class, programme_today()) is None:
        tegm_quarter(quarter_start(programme_today()), "0.12", product.usury_class)
    return product


def endorsed_version(owner: User, mentor: User, *, title: str = "Fatou's Kitchen") -> PlanVersion:
    """The first version of ``owner``'s example food plan, sent and endorsed by ``mentor`` (assigned to the
    owner for that), committed: the owner may apply for credit on it."""
    from workbench.extensions import db
    from workbench.plans.services import endorse_plan, submit_plan
    from workbench.programme.models import MentorAssignment
    from workbench.programme.services import assign_mentor

    current = db.session.scalar(
        db.select(MentorAssignment).where(
            MentorAssignment.trainee_id == owner.id,
            MentorAssignment.mentor_id == mentor.id,
            MentorAssignment.ended_at.is_(None),
        )
    )
    if current is None:
        assign_mentor(owner, mentor, None)
    plan = make_plan(owner, title=title, from_example=True)
    version = submit_plan(plan, owner)
    endorse_plan(plan, mentor, "Ready for credit: the numbers hold.")
    db.session.commit()
    return version
