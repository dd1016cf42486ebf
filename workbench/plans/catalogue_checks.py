"""Checking the business-plan template files: texts in every language (row names of the numbers too), keys,
lengths, versions, that the numbers go through :func:`workbench.finance.project`, and that an example plan's
numbers differ from the typical ones. The tests run :func:`validate_catalogue`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from workbench.plans import catalogue
from workbench.plans.template_model import LANGUAGES, NAMED_LISTS, ORIGINAL_LANGUAGE, Question, numbers_in

QUESTION_TYPES = ("text", "textarea")
MAX_EXTRA_QUESTIONS = 2
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


class CatalogueError(ValueError):
    """The template files are inconsistent; ``problems`` lists each one as "where: what"."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("The business-plan templates have problems:\n- " + "\n- ".join(problems))


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


def _check_base(problems: list[str], where: str, base: Mapping[str, Any]) -> set[str]:
    """Check one version of the shared structure; return its question keys."""
    sections = base.get("sections") or []
    found = tuple((s.get("key"), s.get("kind")) for s in sections)
    if found != catalogue.SECTION_ORDER:
        problems.append(
            f"{where}.sections: (key, kind) must be exactly {catalogue.SECTION_ORDER}, found {found}"
        )
    base_keys: set[str] = set()
    for index, section in enumerate(sections):
        at = f"{where}.sections[{index}]({section.get('key')})"
        _check_texts(problems, at, section, "title", "intro")
        questions = section.get("questions") or []
        if section.get("kind") == "summary" and questions:
            problems.append(f"{at}: the summary is assembled from the answers and has no questions")
        for number, question in enumerate(questions):
            _check_question(problems, f"{at}.questions[{number}]", question)
            if question.get("key") in base_keys:
                problems.append(f"{at}.questions[{number}].key: {question.get('key')!r} is used twice")
            base_keys.add(question.get("key"))
    return base_keys


def _check_type_file(
    problems: list[str], file: catalogue.TemplateFile, base: Mapping[str, Any], base_keys: set[str]
) -> None:
    where, data = file.name, file.data
    if data.get("key") != file.key:
        problems.append(f"{where}.key: must be {file.key!r}, found {data.get('key')!r}")
    if data.get("version") != file.version or isinstance(data.get("version"), bool):
        problems.append(
            f"{where}.version: must be {file.version} as in the file's name, found {data.get('version')!r}"
        )
    _check_texts(problems, where, data, "name", "description")
    section_keys = {key for key, _ in catalogue.SECTION_ORDER}
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
    example = plan.get("assumptions")
    _check_names(problems, f"{where}.example_plan.assumptions", example)
    _check_assumptions(problems, f"{where}.example_plan.assumptions", _in_italian(example))
    _check_balanced(problems, f"{where}.example_plan.assumptions", _in_italian(example))
    _check_example_is_its_own(problems, where, typical, example)
    if problems:
        return  # the merged template below needs well-formed files
    business_type = catalogue._business_type(base, data)
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


def validate_catalogue() -> None:
    """Raise CatalogueError listing every problem in the template files; return None when all is well."""
    problems: list[str] = []
    bases, files = catalogue._raw_catalogue()
    if not bases:
        problems.append(f"{catalogue.BASE}/v1.json: missing (the shared structure of every plan)")
    base_keys = {
        version: _check_base(problems, f"{catalogue.BASE}/v{version}.json", base)
        for version, base in bases.items()
    }
    keys_present = {file.key for file in files}
    for key in catalogue.BUSINESS_TYPE_KEYS:
        if key not in keys_present:
            problems.append(f"{key}/v1.json: missing (every programme needs this business type)")
    for file in files:
        if file.base not in bases or isinstance(file.base, bool):
            problems.append(
                f"{file.name}.base: {file.base!r} names no shared structure {catalogue.BASE}/v<N>.json"
            )
            continue
        _check_type_file(problems, file, bases[file.base], base_keys[file.base])
    if problems:
        raise CatalogueError(problems)
