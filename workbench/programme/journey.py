"""A trainee's path through the programme, derived from what has happened (never edited by hand).

Each step is done when the record that proves it exists. Later parts of the product (plans, applications,
loans) add their facts in `path_facts`; the order of steps is DESIGN.md's journey.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from workbench.programme.models import Enrolment


@dataclass(frozen=True)
class StepDefinition:
    key: str
    #: As the trainee reads it ("Draft your business plan").
    label: object
    hint: object
    #: As the people who accompany the trainee read it ("Draft the business plan").
    staff_label: object = ""


STEPS = (
    StepDefinition(
        "enrolled",
        _l("Join a cohort"),
        _l("You join with the invite code your programme gives you."),
        _l("Join a cohort"),
    ),
    StepDefinition(
        "training_completed",
        _l("Complete the entrepreneurship training"),
        _l("Attend the course modules; your programme manager records when you have finished."),
        _l("Complete the entrepreneurship training"),
    ),
    StepDefinition(
        "plan_drafted",
        _l("Draft your business plan"),
        _l("Answer the guided questions and build your cash-flow plan, one section at a time."),
        _l("Draft the business plan"),
    ),
    StepDefinition(
        "plan_submitted",
        _l("Send the plan to your mentor"),
        _l("Your mentor reads it, comments on each section and may ask for changes."),
        _l("Send the plan for review"),
    ),
    StepDefinition(
        "plan_endorsed",
        _l("Plan endorsed by your mentor"),
        _l("When your mentor thinks the plan is ready, they endorse it for credit."),
        _l("Get the plan endorsed by the mentor"),
    ),
    StepDefinition(
        "application_submitted",
        _l("Apply for microcredit"),
        _l("You ask for a loan on your endorsed plan; a loan officer assesses it."),
        _l("Apply for microcredit"),
    ),
    StepDefinition(
        "decided",
        _l("Decision on your application"),
        _l("Two loan officers decide together; you see the decision and the reasons."),
        _l("Wait for the decision on the application"),
    ),
    StepDefinition(
        "disbursed",
        _l("Receive the loan"),
        _l("You sign the contract and the money reaches your account."),
        _l("Receive the loan"),
    ),
    StepDefinition(
        "repaid",
        _l("Repay and grow your business"),
        _l("You repay in monthly installments while your mentor keeps accompanying you."),
        _l("Repay the loan"),
    ),
)


@dataclass(frozen=True)
class PathStep:
    key: str
    label: object
    hint: object
    state: str  # "done", "next" or "later"
    done_at: datetime | None
    staff_label: object = ""


def path_facts(enrolment: Enrolment | None, more: dict[str, datetime] | None = None) -> dict[str, datetime]:
    """When each step was reached, for the steps that have been; `more` adds facts from other domains."""
    facts: dict[str, datetime] = dict(more or {})
    if enrolment is not None:
        facts["enrolled"] = enrolment.enrolled_at
        if enrolment.training_completed_at is not None:
            facts["training_completed"] = enrolment.training_completed_at
    return facts


def trainee_path(enrolment: Enrolment | None, more: dict[str, datetime] | None = None) -> list[PathStep]:
    """The steps of the journey for the trainee of `enrolment` (None: not enrolled yet).

    `more` carries what other domains know (plans drafted and submitted), as from
    plans.services.journey_facts.
    """
    facts = path_facts(enrolment, more)
    steps: list[PathStep] = []
    next_given = False
    for definition in STEPS:
        done_at = facts.get(definition.key)
        if done_at is not None:
            state = "done"
        elif not next_given:
            state, next_given = "next", True
        else:
            state = "later"
        steps.append(
            PathStep(
                definition.key, definition.label, definition.hint, state, done_at, definition.staff_label
            )
        )
    return steps
