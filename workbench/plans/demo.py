"""Demo plans at every stage of review, built from the business types' example plans."""

from __future__ import annotations

from sqlalchemy import select

from workbench.auth.models import User
from workbench.extensions import db
from workbench.plans import services
from workbench.plans.models import BusinessPlan
from workbench.timeutil import back_in_time

#: The endorsed plan is the one the demo finances: sent this many days ago and endorsed ENDORSED_DAYS_AGO,
#: before the loan's payout (mentoring.demo), so its assessment phase and milestones have their real dates.
SENT_DAYS_AGO = 150
ENDORSED_DAYS_AGO = 140

#: (business type, how far the plan has gone) for the first trainees of the demo cohort, in order.
DEMO_PLANS = (
    ("food", "resubmitted"),
    ("shop", "submitted"),
    ("tailoring", "changes_requested"),
    ("beauty", "complete"),
    ("cleaning", "started"),
    ("delivery", "endorsed"),
)


def seed_plans(trainees: list[User], mentor: User) -> int:
    """Give the first trainees a plan each, from a fresh start to a second version under review and a plan
    endorsed as ready for credit."""
    added = 0
    for trainee, (business_type, stage) in zip(trainees, DEMO_PLANS, strict=False):
        if db.session.scalar(select(BusinessPlan.id).where(BusinessPlan.owner_id == trainee.id)) is not None:
            continue
        plan = services.create_plan(owner=trainee, business_type=business_type, title="", from_example=True)
        added += 1
        if stage == "started":
            plan.answers = plan.answers[:4]
            continue
        if stage == "complete":
            continue
        db.session.flush()
        if stage == "endorsed":
            with back_in_time(SENT_DAYS_AGO):
                services.submit_plan(plan, trainee)
            with back_in_time(ENDORSED_DAYS_AGO):
                services.endorse_plan(
                    plan,
                    mentor,
                    "Piano solido: i clienti sono chiari e la cassa regge anche nei mesi lenti. "
                    "Pronto per il microcredito; da seguire i costi del furgone.",
                )
            continue
        services.submit_plan(plan, trainee)
        if stage in {"changes_requested", "resubmitted"}:
            services.request_changes(
                plan, mentor, "Spiega meglio chi sono i tuoi clienti e controlla i costi fissi mensili."
            )
        if stage == "resubmitted":
            first = plan.answers[0]
            services.save_answers(
                plan,
                [
                    services.AnswerEdit(
                        first.question_key,
                        first.text + "\n\n(Aggiornato dopo il colloquio con il tutor.)",
                        first.language,
                        first.revision,
                    )
                ],
                trainee,
            )
            services.submit_plan(plan, trainee)
    return added
