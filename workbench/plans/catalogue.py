"""The business-plan templates, read from data files: one shared structure and one file per business type,
each kept in every version plans were written on.

``business_types/_base/v<N>.json`` holds the twelve sections every plan follows (the ILO Start-Your-Business
order, in our own words) with their questions; ``business_types/<key>/v<N>.json`` holds what is particular to
one business: its name, worked examples that replace the generic ones, 0-2 extra questions per section,
typical financial assumptions (the finance core's schema) and a complete example plan. A business file builds
on the shared structure named by its ``"base"`` (1 when absent). Every text is given in it, en, fr and ar.

Versions: a file plans were written on is never changed in a way that alters them; the change is a new file
``<key>/v<N+1>.json`` (with ``"version": N+1``). New plans use the newest version (:func:`business_types`,
``get_business_type(key)``); a draft and every version frozen from it keep rendering with the one they name
(``get_business_type(key, version)``; ``business_type_of(plan or version)``).

Row names of the typical and the example numbers are given as {language: text};
``BusinessType.typical_numbers(language)`` and ``example_numbers(language)`` hand them out in one language.

Files are read once (``functools.cache``) from the installed package with :mod:`importlib.resources`;
:mod:`workbench.plans.catalogue_checks` checks them. The dictionaries handed out (``default_assumptions``,
``example_plan``) are shared: copy them before changing anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Protocol

from workbench.plans.template_model import (
    LANGUAGES,
    ORIGINAL_LANGUAGE,
    BusinessType,
    Question,
    Section,
    numbers_in,
)

__all__ = [
    "BUSINESS_TYPE_KEYS",
    "LANGUAGES",
    "SECTION_ORDER",
    "BusinessType",
    "Question",
    "Section",
    "TemplateFile",
    "UnknownBusinessType",
    "business_type_of",
    "business_types",
    "get_business_type",
    "numbers_in",
]

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
BASE = "_base"
_VERSION_FILE = re.compile(r"^v([1-9][0-9]*)\.json$")


class UnknownBusinessType(KeyError):
    """No template has this key (or this key has no such version)."""


@dataclass(frozen=True)
class TemplateFile:
    """One business type's file in one version, as read."""

    key: str
    version: int
    data: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.key}/v{self.version}.json"

    @property
    def base(self) -> Any:
        """The version of the shared structure this file builds on."""
        return self.data.get("base", 1)


# --- reading the files -------------------------------------------------------------------------------------


def _folder() -> Traversable:
    return resources.files("workbench.plans").joinpath("business_types")


def _read(item: Traversable) -> dict[str, Any]:
    return json.loads(item.read_text(encoding="utf-8"))


def _versions(folder: Traversable) -> list[int]:
    """The versions present in one template's folder, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for item in folder.iterdir() if (m := _VERSION_FILE.match(item.name)))


def _type_file_keys() -> list[str]:
    """The business types present as folders: the six the programme needs, then any other, alphabetically."""
    present = {item.name for item in _folder().iterdir() if item.is_dir() and item.name[0] not in "_."}
    required = [key for key in BUSINESS_TYPE_KEYS if key in present]
    return required + sorted(present - set(BUSINESS_TYPE_KEYS))


@cache
def _raw_catalogue() -> tuple[dict[int, dict[str, Any]], tuple[TemplateFile, ...]]:
    """The shared structures by version, and every business file: by type (in _type_file_keys order), then
    by version, oldest first."""
    folder = _folder()
    bases = {version: _read(folder / BASE / f"v{version}.json") for version in _versions(folder / BASE)}
    files = tuple(
        TemplateFile(key, version, _read(folder / key / f"v{version}.json"))
        for key in _type_file_keys()
        for version in _versions(folder / key)
    )
    return bases, files


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
def _templates() -> dict[tuple[str, int], BusinessType]:
    bases, files = _raw_catalogue()
    return {(file.key, file.version): _business_type(bases[file.base], file.data) for file in files}


def clear_cache() -> None:
    """Forget the files read (after the folder changed: tests that add a version)."""
    _templates.cache_clear()
    _raw_catalogue.cache_clear()


# --- looking templates up ----------------------------------------------------------------------------------


def business_types() -> list[BusinessType]:
    """The newest version of every template: the six the programme needs, then any other, alphabetically."""
    newest: dict[str, BusinessType] = {}
    for (key, _version), business_type in _templates().items():
        newest[key] = business_type  # versions come oldest first
    return list(newest.values())


def get_business_type(key: str, version: int | None = None) -> BusinessType:
    """The template ``key`` in ``version``, or in its newest version (the one new plans use)."""
    templates = _templates()
    if version is None:
        found = [business_type for (k, _v), business_type in templates.items() if k == key]
        if found:
            return found[-1]
    elif (key, version) in templates:
        return templates[(key, version)]
    raise UnknownBusinessType(key if version is None else f"{key}/v{version}")


class WrittenOnTemplate(Protocol):
    """A draft or a frozen version: it names the business type and the template version it was written on."""

    business_type: str
    template_version: int


def business_type_of(record: WrittenOnTemplate) -> BusinessType:
    """The template version a plan (or a frozen version) was written on, not the newest one."""
    return get_business_type(record.business_type, record.template_version)
