"""Demo credit applications at every stage, for trainees with endorsed plans, and the default scorecard.

The financed trainee of the demo (the endorsed plan of plans.demo) applied, was scored, approved by two
officers and paid out through the application, on the days the mentoring demo expects the payout; the next
trainees who finished the training get an example plan, endorsed by their mentor, and an application that
stopped at one stage each: submitted, scored, proposed, approved (not paid out yet), rejected, sent back.

Idempotent: a trainee who has an application is left as they are, a plan is made only for a trainee without
one, so a second run adds nothing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from workbench.auth.models import User
from workbench.extensions import db
from workbench.finance.money import add_months
from workbench.lending import applications, decisions
from workbench.lending.application_models import CreditApplication
from workbench.lending.product_models import LoanProduct
from workbench.lending.products import DEMO_PRODUCT_NAME
from workbench.lending.scorecard import Rating, current_scorecard, score_application
from workbench.plans import services as plans
from workbench.plans.demo import ENDORSED_DAYS_AGO
from workbench.plans.models import BusinessPlan
from workbench.plans.review import review_status
from workbench.programme.models import MentorAssignment
from workbench.timeutil import back_in_time, programme_today

#: The financed trainee's loan is paid out this many days ago (as workbench.mentoring.demo.PAID_OUT_DAYS_AGO).
PAID_OUT_DAYS_AGO = 105
#: The financed trainee's terms, as the mentoring demo's loan.
FINANCED = {
    "amount": Decimal("15000"),
    "annual_rate": Decimal("0.035"),
    "term_months": 60,
    "grace_months": 6,
    "method": "annuity",
}
#: (business type, stage) of the trainees after the ones with demo plans.
STAGES = (
    ("food", "submitted"),
    ("shop", "scored"),
    ("tailoring", "proposed"),
    ("beauty", "approved"),
    ("cleaning", "rejected"),
    ("food", "sent_back"),
)
RATINGS = {
    "motivation": Rating(4, "Molto motivata: ha già lavorato nel settore e ha clienti pronti."),
    "experience": Rating(3, "Cinque anni da dipendente nello stesso mestiere."),
    "market": Rating(3, "Conosce i prezzi del quartiere; da verificare la concorrenza online."),
}


def _mentor_of(trainee: User) -> User | None:
    return db.session.scalar(
        select(User)
        .join(MentorAssignment, MentorAssignment.mentor_id == User.id)
        .where(MentorAssignment.trainee_id == trainee.id, MentorAssignment.ended_at.is_(None))
        .order_by(MentorAssignment.id)
    )


def _has_application(trainee: User) -> bool:
    return (
        db.session.scalar(select(CreditApplication.id).where(CreditApplication.applicant_id == trainee.id))
        is not None
    )


def _demo_product_id() -> int | None:
    """The demo's loan product (settings_demo seeds it first)."""
    return db.session.scalar(select(LoanProduct.id).where(LoanProduct.name == DEMO_PRODUCT_NAME))


def _terms(days_to_first_due: int, **changes) -> dict:
    terms = {
        **FINANCED,
        "product_id": _demo_product_id(),
        "first_due_on": programme_today() + timedelta(days=days_to_first_due),
    }
    terms.update(changes)
    return terms


def _financed(trainee: User, proposer: User, checker: User) -> int:
    """The demo's endorsed plan: applied on, scored, approved by two officers and paid out."""
    plan = db.session.scalars(select(BusinessPlan).where(BusinessPlan.owner_id == trainee.id)).first()
    if plan is None or not plan.versions or not review_status(plan).endorsed or _has_application(trainee):
        return 0
    version = plan.versions[-1]
    request = applications.Request(
        Decimal("15000"), 60, 6, "Furgone refrigerato e attrezzatura.", "individual"
    )
    with back_in_time(ENDORSED_DAYS_AGO - 10):
        application = applications.apply_for_credit(version, trainee, request)
    with back_in_time(ENDORSED_DAYS_AGO - 15):
        score_application(application, proposer, RATINGS, seen=0)
    with back_in_time(PAID_OUT_DAYS_AGO + 10):
        # The first installment a month after the payout (ten days on), as the mentoring demo's loan.
        first_due = add_months(programme_today() + timedelta(days=10), 1)
        proposal = applications.propose_decision(
            application,
            proposer,
            applications.APPROVE,
            terms={**FINANCED, "product_id": _demo_product_id(), "first_due_on": first_due},
            note="",
        )
    with back_in_time(PAID_OUT_DAYS_AGO + 5):
        decisions.confirm(proposal, checker)
    with back_in_time(PAID_OUT_DAYS_AGO):
        applications.disburse(
            application, proposer, disbursed_on=programme_today(), disbursement_method="bank_transfer"
        )
    return 1


def _staged(trainee: User, business_type: str, stage: str, proposer: User, checker: User) -> int:
    mentor = _mentor_of(trainee)
    if mentor is None or _has_application(trainee):
        return 0
    plan = db.session.scalars(select(BusinessPlan).where(BusinessPlan.owner_id == trainee.id)).first()
    if plan is None:
        plan = plans.create_plan(owner=trainee, business_type=business_type, title="", from_example=True)
        db.session.flush()
        with back_in_time(30):
            plans.submit_plan(plan, trainee)
        with back_in_time(25):
            plans.endorse_plan(
                plan, mentor, "Piano completo e numeri coerenti: pronto per la domanda di credito."
            )
    if not review_status(plan).endorsed:
        return 0
    version = plan.versions[-1]
    prefilled = applications.prefilled(version)
    request = applications.Request(
        prefilled.get("amount") or Decimal("8000"),
        prefilled.get("term_months") or 36,
        prefilled.get("grace_months") or 0,
        prefilled.get("purpose") or "Attrezzatura e scorte iniziali.",
        "individual",
    )
    with back_in_time(20):
        application = applications.apply_for_credit(version, trainee, request)
    if stage == "submitted":
        return 1
    with back_in_time(15):
        score_application(application, proposer, RATINGS, seen=0)
    if stage == "scored":
        return 1
    amount = application.amount
    if stage in {"proposed", "approved"}:
        terms = _terms(
            45, amount=amount, term_months=application.term_months, grace_months=application.grace_months
        )
        proposal = applications.propose_decision(
            application, proposer, applications.APPROVE, terms=terms, note=""
        )
        if stage == "approved":
            decisions.confirm(proposal, checker)
        return 1
    note = (
        "Il fabbisogno è superiore a quanto il piano può rimborsare: la rata supera la cassa dei primi mesi."
        if stage == "rejected"
        else "Aggiungi l'affitto del laboratorio ai costi fissi e rivedi le vendite dei mesi estivi."
    )
    action = applications.REJECT if stage == "rejected" else applications.SEND_BACK
    proposal = applications.propose_decision(application, proposer, action, terms=None, note=note)
    decisions.confirm(proposal, checker)
    return 1


def seed_applications(trainees: list[User], first: int, proposer: User, checker: User) -> dict[str, int]:
    """The default scorecard; the financed trainee's application; one application per stage for the trainees
    from index `first` on (those without a plan of the plans demo)."""
    current_scorecard()
    added = 0
    for trainee in trainees[:first]:
        added += _financed(trainee, proposer, checker)
    for trainee, (business_type, stage) in zip(trainees[first:], STAGES, strict=False):
        added += _staged(trainee, business_type, stage, proposer, checker)
    return {"applications": added}
