"""What is still missing from a plan, in plain words, section by section. Submitting needs it all done."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import gettext as _

from workbench.finance import AssumptionsError, project
from workbench.plans.models import BusinessPlan


@dataclass(frozen=True)
class ChecklistItem:
    section_key: str
    #: The id of the input to jump to, or None for the section as a whole.
    anchor: str | None
    message: str
    done: bool
    #: A name for items the pages single out ("numbers_refused": the finance core refuses the numbers).
    key: str = ""


def sources_and_uses(plan: BusinessPlan) -> tuple[Decimal, Decimal] | None:
    """Money coming in to start (own funds, grants, loans) and money going out to start (startup costs); None
    when the finance core refuses the numbers (a field, or a projection too large to count)."""
    try:
        parsed = project(plan.assumptions).assumptions
    except AssumptionsError:
        return None
    return parsed.startup_sources, parsed.startup_uses


def plan_checklist(plan: BusinessPlan) -> list[ChecklistItem]:
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
    items.extend(_financial_items(plan))
    return items


def _financial_items(plan: BusinessPlan) -> list[ChecklistItem]:
    document = plan.assumptions
    items = [
        ChecklistItem(
            "startup",
            "startup_costs",
            _("List what you need to buy or pay to start"),
            bool(document.get("startup_costs")),
        ),
        ChecklistItem(
            "sales_costs",
            "revenue_streams",
            _("Say what you will sell, how many and at what price"),
            bool(document.get("revenue_streams")),
        ),
        ChecklistItem(
            "sales_costs",
            "fixed_costs",
            _("List the costs you pay every month"),
            bool(document.get("fixed_costs")),
        ),
    ]
    balance = sources_and_uses(plan)
    if balance is None:
        items.append(
            ChecklistItem(
                "cashflow",
                None,
                _("Correct the numbers marked in red in your cash-flow plan"),
                False,
                "numbers_refused",
            )
        )
    else:
        sources, uses = balance
        items.append(
            ChecklistItem(
                "startup",
                "funding",
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
