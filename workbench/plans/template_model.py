"""The typed business-plan template: a business type's sections and questions, with texts in four languages.

Built by :mod:`workbench.plans.catalogue` from the template files; read by the wizard, the checklist, the
versions and the exports. A text is shown in the language asked for, else in English; so is a row name of
the typical and the example numbers (:func:`numbers_in`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("it", "en", "fr", "ar")
FALLBACK_LANGUAGE = "en"
#: The language the programme's templates were written in: their numbers' row names as plain attributes.
ORIGINAL_LANGUAGE = "it"
#: The lists of a numbers document whose rows carry a name (given in the files as {language: text}).
NAMED_LISTS = ("startup_costs", "grants", "loans", "revenue_streams", "fixed_costs")

Texts = Mapping[str, Mapping[str, str]]  # field ("prompt", "title", ...) -> language -> text


def _pick(texts: Texts, name: str, language: str | None) -> str:
    by_language = texts.get(name) or {}
    code = (language or "").replace("_", "-").split("-")[0].lower()
    return by_language.get(code) or by_language.get(FALLBACK_LANGUAGE) or ""


@dataclass(frozen=True)
class Question:
    key: str
    type: str
    required: bool
    min_length: int | None
    max_length: int
    texts: Texts = field(hash=False, repr=False)

    def prompt(self, language: str | None) -> str:
        return _pick(self.texts, "prompt", language)

    def help(self, language: str | None) -> str:
        return _pick(self.texts, "help", language)

    def example(self, language: str | None) -> str:
        return _pick(self.texts, "example", language)


@dataclass(frozen=True)
class Section:
    key: str
    kind: str
    questions: tuple[Question, ...]
    texts: Texts = field(hash=False, repr=False)

    def title(self, language: str | None) -> str:
        return _pick(self.texts, "title", language)

    def intro(self, language: str | None) -> str:
        return _pick(self.texts, "intro", language)


@dataclass(frozen=True)
class BusinessType:
    """One version of one template: ``sections`` are the shared ones with this business's examples and extra
    questions. A plan and each of its frozen versions name the ``version`` they were written on."""

    key: str
    version: int
    texts: Texts = field(hash=False, repr=False)
    sections: tuple[Section, ...] = field(hash=False, repr=False)
    default_assumptions: dict[str, Any] = field(hash=False, repr=False)
    #: {"title": {lang: text}, "language": code, "answers": {question key: text}, "assumptions": {...}}
    example_plan: dict[str, Any] = field(hash=False, repr=False)
    #: The typical and the example numbers as the file gives them, row names in four languages
    #: ({"typical": {...}, "example": {...}}); ``default_assumptions`` and ``example_plan`` hold them in
    #: Italian, as before the names were translated.
    numbers_texts: dict[str, Any] = field(default_factory=dict, hash=False, repr=False, compare=False)
    _by_key: dict[str, Question] = field(init=False, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {q.key: q for s in self.sections for q in s.questions})

    def name(self, language: str | None) -> str:
        return _pick(self.texts, "name", language)

    def description(self, language: str | None) -> str:
        return _pick(self.texts, "description", language)

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question of the plan, in the order the wizard asks them."""
        return tuple(question for section in self.sections for question in section.questions)

    def question(self, key: str) -> Question | None:
        return self._by_key.get(key)

    def section(self, key: str) -> Section | None:
        return next((section for section in self.sections if section.key == key), None)

    def section_of(self, question_key: str) -> Section | None:
        """The section that asks the question ``question_key``."""
        return next((s for s in self.sections if any(q.key == question_key for q in s.questions)), None)

    def example_title(self, language: str | None) -> str:
        return _pick(self.example_plan, "title", language)

    def typical_numbers(self, language: str | None) -> dict[str, Any]:
        """The typical numbers a new plan starts from, their row names in ``language``."""
        return numbers_in(self.numbers_texts.get("typical", self.default_assumptions), language)

    def example_numbers(self, language: str | None) -> dict[str, Any]:
        """The example plan's numbers, their row names in ``language``."""
        return numbers_in(self.numbers_texts.get("example", self.example_plan["assumptions"]), language)


def numbers_in(document: Mapping[str, Any], language: str | None) -> dict[str, Any]:
    """A copy of a template's numbers document with each row's name in ``language`` (else in English); a name
    given as plain text (older template files, imported plans) is kept as it is."""
    copied = dict(document)
    for key in NAMED_LISTS:
        rows = document.get(key)
        if not isinstance(rows, list):
            continue
        copied[key] = [
            {**row, "name": _pick(row, "name", language)}
            if isinstance(row, Mapping) and isinstance(row.get("name"), Mapping)
            else row
            for row in rows
        ]
    return copy.deepcopy(copied)
