"""What changed between two versions of a plan: answers word by word, numbers field by field, and the key
results each version was sent with.

Numbers are compared in a canonical form (every default the finance schema gives filled in), so a field
missing in one version and holding its default in the other is no change."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from workbench.plans.catalogue import BusinessType
from workbench.plans.models import PlanVersion
from workbench.plans.results import StoredResults, stored_results

_WORDS = re.compile(r"\S+|\s+")


@dataclass(frozen=True)
class AnswerChange:
    section_key: str
    question_key: str
    #: ("equal" | "delete" | "insert", text) pieces that read as the new text with the old one struck out.
    pieces: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class NumberChange:
    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ResultChange:
    """One key result of both versions, from their stored results; the months say where the cash is lowest."""

    key: str  # "min_cash", "break_even_month", "dscr" or "funding_gap"
    kind: str  # "money", "month" or "ratio"
    old: Decimal | int | None
    new: Decimal | int | None
    old_month: int | None = None
    new_month: int | None = None

    @property
    def difference(self) -> Decimal | int | None:
        """new - old; None when either version has no value (no loan, no break-even)."""
        if self.old is None or self.new is None:
            return None
        return self.new - self.old

    @property
    def changed(self) -> bool:
        return (self.old, self.old_month) != (self.new, self.new_month)


@dataclass(frozen=True)
class VersionComparison:
    answers: tuple[AnswerChange, ...]
    numbers: tuple[NumberChange, ...]
    title_changed: bool
    #: The key results side by side; empty when a version's stored results cannot be read.
    results: tuple[ResultChange, ...] = ()


def word_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """Word-level differences; white space is kept so the text reads naturally."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    pieces: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("insert", "".join(b[j1:j2])))
    return tuple(pieces)


def flatten(document: Any, prefix: str = "") -> dict[str, Any]:
    """{"loans": [{"principal": "9000"}]} -> {"loans[0].principal": "9000"}."""
    if isinstance(document, dict):
        flat: dict[str, Any] = {}
        for key, value in document.items():
            flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(document, list) and document and all(isinstance(v, dict) for v in document):
        flat = {}
        for index, value in enumerate(document):
            flat.update(flatten(value, f"{prefix}[{index}]"))
        return flat
    return {prefix: document}


def compare_versions(
    old: PlanVersion, new: PlanVersion, template: BusinessType, old_template: BusinessType | None = None
) -> VersionComparison:
    """``template`` is the one ``new`` was written on; ``old_template`` (if another) adds the questions only
    the older version asked."""
    answers = []
    asked = [(s.key, q.key) for s in template.sections for q in s.questions]
    if old_template is not None:
        seen = {key for _section, key in asked}
        asked += [(s.key, q.key) for s in old_template.sections for q in s.questions if q.key not in seen]
    for section_key, question_key in asked:
        before = old.answers.get(question_key, {}).get("text", "")
        after = new.answers.get(question_key, {}).get("text", "")
        if before != after:
            answers.append(AnswerChange(section_key, question_key, word_diff(before, after)))
    return VersionComparison(
        tuple(answers),
        compare_numbers(old.assumptions, new.assumptions),
        old.title != new.title,
        compare_results(stored_results(old.results), stored_results(new.results)),
    )


def compare_numbers(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[NumberChange, ...]:
    """The fields whose values differ once both documents are canonical."""
    old_numbers, new_numbers = _fields(old), _fields(new)
    return tuple(
        NumberChange(path, old_numbers.get(path), new_numbers.get(path))
        for path in sorted(old_numbers.keys() | new_numbers.keys())
        if _number_key(old_numbers.get(path)) != _number_key(new_numbers.get(path))
    )


def _fields(document: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical document's fields by path; an empty table has none (its rows, once added, are shown)."""
    return {path: value for path, value in flatten(_canonical(document)).items() if value != []}


def compare_results(old: StoredResults | None, new: StoredResults | None) -> tuple[ResultChange, ...]:
    if old is None or new is None:
        return ()
    a, b = old.metrics, new.metrics
    return (
        ResultChange("min_cash", "money", a.min_cash, b.min_cash, a.min_cash_month, b.min_cash_month),
        ResultChange("break_even_month", "month", a.break_even_month, b.break_even_month),
        ResultChange("dscr", "ratio", a.dscr, b.dscr),
        ResultChange("funding_gap", "money", a.funding_gap, b.funding_gap),
    )


#: The defaults of the finance schema (workbench/finance/assumptions.py): a field left out reads as these.
_DEFAULTS: dict[str, Any] = {
    "opening_cash": "0",
    "own_funds": "0",
    "owner_drawings": "0",
    "tax_rate": "0",
    "discount_rate": "0.10",
}
_ROW_DEFAULTS: dict[str, dict[str, Any]] = {
    "startup_costs": {"name": "", "month": 1},
    "grants": {"name": "", "month": 1},
    "loans": {"name": "", "grace_months": 0, "method": "annuity", "month": 1},
    "revenue_streams": {
        "name": "",
        "unit_cost": "0",
        "monthly_growth": "0",
        "seasonality": ["1"] * 12,
        "start_month": 1,
    },
    "fixed_costs": {"name": "", "start_month": 1},
}


def _canonical(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document with every default filled in, so that equal plans compare equal field by field."""
    canonical: dict[str, Any] = {**_DEFAULTS, **document}
    for table, defaults in _ROW_DEFAULTS.items():
        rows = document.get(table)
        if rows is None:
            canonical[table] = []
        elif isinstance(rows, list):
            canonical[table] = [{**defaults, **row} if isinstance(row, Mapping) else row for row in rows]
    return canonical


def _number_key(value: Any) -> Any:
    """ "9000", 9000 and "9000.00" are the same amount; [1, 1.2] and ["1", "1.20"] the same seasons."""
    if isinstance(value, list):
        return tuple(_number_key(item) for item in value)
    try:
        return Decimal(str(value)).normalize() if value is not None and not isinstance(value, bool) else value
    except ArithmeticError:
        return value
