"""The business-plan templates: the shipped files are consistent, texts fall back to English, and
validate_catalogue reports each kind of broken file at the right place.

Pure: no app, no database. Broken data is fed by patching ``catalogue._raw_catalogue`` with a deep copy of
the real files, changed; business_types() is never called on patched data. The ``food_v2`` fixture reads a
copy of the folder with a second version of food added.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from workbench.finance import parse_assumptions
from workbench.plans import catalogue, catalogue_checks
from workbench.plans.catalogue import (
    BUSINESS_TYPE_KEYS,
    LANGUAGES,
    SECTION_ORDER,
    Question,
    TemplateFile,
    UnknownBusinessType,
    business_types,
    get_business_type,
    numbers_in,
)
from workbench.plans.catalogue_checks import CatalogueError, validate_catalogue

ARABIC = re.compile(r"[\u0600-\u06FF]")
PROGRAMME_TYPES = ["food", "shop", "tailoring", "beauty", "cleaning", "delivery"]


# --- the shipped files -------------------------------------------------------------------------------------


def test_the_shipped_templates_pass_validation() -> None:
    assert validate_catalogue() is None  # it raises CatalogueError listing every problem


def test_the_six_programme_business_types_come_first_in_order() -> None:
    assert list(BUSINESS_TYPE_KEYS) == PROGRAMME_TYPES
    keys = [business_type.key for business_type in business_types()]
    assert keys[:6] == PROGRAMME_TYPES
    assert keys[6:] == sorted(keys[6:])  # any further file comes after them, alphabetically
    assert catalogue._type_file_keys()[:6] == PROGRAMME_TYPES


def test_every_template_follows_the_section_order_and_the_summary_asks_nothing() -> None:
    templates = business_types()
    assert templates
    for business_type in templates:
        assert tuple((s.key, s.kind) for s in business_type.sections) == SECTION_ORDER, business_type.key
        assert business_type.section("summary").questions == ()
        assert all(section.title("en") and section.title("ar") for section in business_type.sections)


def test_every_template_asks_the_shared_questions_first_then_its_own() -> None:
    base = catalogue._raw_catalogue()[0][1]
    for business_type in business_types():
        for shared, section in zip(base["sections"], business_type.sections, strict=True):
            shared_keys = [question["key"] for question in shared.get("questions", [])]
            asked = [question.key for question in section.questions]
            assert asked[: len(shared_keys)] == shared_keys, (business_type.key, section.key)
            assert len(asked) - len(shared_keys) <= catalogue_checks.MAX_EXTRA_QUESTIONS
        keys = [question.key for question in business_type.questions]
        assert len(keys) == len(set(keys)), business_type.key
        assert business_type.section_of(keys[0]).key == "about_you"


@pytest.mark.parametrize("key", PROGRAMME_TYPES)
def test_each_example_plan_answers_fit_the_questions(key: str) -> None:
    business_type = get_business_type(key)
    plan = business_type.example_plan
    assert plan["language"] == "it"
    assert all(business_type.example_title(language) for language in LANGUAGES)
    answers = plan["answers"]
    assert set(answers) <= {question.key for question in business_type.questions}
    for question in business_type.questions:
        if question.required:
            assert question.key in answers, f"{key}: {question.key} is required"
        if question.key in answers:
            length = len(answers[question.key].strip())
            assert (question.min_length or 1) <= length <= question.max_length, (key, question.key, length)


@pytest.mark.parametrize("key", PROGRAMME_TYPES)
def test_each_example_plan_has_as_much_money_to_start_as_starting_costs(key: str) -> None:
    parsed = parse_assumptions(get_business_type(key).example_plan["assumptions"])
    sources = (
        parsed.own_funds
        + sum((grant.amount for grant in parsed.grants), Decimal(0))
        + sum((loan.principal for loan in parsed.loans), Decimal(0))
    )
    uses = sum((cost.amount for cost in parsed.startup_costs), Decimal(0))
    assert uses > 0
    assert sources == uses


@pytest.mark.parametrize("key", PROGRAMME_TYPES)
def test_each_template_has_typical_numbers_the_finance_core_reads(key: str) -> None:
    parsed = parse_assumptions(get_business_type(key).default_assumptions)
    assert parsed.months == 36
    assert parsed.revenue_streams
    assert parsed.startup_costs


def test_an_unknown_business_type_is_an_error() -> None:
    with pytest.raises(UnknownBusinessType):
        get_business_type("nope")
    with pytest.raises(KeyError):  # UnknownBusinessType is a KeyError, so callers may catch either
        get_business_type("")


# --- texts in four languages -------------------------------------------------------------------------------


def test_a_language_that_is_not_there_falls_back_to_english() -> None:
    food = get_business_type("food")
    skills = food.question("skills")
    assert food.name("de") == food.name("en") == food.texts["name"]["en"]
    assert food.description("de") == food.description("en")
    assert skills.prompt("de") == skills.prompt("en")
    assert food.section("about_you").title("de") == food.section("about_you").title("en")
    assert food.name(None) == food.name("en")
    assert food.name("") == food.name("en")


def test_arabic_is_arabic_and_not_english() -> None:
    food = get_business_type("food")
    skills = food.question("skills")
    for english, arabic in (
        (food.name("en"), food.name("ar")),
        (skills.prompt("en"), skills.prompt("ar")),
        (skills.example("en"), skills.example("ar")),
        (food.section("risks").intro("en"), food.section("risks").intro("ar")),
    ):
        assert arabic != english
        assert ARABIC.search(arabic)
        assert not ARABIC.search(english)


def test_locale_codes_pick_their_language() -> None:
    food = get_business_type("food")
    french = food.texts["name"]["fr"]
    assert french != food.name("en")
    assert food.name("fr_FR") == french
    assert food.name("fr-BE") == french
    assert food.name("FR") == french
    assert food.name("it_IT") == food.texts["name"]["it"]
    assert food.name("ar_EG") == food.texts["name"]["ar"]


def test_a_text_missing_in_one_language_falls_back_to_english() -> None:
    question = Question(
        key="q",
        type="text",
        required=False,
        min_length=None,
        max_length=100,
        texts={"prompt": {"it": "Domanda", "en": "Question", "fr": ""}, "help": {}, "example": {}},
    )
    assert question.prompt("it") == "Domanda"
    assert question.prompt("fr") == "Question"  # empty counts as missing
    assert question.prompt("ar") == "Question"
    assert question.help("it") == ""


def test_a_template_example_replaces_the_shared_one_and_keeps_the_others() -> None:
    bases, files = catalogue._raw_catalogue()
    base = bases[1]
    food_file = next(file.data for file in files if file.key == "food")
    shared = {q["key"]: q for s in base["sections"] for q in s.get("questions", [])}
    food = get_business_type("food")
    assert "skills" in food_file["examples"]
    assert food.question("skills").example("it") == food_file["examples"]["skills"]["it"]
    assert food.question("skills").example("it") != shared["skills"]["example"]["it"]
    plain = next(key for key in shared if key not in food_file["examples"])
    assert food.question(plain).example("fr") == shared[plain]["example"]["fr"]


# --- what validate_catalogue catches ------------------------------------------------------------------------


@dataclass
class Files:
    """A changeable deep copy of the real files: ``types`` maps each file's key to its data, in file order."""

    base: dict[str, Any]
    types: dict[str, dict[str, Any]]


@pytest.fixture
def files() -> Files:
    bases, types = catalogue._raw_catalogue()
    return Files(copy.deepcopy(bases[1]), {file.key: copy.deepcopy(file.data) for file in types})


def feed(monkeypatch: pytest.MonkeyPatch, files: Files, *, require_all: bool = False) -> None:
    """Make validate_catalogue read ``files`` (each type as its version 1). Unless ``require_all``, only the
    types present are required, so a test can drop a type and still check just its own change."""
    keys = list(files.types)
    read = tuple(TemplateFile(key, 1, data) for key, data in files.types.items())
    monkeypatch.setattr(catalogue, "_raw_catalogue", lambda: ({1: files.base}, read))
    if not require_all:
        present = tuple(key for key in BUSINESS_TYPE_KEYS if key in keys)
        monkeypatch.setattr(catalogue, "BUSINESS_TYPE_KEYS", present)


def problems(monkeypatch: pytest.MonkeyPatch, files: Files, **kw: bool) -> list[str]:
    feed(monkeypatch, files, **kw)
    with pytest.raises(CatalogueError) as raised:
        validate_catalogue()
    assert raised.value.problems
    for problem in raised.value.problems:
        assert problem in str(raised.value)
    return raised.value.problems


def test_an_unchanged_copy_of_the_files_passes(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    feed(monkeypatch, files)
    assert validate_catalogue() is None  # it raises CatalogueError listing every problem


def test_a_missing_arabic_name_is_reported(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    del files.types["food"]["name"]["ar"]
    assert "food/v1.json.name.ar: missing or empty" in problems(monkeypatch, files)


def test_an_empty_arabic_section_title_is_reported(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    files.base["sections"][4]["title"]["ar"] = "  "
    assert "_base/v1.json.sections[4](marketing).title.ar: missing or empty" in problems(monkeypatch, files)


def test_a_missing_arabic_question_text_is_reported(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    del files.base["sections"][0]["questions"][1]["help"]["ar"]
    del files.types["food"]["extra_questions"]["organisation"][0]["prompt"]["ar"]
    del files.types["food"]["examples"]["skills"]["ar"]
    found = problems(monkeypatch, files)
    assert "_base/v1.json.sections[0](about_you).questions[1].help.ar: missing or empty" in found
    assert "food/v1.json.extra_questions.organisation[0].prompt.ar: missing or empty" in found
    assert "food/v1.json.examples.skills.ar: missing or empty" in found


def test_a_missing_example_title_language_is_reported(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    del files.types["food"]["example_plan"]["title"]["ar"]
    assert "food/v1.json.example_plan.title.ar: missing or empty" in problems(monkeypatch, files)


def test_an_extra_question_may_not_reuse_a_shared_key(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    files.types["food"]["extra_questions"]["organisation"][0]["key"] = "skills"
    assert "food/v1.json.extra_questions: 'skills' is used twice" in problems(monkeypatch, files)


def test_at_most_two_extra_questions_per_section(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    extra = files.types["food"]["extra_questions"]["organisation"]
    for number in (2, 3):
        extra.append({**copy.deepcopy(extra[0]), "key": f"kitchen_{number}"})
    assert "food/v1.json.extra_questions.organisation: at most 2" in problems(monkeypatch, files)


def test_extra_questions_only_in_sections_that_ask(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    extra = files.types["food"]["extra_questions"]
    extra["summary"] = [{**copy.deepcopy(extra["organisation"][0]), "key": "closing_words"}]
    assert "food/v1.json.extra_questions.summary: no such section with questions" in problems(
        monkeypatch, files
    )


def test_an_example_plan_must_balance_sources_and_uses(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    assumptions = files.types["food"]["example_plan"]["assumptions"]
    assumptions["own_funds"] += 100
    parsed = parse_assumptions(numbers_in(assumptions, "it"))
    sources = parsed.own_funds + sum(g.amount for g in parsed.grants) + sum(x.principal for x in parsed.loans)
    uses = sum(c.amount for c in parsed.startup_costs)
    assert sources == uses + 100
    expected = (
        f"food/v1.json.example_plan.assumptions: sources {sources} must equal uses {uses} "
        "(own funds + grants + loans = startup costs)"
    )
    assert expected in problems(monkeypatch, files)


def test_typical_numbers_must_balance_too(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    """A new plan must not open with a warning the trainee did not cause."""
    files.types["food"]["default_assumptions"]["own_funds"] += 100
    found = problems(monkeypatch, files)
    assert [p for p in found if p.startswith("food/v1.json.default_assumptions: sources ")], found


def test_numbers_the_finance_core_rejects_are_reported(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    files.types["food"]["default_assumptions"]["own_funds"] = -100
    files.types["food"]["example_plan"]["assumptions"]["revenue_streams"][0]["seasonality"] = [1] * 11
    found = problems(monkeypatch, files)
    default = [p for p in found if p.startswith("food/v1.json.default_assumptions: ")]
    example = [p for p in found if p.startswith("food/v1.json.example_plan.assumptions: ")]
    assert len(default) == 1
    assert "not accepted by the finance core" in default[0]
    assert "own_funds" in default[0]
    assert len(example) == 1  # reported once, not again as unbalanced
    assert "revenue_streams[0].seasonality" in example[0]


def test_a_row_name_missing_a_language_is_reported(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    del files.types["food"]["default_assumptions"]["fixed_costs"][0]["name"]["ar"]
    files.types["food"]["example_plan"]["assumptions"]["startup_costs"][1]["name"]["fr"] = " "
    found = problems(monkeypatch, files)
    assert "food/v1.json.default_assumptions.fixed_costs[0].name.ar: missing or empty" in found
    assert "food/v1.json.example_plan.assumptions.startup_costs[1].name.fr: missing or empty" in found


def test_an_example_list_equal_to_the_typical_one_is_reported(
    monkeypatch: pytest.MonkeyPatch, files: Files
) -> None:
    """The checklist counts a list as the person's once it differs from the typical one; an example plan
    must pass that test, in whichever language its row names are read."""
    food = files.types["food"]
    food["example_plan"]["assumptions"]["fixed_costs"] = copy.deepcopy(
        food["default_assumptions"]["fixed_costs"]
    )
    found = problems(monkeypatch, files)
    assert found == ["food/v1.json.example_plan.assumptions.fixed_costs: same as the typical numbers"]


def test_the_typical_numbers_are_handed_out_in_the_language_asked() -> None:
    food = get_business_type("food")
    names = {language: food.typical_numbers(language)["fixed_costs"][0]["name"] for language in LANGUAGES}
    assert len(set(names.values())) == 4
    assert ARABIC.search(names["ar"])
    assert food.default_assumptions["fixed_costs"][0]["name"] == names["it"]  # Italian, as before
    assert food.typical_numbers("sw")["fixed_costs"][0]["name"] == names["en"]
    assert numbers_in({"fixed_costs": [{"name": "Affitto", "monthly": 1}]}, "fr")["fixed_costs"][0] == {
        "name": "Affitto",
        "monthly": 1,
    }  # a plain name (an imported plan) stays as it is


def test_missing_assumptions_are_reported(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    del files.types["food"]["default_assumptions"]
    assert "food/v1.json.default_assumptions: missing" in problems(monkeypatch, files)


def test_a_required_question_must_be_answered_in_the_example_plan(
    monkeypatch: pytest.MonkeyPatch, files: Files
) -> None:
    answers = files.types["food"]["example_plan"]["answers"]
    del answers["skills"]
    del answers["kitchen"]  # an extra question can be required too
    found = problems(monkeypatch, files)
    assert "food/v1.json.example_plan.answers.skills: required, not answered" in found
    assert "food/v1.json.example_plan.answers.kitchen: required, not answered" in found


def test_an_optional_question_may_stay_unanswered(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    del files.types["food"]["example_plan"]["answers"]["family_support"]
    feed(monkeypatch, files)
    assert validate_catalogue() is None  # it raises CatalogueError listing every problem


def test_example_plan_answers_must_fit_and_exist(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    answers = files.types["food"]["example_plan"]["answers"]
    answers["skills"] = "Cucino."
    answers["business_name"] = "x" * 121
    answers["favourite_colour"] = "blu"
    found = problems(monkeypatch, files)
    assert "food/v1.json.example_plan.answers.skills: 7 characters, fewer than min_length 40" in found
    assert (
        "food/v1.json.example_plan.answers.business_name: 121 characters, more than max_length 120" in found
    )
    assert "food/v1.json.example_plan.answers.favourite_colour: no such question" in found


def test_a_worked_example_must_fit_its_question(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    files.types["food"]["examples"]["skills"]["fr"] = "Oui."
    assert "food/v1.json example of skills (fr): 4 characters, fewer than min_length 40" in problems(
        monkeypatch, files
    )


def test_an_example_for_an_unknown_question_is_flagged(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    files.types["food"]["examples"]["nonsense"] = copy.deepcopy(files.types["food"]["examples"]["skills"])
    assert "food/v1.json.examples.nonsense: no such question" in problems(monkeypatch, files)


def test_the_section_order_is_fixed(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    sections = files.base["sections"]
    sections[0], sections[1] = sections[1], sections[0]
    found = problems(monkeypatch, files)
    assert any(p.startswith("_base/v1.json.sections: (key, kind) must be exactly") for p in found)
    assert any("('idea', 'questions'), ('about_you', 'questions')" in p for p in found)


def test_the_summary_asks_no_questions(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    question = copy.deepcopy(files.base["sections"][0]["questions"][0])
    files.base["sections"][-1]["questions"] = [{**question, "key": "last_words"}]
    assert (
        "_base/v1.json.sections[11](summary): the summary is assembled from the answers and has no questions"
        in problems(monkeypatch, files)
    )


def test_a_shared_question_key_is_used_once(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    files.base["sections"][1]["questions"][1]["key"] = "skills"
    assert "_base/v1.json.sections[1](idea).questions[1].key: 'skills' is used twice" in problems(
        monkeypatch, files
    )


def test_malformed_question_fields_are_reported(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    question = files.types["food"]["extra_questions"]["organisation"][0]
    question.update(key="Kitchen", type="checkbox", required="yes", min_length=50, max_length=40)
    where = "food/v1.json.extra_questions.organisation[0]"
    found = problems(monkeypatch, files)
    assert f"{where}.key: 'Kitchen' is not a snake_case key" in found
    assert f"{where}.type: 'checkbox' is not one of ('text', 'textarea')" in found
    assert f"{where}.required: must be true or false" in found
    assert f"{where}.max_length: must be a whole number above min_length" in found


def test_a_file_must_carry_its_own_key_and_a_version(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    files.types["food"]["key"] = "fod"
    files.types["food"]["version"] = 0
    found = problems(monkeypatch, files)
    assert "food/v1.json.key: must be 'food', found 'fod'" in found
    assert "food/v1.json.version: must be 1 as in the file's name, found 0" in found


def test_a_missing_programme_type_is_reported(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    files.types.pop("cleaning", None)  # whether or not the file has landed yet, it is missing here
    found = problems(monkeypatch, files, require_all=True)
    assert "cleaning/v1.json: missing (every programme needs this business type)" in found
    assert not any(p.startswith("food/v1.json") for p in found)


def test_every_problem_is_reported_at_once(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    del files.types["food"]["name"]["ar"]
    files.types["food"]["default_assumptions"]["months"] = 0
    files.base["sections"][2]["intro"]["fr"] = ""
    found = problems(monkeypatch, files)
    assert "food/v1.json.name.ar: missing or empty" in found
    assert any(
        p.startswith("food/v1.json.default_assumptions: not accepted") and "months" in p for p in found
    )
    assert "_base/v1.json.sections[2](customers).intro.fr: missing or empty" in found


# --- every trade shows its own worked examples --------------------------------------------------------------

PERSONAL_QUESTIONS = {"motivation", "family_support", "living_costs"}  # about the trainee, not the trade


def test_every_template_gives_its_own_example_for_every_shared_question_but_the_personal_ones() -> None:
    """The generic examples are about one trade (a phone-repair shop): a trainee writing a plan for another
    business must never see them, in any language, except for the questions about their own life."""
    base = catalogue._raw_catalogue()[0][1]
    shared = {question["key"]: question for s in base["sections"] for question in s.get("questions", [])}
    assert set(shared) >= PERSONAL_QUESTIONS
    generic = []
    for business_type in business_types():
        for key, question in shared.items():
            if key in PERSONAL_QUESTIONS:
                continue
            for language in LANGUAGES:
                if business_type.question(key).example(language) == question["example"][language]:
                    generic.append(f"{business_type.key}.{key}.{language}")
    assert not generic, "these show the generic example, not one for the business: " + ", ".join(generic)


# --- versions ----------------------------------------------------------------------------------------------


def test_the_templates_live_in_one_folder_per_type_with_one_file_per_version() -> None:
    bases, files = catalogue._raw_catalogue()
    assert 1 in bases
    assert next(file.name for file in files if file.key == "food") == "food/v1.json"
    assert all(file.data["version"] == file.version for file in files)
    assert get_business_type("food", 1) is next(t for t in business_types() if t.key == "food")


def test_a_new_version_is_the_one_new_plans_get_and_the_old_one_stays(food_v2) -> None:
    assert validate_catalogue() is None  # the v2 made by the fixture is a valid template
    old, new = get_business_type("food", 1), get_business_type("food", 2)
    assert food_v2 is new
    assert next(t for t in business_types() if t.key == "food") is new
    assert [t.key for t in business_types()].count("food") == 1
    assert old.question("skills").prompt("en") == "What are you good at? What are your skills?"
    assert new.question("skills").prompt("en") == "Which trades do you know? List them."
    assert old.question("kitchen") is not None
    assert new.question("kitchen") is None
    assert get_business_type("shop", 1) is get_business_type("shop")  # on the old shared structure


def test_an_unknown_version_is_an_error() -> None:
    with pytest.raises(UnknownBusinessType):
        get_business_type("food", 99)


def test_a_file_on_a_missing_shared_structure_is_reported(
    monkeypatch: pytest.MonkeyPatch, files: Files
) -> None:
    files.types["food"]["base"] = 7
    assert "food/v1.json.base: 7 names no shared structure _base/v<N>.json" in problems(monkeypatch, files)
