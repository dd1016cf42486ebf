"""Who hears by e-mail about a plan's review: the mentor when a plan is sent (the managers when the trainee
has none yet), the trainee when it comes back with a note, or is endorsed as ready for credit (with the next
step: apply for microcredit). Called by services.py in the same transaction as the change; notifications
(below plans) writes the mail in each person's language."""

from __future__ import annotations

from workbench.notifications.outbox import notify, notify_each
from workbench.plans.models import BusinessPlan, PlanVersion, ReviewDecision
from workbench.programme.services import active_managers, current_assignment


def plan_sent(plan: BusinessPlan, version: PlanVersion) -> None:
    assignment = current_assignment(plan.owner)
    if assignment is not None:
        notify(assignment.mentor, "plan_submitted", plan=plan, version=version, trainee=plan.owner)
        return
    notify_each(active_managers(), "plan_waiting_for_mentor", plan=plan, version=version, trainee=plan.owner)


def changes_requested(plan: BusinessPlan, decision: ReviewDecision) -> None:
    notify(
        plan.owner,
        "plan_changes_requested",
        plan=plan,
        version=decision.version,
        reviewer=decision.reviewer,
        note=decision.note,
    )


def endorsed(plan: BusinessPlan, decision: ReviewDecision) -> None:
    notify(
        plan.owner,
        "plan_endorsed",
        plan=plan,
        version=decision.version,
        reviewer=decision.reviewer,
        note=decision.note,
    )
