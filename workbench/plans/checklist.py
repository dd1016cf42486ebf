"""What is still missing from a plan, in plain words, section by section. Submitting needs it all done."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from workbench.finance import Assumptions, AssumptionsError, ProjectionResult, parse_assumptions, project
from workbench.finance.fields import dom_id
from workbench.finance.money import to_decimal
from workbench.plans.catalogue import LANGUAGES, BusinessType, business_type_of
from workbench.plans.models import BusinessPlan
from workbench.plans.numbers_form import section_of_field

#: A plan's projection and its refusal (one of them is None), when the caller has it already.
Projected = tuple[ProjectionResult | None, AssumptionsError | None]


@dataclass(frozen=True)
class ChecklistItem:
    section_key: str
    #: The id of the element to jump to on the section's page, or None for the section as a whole.
    anchor: str | None
    #: What to do, translated only when read: the section pages count the items and show none of them, and
    #: the numbers page recounts them on every pause in typing.
    text: str | LazyString
    done: bool
    #: A name for items the pages single out ("numbers_refused": the finance core refuses the numbers).
    key: str = ""

    @property
    def message(self) -> str:
        """What to do, in the language of the request reading it."""
        return str(self.text)


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
                    ChecklistItem(section.key, anchor, _l("Answer: %(question)s", question=prompt), False)
                )
            elif question.min_length and len(text) < question.min_length:
                message = _l(
                    "Say a little more (at least %(n)d characters): %(question)s",
                    n=question.min_length,
                    question=prompt,
                )
                items.append(ChecklistItem(section.key, anchor, message, False))
            elif question.max_length and len(text) > question.max_length:
                message = _l(
                    "Make it shorter (at most %(n)d characters, now %(now)d): %(question)s",
                    n=question.max_length,
                    now=len(text),
                    question=prompt,
                )
                items.append(ChecklistItem(section.key, anchor, message, False))
            else:
                items.append(ChecklistItem(section.key, anchor, prompt, True))
    items.extend(_financial_items(plan, _projected(plan, projected), template))
    return items


def _financial_items(plan: BusinessPlan, projected: Projected, template: BusinessType) -> list[ChecklistItem]:
    document = plan.assumptions
    result, error = projected
    own = numbers_of_the_person(document, template, result.assumptions if result is not None else None)
    items = [
        ChecklistItem(
            "startup",
            dom_id("startup_costs"),
            _said(document, own, "startup_costs", _l("List what you need to buy or pay to start")),
            bool(document.get("startup_costs")) and "startup_costs" in own,
        ),
        ChecklistItem(
            "sales_costs",
            dom_id("revenue_streams"),
            _said(document, own, "revenue_streams", _l("Say what you will sell, how many and at what price")),
            bool(document.get("revenue_streams")) and "revenue_streams" in own,
        ),
        ChecklistItem(
            "sales_costs",
            dom_id("fixed_costs"),
            _said(document, own, "fixed_costs", _l("List the costs you pay every month")),
            bool(document.get("fixed_costs")) and "fixed_costs" in own,
        ),
    ]
    if result is None:
        # The item (and the step's badge) goes to the page that holds the first refused field.
        path = error.issues[0].path if error is not None and error.issues else ""
        section_key = section_of_field(path) or "cashflow"
        items.append(
            ChecklistItem(
                section_key,
                dom_id(path) if section_of_field(path) else None,
                _l("Correct the numbers marked in red in your cash-flow plan"),
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
                _l("Make the money to start equal to what starting costs"),
                sources == uses and uses > 0 and bool(own & STARTUP_NUMBERS),
            )
        )
    return items


def _said(document: Mapping[str, Any], own: set[str], key: str, message: LazyString) -> LazyString:
    """The item's message; for a list still holding the template's typical rows, what to do about them."""
    if document.get(key) and key not in own:
        return _l(
            "Put your own numbers in place of the typical ones (change, add or remove rows): %(what)s",
            what=message,
        )
    return message


#: The numbers whose values the person chooses (not the plan's calendar, which has sensible defaults).
PERSON_NUMBERS = ("startup_costs", "own_funds", "grants", "loans", "revenue_streams", "fixed_costs")
#: The numbers of the startup page: the money to start counts as balanced by the person once one is theirs.
STARTUP_NUMBERS = frozenset({"startup_costs", "own_funds", "grants", "loans"})


def numbers_of_the_person(
    document: Mapping[str, Any], template: BusinessType, parsed: Assumptions | None = None
) -> set[str]:
    """The numbers (of PERSON_NUMBERS) that are no longer the typical ones a new plan starts from.

    Derived from the document, never recorded by hand: a new plan holds the template's typical numbers (in
    the language it was made in), which are the template's, not the person's; once the person saves a list
    with a changed row, a new row or a removed one, it is theirs. Plans from the example or from a file
    start from numbers that differ from the typical ones, so they count as chosen. Values are compared as
    the finance core reads them, so 9500 saved back as "9500.00" is no change. ``parsed`` is the document as
    the core read it, when the caller has it already."""
    person = _person(parsed) if parsed is not None else _parsed(document)
    if person is not None:
        mine, typical = person, [variant for variant, _raw in _typical_numbers(template)]
    else:  # refused by the core (the checklist says so): the values as stored, numbers made comparable
        mine = {key: _loose(document.get(key)) for key in PERSON_NUMBERS}
        typical = [raw for _variant, raw in _typical_numbers(template)]
    return {key for key in PERSON_NUMBERS if all(mine[key] != variant.get(key) for variant in typical)}


@cache
def _typical_numbers(template: BusinessType) -> tuple[tuple[dict[str, Any], dict[str, Any]], ...]:
    """The template's typical numbers, once per language of its row names: as the core reads them, and raw."""
    found = []
    for language in LANGUAGES:
        document = template.typical_numbers(language)
        parsed = _parsed(document) or {}
        found.append((parsed, {key: _loose(document.get(key)) for key in PERSON_NUMBERS}))
    return tuple(found)


def _parsed(document: Mapping[str, Any]) -> dict[str, Any] | None:
    """The person's numbers as the finance core reads them (defaults filled in, amounts as Decimals)."""
    try:
        parsed = parse_assumptions(document)
    except (AssumptionsError, TypeError):
        return None
    return _person(parsed)


def _person(parsed: Assumptions) -> dict[str, Any]:
    return {key: getattr(parsed, key) for key in PERSON_NUMBERS}


def _loose(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _loose(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_loose(v) for v in value)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        try:
            return to_decimal(value)
        except ValueError:
            return value
    return value


def progress(items: list[ChecklistItem]) -> int:
    """Percent of the checklist done, rounded down so 100 means truly complete."""
    if not items:
        return 0
    return 100 * sum(1 for i in items if i.done) // len(items)
