"""The business-plan templates, read from data files: one shared structure and one file per business type.

``business_types/_base.json`` holds the twelve sections every plan follows (the ILO Start-Your-Business
order, in our own words) with their questions; ``business_types/<key>.json`` holds what is particular to one
business: its name, worked examples that replace the generic ones, 0-2 extra questions per section, typical
financial assumptions (the finance core's schema) and a complete example plan. Every text is given in it, en,
fr and ar; a text is shown in the language asked for, else in English.

Files are read once (``functools.cache``) from the installed package with :mod:`importlib.resources`.
:func:`validate_catalogue` checks every file (texts, keys, lengths, and that the numbers go through
:func:`workbench.finance.project`); the tests run it. The dictionaries handed out (``default_assumptions``,
``example_plan``) are shared: copy them before changing anything.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("it", "en", "fr", "ar")
FALLBACK_LANGUAGE = "en"
#: The language the programme's templates were written in: their numbers' row names as plain attributes.
ORIGINAL_LANGUAGE = "it"
BUSINESS_TYPE_KEYS = ("food", "shop", "tailoring", "beauty", "cleaning", "delivery")
SECTION_ORDER = (
    ("about_you", "questions"),
    ("idea", "questions"),
    ("customers", "questions"),
    ("competitors", "questions"),
    ("marketing", "questions"),
    ("organisation", "questions"),
    ("legal", "questions"),
    ("startup", "startup"),
    ("sales_costs", "sales_costs"),
    ("cashflow", "cashflow"),
    ("risks", "risks"),
    ("summary", "summary"),
)
QUESTION_TYPES = ("text", "textarea")
MAX_EXTRA_QUESTIONS = 2
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")

Texts = Mapping[str, Mapping[str, str]]  # field ("prompt", "title", ...) -> language -> text


class UnknownBusinessType(KeyError):
    """No template has this key."""


class CatalogueError(ValueError):
    """The template files are inconsistent; ``problems`` lists each one as "where: what"."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("The business-plan templates have problems:\n- " + "\n- ".join(problems))


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
    """One template: ``sections`` are the shared ones with this business's examples and extra questions."""

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


# --- reading the files -------------------------------------------------------------------------------------


def _read(name: str) -> dict[str, Any]:
    path = resources.files("workbench.plans").joinpath("business_types", name)
    return json.loads(path.read_text(encoding="utf-8"))


def _type_file_keys() -> list[str]:
    """The business types present as files: the six the programme needs, then any other, alphabetically."""
    folder = resources.files("workbench.plans").joinpath("business_types")
    present = {
        item.name[: -len(".json")]
        for item in folder.iterdir()
        if item.name.endswith(".json") and not item.name.startswith("_")
    }
    required = [key for key in BUSINESS_TYPE_KEYS if key in present]
    return required + sorted(present - set(BUSINESS_TYPE_KEYS))


@cache
def _raw_catalogue() -> tuple[dict[str, Any], tuple[dict[str, Any], ...]]:
    return _read("_base.json"), tuple(_read(f"{key}.json") for key in _type_file_keys())


def _texts(data: Mapping[str, Any], *names: str) -> dict[str, dict[str, str]]:
    return {name: dict(data.get(name) or {}) for name in names}


def _question(data: Mapping[str, Any], example: Mapping[str, str] | None = None) -> Question:
    texts = _texts(data, "prompt", "help", "example")
    if example:
        texts["example"] = {**texts["example"], **example}
    return Question(
        key=data["key"],
        type=data["type"],
        required=bool(data["required"]),
        min_length=data.get("min_length"),
        max_length=data["max_length"],
        texts=texts,
    )


def _business_type(base: Mapping[str, Any], data: Mapping[str, Any]) -> BusinessType:
    examples = data.get("examples") or {}
    extra = data.get("extra_questions") or {}
    sections = []
    for section in base["sections"]:
        questions = [_question(q, examples.get(q["key"])) for q in section.get("questions", [])]
        questions += [_question(q, examples.get(q["key"])) for q in extra.get(section["key"], [])]
        sections.append(
            Section(
                key=section["key"],
                kind=section["kind"],
                questions=tuple(questions),
                texts=_texts(section, "title", "intro"),
            )
        )
    return BusinessType(
        key=data["key"],
        version=int(data["version"]),
        texts=_texts(data, "name", "description"),
        sections=tuple(sections),
        default_assumptions=numbers_in(data["default_assumptions"], ORIGINAL_LANGUAGE),
        example_plan={
            **data["example_plan"],
            "assumptions": numbers_in(data["example_plan"]["assumptions"], ORIGINAL_LANGUAGE),
        },
        numbers_texts={
            "typical": data["default_assumptions"],
            "example": data["example_plan"]["assumptions"],
        },
    )


@cache
def _business_types() -> tuple[BusinessType, ...]:
    base, types = _raw_catalogue()
    return tuple(_business_type(base, data) for data in types)


def business_types() -> list[BusinessType]:
    """Every template: the six the programme needs, then any other file, alphabetically."""
    return list(_business_types())


def get_business_type(key: str) -> BusinessType:
    for business_type in _business_types():
        if business_type.key == key:
            return business_type
    raise UnknownBusinessType(key)


# --- checking the files ------------------------------------------------------------------------------------


def _check_texts(problems: list[str], where: str, data: Mapping[str, Any], *names: str) -> None:
    for name in names:
        texts = data.get(name)
        if not isinstance(texts, Mapping):
            problems.append(f"{where}.{name}: missing (a text in {', '.join(LANGUAGES)})")
            continue
        for language in LANGUAGES:
            value = texts.get(language)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{where}.{name}.{language}: missing or empty")


def _check_length(problems: list[str], where: str, text: object, question: Question) -> None:
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{where}: empty")
        return
    length = len(text.strip())
    if question.min_length and length < question.min_length:
        problems.append(f"{where}: {length} characters, fewer than min_length {question.min_length}")
    if length > question.max_length:
        problems.append(f"{where}: {length} characters, more than max_length {question.max_length}")


def _check_question(problems: list[str], where: str, data: Mapping[str, Any]) -> None:
    key = data.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        problems.append(f"{where}.key: {key!r} is not a snake_case key")
    if data.get("type") not in QUESTION_TYPES:
        problems.append(f"{where}.type: {data.get('type')!r} is not one of {QUESTION_TYPES}")
    if not isinstance(data.get("required"), bool):
        problems.append(f"{where}.required: must be true or false")
    low, high = data.get("min_length"), data.get("max_length")
    if low is not None and (not isinstance(low, int) or isinstance(low, bool) or low < 0):
        problems.append(f"{where}.min_length: must be a whole number >= 0 or null")
        low = None
    if not isinstance(high, int) or isinstance(high, bool) or high <= (low or 0):
        problems.append(f"{where}.max_length: must be a whole number above min_length")
    _check_texts(problems, where, data, "prompt", "help", "example")


def _check_assumptions(problems: list[str], where: str, document: object) -> None:
    from workbench.finance import AssumptionsError, project

    if not isinstance(document, Mapping):
        problems.append(f"{where}: missing")
        return
    try:
        project(document)
    except AssumptionsError as error:
        problems.append(f"{where}: not accepted by the finance core: {error}")


def _check_balanced(problems: list[str], where: str, document: object) -> None:
    """Typical numbers and example plans show the rule they teach: the money to start equals what starting
    costs, so a new plan opens without a warning the trainee did not cause."""
    from workbench.finance import AssumptionsError, parse_assumptions

    try:
        parsed = parse_assumptions(document)  # type: ignore[arg-type]
    except (AssumptionsError, TypeError):
        return  # reported by _check_assumptions
    sources, uses = parsed.startup_sources, parsed.startup_uses
    if sources != uses:
        problems.append(
            f"{where}: sources {sources} must equal uses {uses} (own funds + grants + loans = startup costs)"
        )


def validate_catalogue() -> None:
    """Raise CatalogueError listing every problem in the template files; return None when all is well."""
    problems: list[str] = []
    base, types = _raw_catalogue()
    sections = base.get("sections") or []
    found = tuple((s.get("key"), s.get("kind")) for s in sections)
    if found != SECTION_ORDER:
        problems.append(f"_base.sections: (key, kind) must be exactly {SECTION_ORDER}, found {found}")
    base_keys: set[str] = set()
    for index, section in enumerate(sections):
        where = f"_base.sections[{index}]({section.get('key')})"
        _check_texts(problems, where, section, "title", "intro")
        questions = section.get("questions") or []
        if section.get("kind") == "summary" and questions:
            problems.append(f"{where}: the summary is assembled from the answers and has no questions")
        for number, question in enumerate(questions):
            _check_question(problems, f"{where}.questions[{number}]", question)
            if question.get("key") in base_keys:
                problems.append(f"{where}.questions[{number}].key: {question.get('key')!r} is used twice")
            base_keys.add(question.get("key"))
    section_keys = {key for key, _ in SECTION_ORDER}

    keys_present = _type_file_keys()
    for key in BUSINESS_TYPE_KEYS:
        if key not in keys_present:
            problems.append(f"{key}.json: missing (every programme needs this business type)")
    for expected, data in zip(keys_present, types, strict=True):
        where = f"{expected}.json"
        if data.get("key") != expected:
            problems.append(f"{where}.key: must be {expected!r}, found {data.get('key')!r}")
        if not isinstance(data.get("version"), int) or data["version"] < 1:
            problems.append(f"{where}.version: must be a whole number >= 1")
        _check_texts(problems, where, data, "name", "description")
        keys = set(base_keys)
        for section_key, extra in (data.get("extra_questions") or {}).items():
            if section_key not in section_keys or section_key == "summary":
                problems.append(f"{where}.extra_questions.{section_key}: no such section with questions")
            if len(extra) > MAX_EXTRA_QUESTIONS:
                problems.append(f"{where}.extra_questions.{section_key}: at most {MAX_EXTRA_QUESTIONS}")
            for number, question in enumerate(extra):
                _check_question(problems, f"{where}.extra_questions.{section_key}[{number}]", question)
                if question.get("key") in keys:
                    problems.append(f"{where}.extra_questions: {question.get('key')!r} is used twice")
                keys.add(question.get("key"))
        for question_key, example in (data.get("examples") or {}).items():
            if question_key not in keys:
                problems.append(f"{where}.examples.{question_key}: no such question")
            _check_texts(problems, f"{where}.examples", {question_key: example}, question_key)
        typical = data.get("default_assumptions")
        _check_names(problems, f"{where}.default_assumptions", typical)
        _check_assumptions(problems, f"{where}.default_assumptions", _in_italian(typical))
        _check_balanced(problems, f"{where}.default_assumptions", _in_italian(typical))
        plan = data.get("example_plan") or {}
        _check_texts(problems, f"{where}.example_plan", plan, "title")
        if not isinstance(plan.get("language"), str) or not plan["language"]:
            problems.append(f"{where}.example_plan.language: missing")
        _check_names(problems, f"{where}.example_plan.assumptions", plan.get("assumptions"))
        _check_assumptions(
            problems, f"{where}.example_plan.assumptions", _in_italian(plan.get("assumptions"))
        )
        _check_balanced(problems, f"{where}.example_plan.assumptions", _in_italian(plan.get("assumptions")))
        _check_example_is_its_own(problems, where, typical, plan.get("assumptions"))
        if problems:
            continue  # the merged template below needs well-formed files
        business_type = _business_type(base, data)
        answers = plan.get("answers") or {}
        for question_key in answers:
            if business_type.question(question_key) is None:
                problems.append(f"{where}.example_plan.answers.{question_key}: no such question")
        for question in business_type.questions:
            for language in LANGUAGES:
                _check_length(
                    problems,
                    f"{where} example of {question.key} ({language})",
                    question.example(language),
                    question,
                )
            if question.key in answers:
                _check_length(
                    problems, f"{where}.example_plan.answers.{question.key}", answers[question.key], question
                )
            elif question.required:
                problems.append(f"{where}.example_plan.answers.{question.key}: required, not answered")
    if problems:
        raise CatalogueError(problems)


# --- the numbers in one language ---------------------------------------------------------------------------

#: The lists of a numbers document whose rows carry a name (given in the files as {language: text}).
NAMED_LISTS = ("startup_costs", "grants", "loans", "revenue_streams", "fixed_costs")


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


def _in_italian(document: object) -> object:
    return numbers_in(document, ORIGINAL_LANGUAGE) if isinstance(document, Mapping) else document


def _check_names(problems: list[str], where: str, document: object) -> None:
    """Every named row of a template's numbers gives its name in the four languages."""
    if not isinstance(document, Mapping):
        return
    for key in NAMED_LISTS:
        rows = document.get(key)
        for number, row in enumerate(rows if isinstance(rows, list) else []):
            if isinstance(row, Mapping):
                _check_texts(problems, f"{where}.{key}[{number}]", row, "name")


#: The lists the plan checklist asks the person to make their own (workbench.plans.checklist).
_PERSONS_LISTS = ("startup_costs", "revenue_streams", "fixed_costs")


def _check_example_is_its_own(problems: list[str], where: str, typical: object, example: object) -> None:
    """A plan started from the example holds numbers the person chose: each list the checklist asks for
    differs from the typical one in every language, or the checklist would count it as untouched."""
    from workbench.finance import AssumptionsError, parse_assumptions

    if not isinstance(typical, Mapping) or not isinstance(example, Mapping):
        return
    try:
        typical_lists = [parse_assumptions(numbers_in(typical, language)) for language in LANGUAGES]
        example_lists = [parse_assumptions(numbers_in(example, language)) for language in LANGUAGES]
    except (AssumptionsError, TypeError):
        return  # reported by _check_assumptions
    for key in _PERSONS_LISTS:
        if any(getattr(e, key) == getattr(t, key) for e in example_lists for t in typical_lists):
            problems.append(f"{where}.example_plan.assumptions.{key}: same as the typical numbers")
