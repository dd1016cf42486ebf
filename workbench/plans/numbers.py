"""Saving a numbers page: the one place that decides what a posted page does to the stored assumptions.

The policy, with the same conflict design as the answers (:func:`.services.save_answers`):

- the page's part (the lists and values its section edits) replaces those keys of the stored document;
- nothing changed (the canonical documents are equal: 1000 saved and "1000" typed, a default left out and
  the same default written) stores nothing, from any window, and is no conflict;
- a page saved from the revision stored now is stored, with a compare-and-set on the revision
  (:func:`.services.save_assumptions`): of two saves from the same revision exactly one wins;
- a page from an older revision is not stored: the outcome carries a conflict (what is stored now and the
  fields that differ from what was typed), and "keep mine" saves the typed values over the stored ones.

Rules answer with codes; the words are the presentation layer's (:mod:`.financials`, the templates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.auth.models import User
from workbench.finance.fields import canonical, same_numbers
from workbench.plans.diff import flatten
from workbench.plans.models import BusinessPlan
from workbench.plans.numbers_form import GROUPS, merged
from workbench.plans.services import StaleAssumptions, save_assumptions

#: The code of the conflict: the numbers were saved from another window since the page was loaded.
CHANGED_ELSEWHERE = "numbers_changed_elsewhere"


@dataclass(frozen=True)
class Difference:
    """A value saved from another window that differs from the one typed here."""

    path: str
    saved: Any
    typed: Any


@dataclass(frozen=True)
class NumbersConflict:
    code: str
    #: The revision the page was showing (the form keeps it, so "keep mine" is a conscious choice).
    base_revision: int
    differences: tuple[Difference, ...] = ()


@dataclass
class NumbersOutcome:
    #: The whole document the page now stands for: the stored one with the typed part in it.
    document: dict[str, Any]
    #: A new revision was stored.
    saved: bool = False
    conflict: NumbersConflict | None = None
    #: Form rows of stored rows, so errors land on the typed field (see numbers_form.ReadForm.origin).
    origin: dict[str, list[int]] = field(default_factory=dict)

    @property
    def unchanged(self) -> bool:
        return not self.saved and self.conflict is None


def save_numbers(
    plan: BusinessPlan,
    section_key: str,
    part: dict[str, Any],
    base_revision: int,
    actor: User,
    *,
    keep_mine: bool = False,
) -> NumbersOutcome:
    """Merge one page's part into the plan's numbers and store it under the policy of the module."""
    document = merged(plan.assumptions, part)
    outcome = NumbersOutcome(document)
    if same_numbers(document, plan.assumptions):
        return outcome
    if keep_mine:
        base_revision = plan.assumptions_revision
    try:
        save_assumptions(plan, document, base_revision, actor)
    except StaleAssumptions:
        outcome.conflict = NumbersConflict(
            CHANGED_ELSEWHERE, base_revision, differences(plan.assumptions, document, section_key)
        )
        return outcome
    outcome.saved = True
    return outcome


def differences(saved: dict[str, Any], typed: dict[str, Any], section_key: str) -> tuple[Difference, ...]:
    """The fields of this section's page whose stored value differs from the typed one (canonical forms)."""
    group = GROUPS[section_key]
    keys = (*group.singles, *group.tables)
    before = flatten({key: value for key, value in canonical(saved).items() if key in keys})
    after = flatten({key: value for key, value in canonical(typed).items() if key in keys})
    return tuple(
        Difference(path, before.get(path), after.get(path))
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    )
