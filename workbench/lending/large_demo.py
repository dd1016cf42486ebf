"""A large portfolio for the dashboard's figures: thousands of loans with their whole repayment history.

``seed-demo --size large`` adds it to the demo, and the benchmark builds it at 1,000 and 10,000 loans. The
rows are written with bulk inserts, as the services would write them: a borrower each (in the demo's first
cohort), a plan version lent on, the loan, its schedule rows (the finance core's schedule of its terms) and
its repayments, each on its due date. Histories: most pay on time, some stopped paying 45 or 120 days ago,
some pay 70 % of each installment, some repaid everything. These loans' ledger is not written: they exist
to size the portfolio's figures, not to balance the books (the demo's own loans do).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select

from workbench.auth.models import RoleGrant, User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.finance.money import add_months
from workbench.finance.schedule import build_schedule
from workbench.lending.installment_models import LoanInstallment
from workbench.lending.models import Loan
from workbench.lending.repayment_models import PAYMENT, LoanPayment
from workbench.lending.schedules import installment_rows
from workbench.plans.models import BusinessPlan, PlanVersion
from workbench.programme.models import Enrolment

PRINCIPALS = (Decimal("3000"), Decimal("5000"), Decimal("8000"), Decimal("12000"), Decimal("15000"))
TERMS = (24, 36, 48, 60)
RATE = Decimal("0.045")
#: (history, weight): how the generated borrowers repay.
HISTORIES = (("on_time", 70), ("stopped_45", 10), ("stopped_120", 8), ("partial", 7), ("repaid", 5))
#: Rows per bulk insert.
_CHUNK = 5_000


@dataclass(frozen=True)
class Template:
    """The plan version the generated borrowers' plans copy (a real one, made by the services)."""

    plan: BusinessPlan
    version: PlanVersion


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), _CHUNK):
        db.session.execute(insert(model), rows[start : start + _CHUNK])


def build_large_portfolio(
    count: int,
    *,
    template: Template,
    cohort_id: int,
    officer_ids: list[int],
    today: date,
    password_hash: str,
    seed: int = 7,
) -> int:
    """Add `count` loans (and their borrowers) after the highest ids in use; how many were added."""
    rng = random.Random(seed)  # noqa: S311 - demo data, the same on every run
    first = max(db.session.scalar(select(func.max(User.id))) or 0, 0) + 1_000
    first = max(
        first,
        (db.session.scalar(select(func.max(BusinessPlan.id))) or 0) + 1_000,
        (db.session.scalar(select(func.max(PlanVersion.id))) or 0) + 1_000,
        (db.session.scalar(select(func.max(Loan.id))) or 0) + 1_000,
    )
    schedules = {
        (principal, term): build_schedule(principal, RATE, term, 0, "annuity")
        for principal in PRINCIPALS
        for term in TERMS
    }
    names, weights = zip(*HISTORIES, strict=True)
    users, grants, enrolments, plans, versions, loans, installments, payments = ([] for _ in range(8))
    for n in range(count):
        ident = first + n
        principal, term = rng.choice(PRINCIPALS), rng.choice(TERMS)
        disbursed_on = today - timedelta(days=rng.randint(20, 1_500))
        first_due = add_months(disbursed_on, 1)
        users.append(
            {
                "id": ident,
                "email": f"borrower{ident}@example.org",
                "full_name": f"Borrower {ident}",
                "password_hash": password_hash,
                "locale": "it",
            }
        )
        grants.append({"user_id": ident, "role": Role.TRAINEE.value})
        enrolments.append({"id": ident, "user_id": ident, "cohort_id": cohort_id})
        plans.append(
            {
                "id": ident,
                "owner_id": ident,
                "business_type": template.plan.business_type,
                "template_version": template.plan.template_version,
                "title": f"Business {ident}",
                "assumptions": template.plan.assumptions,
            }
        )
        versions.append(
            {
                "id": ident,
                "plan_id": ident,
                "number": 1,
                "business_type": template.version.business_type,
                "template_version": template.version.template_version,
                "title": f"Business {ident}",
                "answers": template.version.answers,
                "assumptions": template.version.assumptions,
                "results": template.version.results,
                "submitted_by_id": ident,
            }
        )
        loans.append(
            {
                "id": ident,
                "borrower_id": ident,
                "plan_version_id": ident,
                "principal": principal,
                "annual_rate": RATE,
                "term_months": term,
                "grace_months": 0,
                "method": "annuity",
                "disbursed_on": disbursed_on,
                "disbursement_method": "bank_transfer",
                "first_due_on": first_due,
                "disbursed_by_id": officer_ids[n % len(officer_ids)],
            }
        )
        dated = [
            replace(row, due_date=add_months(first_due, row.number - 1))
            for row in schedules[(principal, term)]
        ]
        installments.extend(installment_rows(ident, 1, dated, 0))
        history = rng.choices(names, weights)[0]
        stop = {"stopped_45": 45, "stopped_120": 120}.get(history, 0)
        for row in dated:
            due = row.due_date
            if history != "repaid" and (due > today - timedelta(days=stop) or due > today):
                break
            paid_on = min(due, today) if history != "repaid" else min(disbursed_on + timedelta(days=1), today)
            amount = (
                row.total if history != "partial" else (row.total * Decimal("0.7")).quantize(Decimal("0.01"))
            )
            payments.append(
                {
                    "loan_id": ident,
                    "kind": PAYMENT,
                    "paid_on": paid_on,
                    "amount": amount,
                    "reference": f"Bonifico rata {row.number}",
                    "idempotency_key": f"large-{ident}-{row.number}",
                    "source": "bank_import",
                }
            )
    for model, rows in (
        (User, users),
        (RoleGrant, grants),
        (Enrolment, enrolments),
        (BusinessPlan, plans),
        (PlanVersion, versions),
        (Loan, loans),
        (LoanInstallment, installments),
        (LoanPayment, payments),
    ):
        _insert(model, rows)
    db.session.flush()
    return count


#: The cohort the large portfolio's borrowers join: its name says the data is made up.
LARGE_COHORT = "Portafoglio grande (dati generati)"
#: How many loans ``seed-demo --size large`` adds.
LARGE_LOANS = 10_000


def seed_large_portfolio(count: int | None = None) -> int:
    """``seed-demo --size large``: `count` (LARGE_LOANS) generated loans in their own cohort, paid out by
    the demo's officers on copies of a plan version of the demo; once (nothing is added when the cohort
    exists)."""
    from workbench.programme.models import Cohort
    from workbench.programme.services import create_cohort
    from workbench.timeutil import programme_today

    if db.session.scalar(select(Cohort.id).where(Cohort.name == LARGE_COHORT)) is not None:
        return 0
    version = db.session.scalars(select(PlanVersion).order_by(PlanVersion.id)).first()
    officers = list(
        db.session.scalars(
            select(User.id)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.OFFICER.value)
            .order_by(User.id)
        )
    )
    if version is None or not officers:
        raise LookupError("load the demo first: the large portfolio copies its plans and officers")
    cohort = create_cohort(name=LARGE_COHORT, city="Venezia", starts_on=None, ends_on=None, actor=None)
    password_hash = db.session.get(User, officers[0]).password_hash
    return build_large_portfolio(
        LARGE_LOANS if count is None else count,
        template=Template(version.plan, version),
        cohort_id=cohort.id,
        officer_ids=officers,
        today=programme_today(),
        password_hash=password_hash,
    )
