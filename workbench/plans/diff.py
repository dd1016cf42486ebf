"""What changed between two versions of a plan: answers word by word, numbers field by field."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from workbench.plans.catalogue import BusinessType
from workbench.plans.models import PlanVersion

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
class VersionComparison:
    answers: tuple[AnswerChange, ...]
    numbers: tuple[NumberChange, ...]
    title_changed: bool


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


def compare_versions(old: PlanVersion, new: PlanVersion, template: BusinessType) -> VersionComparison:
    answers = []
    for section in template.sections:
        for question in section.questions:
            before = old.answers.get(question.key, {}).get("text", "")
            after = new.answers.get(question.key, {}).get("text", "")
            if before != after:
                answers.append(AnswerChange(section.key, question.key, word_diff(before, after)))
    old_numbers, new_numbers = flatten(old.assumptions), flatten(new.assumptions)
    numbers = tuple(
        NumberChange(path, old_numbers.get(path), new_numbers.get(path))
        for path in sorted(old_numbers.keys() | new_numbers.keys())
        if _number_key(old_numbers.get(path)) != _number_key(new_numbers.get(path))
    )
    return VersionComparison(tuple(answers), numbers, old.title != new.title)


def _number_key(value: Any) -> Any:
    """ "9000", 9000 and "9000.00" are the same amount; [1, 1.2] and ["1", "1.20"] the same seasons."""
    if isinstance(value, list):
        return tuple(_number_key(item) for item in value)
    try:
        return Decimal(str(value)).normalize() if value is not None and not isinstance(value, bool) else value
    except ArithmeticError:
        return value
