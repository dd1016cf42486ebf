"""What is still missing from a plan, in plain words, section by section. Submitting needs it all done."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import gettext as _

from workbench.finance import AssumptionsError, ProjectionResult, project
from workbench.finance.fields import dom_id
from workbench.plans.models import BusinessPlan
from workbench.plans.numbers_form import section_of_field

#: A plan's projection and its refusal (one of them is None), when the caller has it already.
Projected = tuple[ProjectionResult | None, AssumptionsError | None]


@dataclass(frozen=True)
class ChecklistItem:
    section_key: str
    #: The id of the element to jump to on the section's page, or None for the section as a whole.
    anchor: str | None
    message: str
    done: bool
    #: A name for items the pages single out ("numbers_refused": the finance core refuses the numbers).
    key: str = ""


def sources_and_uses(plan: BusinessPlan) -> tuple[Decimal, Decimal] | None:
    """Money coming in to start (own funds, grants, loans) and money going out to start (startup costs); None
    when the finance core refuses the numbers (a field, or a projection too large to count)."""
    result, _error = _projected(plan, None)
    if result is None:
        return None
    return result.assumptions.startup_sources, result.assumptions.startup_uses


def _projected(plan: BusinessPlan, projected: Projected | None) -> Projected:
    if projected is not None:
        return projected
    try:
        return project(plan.assumptions), None
    except AssumptionsError as error:
        return None, error


def plan_checklist(plan: BusinessPlan, projected: Projected | None = None) -> list[ChecklistItem]:
    """``projected`` is the projection of the plan's stored numbers, when the request has it already."""
    from workbench.plans.services import business_type_of

    language = get_locale().language
    template = business_type_of(plan)
    items: list[ChecklistItem] = []
    for section in template.sections:
        for question in section.questions:
            if not question.required:
                continue
            answer = plan.answer(question.key)
            text = answer.text.strip() if answer else ""
            prompt = question.prompt(language)
            anchor = f"answer-{question.key}"
            if not text:
                items.append(
                    ChecklistItem(section.key, anchor, _("Answer: %(question)s", question=prompt), False)
                )
            elif question.min_length and len(text) < question.min_length:
                message = _(
                    "Say a little more (at least %(n)d characters): %(question)s",
                    n=question.min_length,
                    question=prompt,
                )
                items.append(ChecklistItem(section.key, anchor, message, False))
            elif question.max_length and len(text) > question.max_length:
                message = _(
                    "Make it shorter (at most %(n)d characters, now %(now)d): %(question)s",
                    n=question.max_length,
                    now=len(text),
                    question=prompt,
                )
                items.append(ChecklistItem(section.key, anchor, message, False))
            else:
                items.append(ChecklistItem(section.key, anchor, prompt, True))
    items.extend(_financial_items(plan, _projected(plan, projected)))
    return items


def _financial_items(plan: BusinessPlan, projected: Projected) -> list[ChecklistItem]:
    document = plan.assumptions
    items = [
        ChecklistItem(
            "startup",
            dom_id("startup_costs"),
            _("List what you need to buy or pay to start"),
            bool(document.get("startup_costs")),
        ),
        ChecklistItem(
            "sales_costs",
            dom_id("revenue_streams"),
            _("Say what you will sell, how many and at what price"),
            bool(document.get("revenue_streams")),
        ),
        ChecklistItem(
            "sales_costs",
            dom_id("fixed_costs"),
            _("List the costs you pay every month"),
            bool(document.get("fixed_costs")),
        ),
    ]
    result, error = projected
    if result is None:
        # The item (and the step's badge) goes to the page that holds the first refused field.
        path = error.issues[0].path if error is not None and error.issues else ""
        section_key = section_of_field(path) or "cashflow"
        items.append(
            ChecklistItem(
                section_key,
                dom_id(path) if section_of_field(path) else None,
                _("Correct the numbers marked in red in your cash-flow plan"),
                False,
                "numbers_refused",
            )
        )
    else:
        sources, uses = result.assumptions.startup_sources, result.assumptions.startup_uses
        items.append(
            ChecklistItem(
                "startup",
                dom_id("own_funds"),
                _("Make the money to start equal to what starting costs"),
                sources == uses and uses > 0,
            )
        )
    return items


def progress(items: list[ChecklistItem]) -> int:
    """Percent of the checklist done, rounded down so 100 means truly complete."""
    if not items:
        return 0
    return 100 * sum(1 for i in items if i.done) // len(items)
