"""The numbers pages' form <-> assumptions document: locale numbers, rows added and removed, nothing typed
lost, and every finance error placed at the form field that caused it."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from babel.numbers import get_decimal_symbol
from flask_babel import force_locale

from tests.factories import assumptions
from workbench.finance import AssumptionsError, FieldError, parse_assumptions, project
from workbench.plans.catalogue import BUSINESS_TYPE_KEYS, get_business_type
from workbench.plans.financials import ERROR_MESSAGES, SINGLES, TABLES, field_errors, field_of
from workbench.plans.numbers_form import (
    GROUPS,
    form_from_document,
    merged,
    parse_number,
    read_form,
    section_of_field,
    show_number,
)

LOCALES = ("it", "fr", "ar", "en")
COMMA_LOCALES = ("it", "fr")
POINT_LOCALES = ("ar", "en")


def fixed_cost_rows(*rows: tuple[str, str]) -> dict[str, str]:
    """A posted sales_costs page with these (name, monthly) fixed-cost rows, numbered 0, 1, 2..."""
    data = {"owner_drawings": "0", "tax_rate": "0"}
    for index, (name, monthly) in enumerate(rows):
        data[f"fixed_costs-{index}-name"] = name
        data[f"fixed_costs-{index}-monthly"] = monthly
        data[f"fixed_costs-{index}-start_month"] = "1"
    return data


def stream_row(data: dict[str, str], row: int, name: str, seasonality: list[str] | None = None) -> None:
    prefix = f"revenue_streams-{row}"
    data.update(
        {
            f"{prefix}-name": name,
            f"{prefix}-units_per_month": "10",
            f"{prefix}-unit_price": "5",
            f"{prefix}-unit_cost": "0",
            f"{prefix}-monthly_growth": "0",
            f"{prefix}-start_month": "1",
        }
    )
    for month, value in enumerate(seasonality or ["1"] * 12):
        data[f"{prefix}-seasonality-{month}"] = value


def said(code: str, **params: object) -> str:
    """The message the form shows for a finance error code, in the language forced by the test."""
    template = str(ERROR_MESSAGES[code])
    return template % params if params else template


@pytest.fixture
def english(app_context: None):
    with force_locale("en"):
        yield


# --- numbers as typed ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", COMMA_LOCALES)
def test_comma_locales_read_a_comma_as_the_decimal_sign(locale: str) -> None:
    symbol = get_decimal_symbol(locale)
    assert symbol == ","
    assert parse_number("9,5", symbol) == Decimal("9.5")
    assert parse_number("1250,50", symbol) == Decimal("1250.50")
    assert parse_number("1,250", symbol) == Decimal("1.25")


@pytest.mark.parametrize("locale", POINT_LOCALES)
def test_point_locales_read_a_point_as_the_decimal_sign(locale: str) -> None:
    symbol = get_decimal_symbol(locale)
    assert symbol == "."
    assert parse_number("9.5", symbol) == Decimal("9.5")
    assert parse_number("1.250", symbol) == Decimal("1.25")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_other_notation_is_read_too(locale: str) -> None:
    symbol = get_decimal_symbol(locale)
    assert parse_number("9.5", symbol) == Decimal("9.5")
    assert parse_number("9,5", symbol) == Decimal("9.5")


@pytest.mark.parametrize("locale", LOCALES)
def test_with_both_signs_the_last_one_is_the_decimal_sign(locale: str) -> None:
    symbol = get_decimal_symbol(locale)
    assert parse_number("1.250,50", symbol) == Decimal("1250.50")
    assert parse_number("1,250.50", symbol) == Decimal("1250.50")
    assert parse_number("1.234.567,5", symbol) == Decimal("1234567.5")


def test_the_foreign_sign_before_three_digits_is_grouping() -> None:
    assert parse_number("1.250", ",") == Decimal(1250)  # Italian thousands
    assert parse_number("1,250", ".") == Decimal(1250)  # English thousands
    assert parse_number("1.250.000", ",") == Decimal(1250000)
    assert parse_number("1,250,000", ",") == Decimal(1250000)  # repeated: grouping even in its own sign


@pytest.mark.parametrize(
    "typed", ["1 250,50", "1\u00a0250,50", "1\u202f250,50", "1'250,50", " 1250,50 ", "1.250,50"]
)
def test_spaces_apostrophes_and_points_group_thousands(typed: str) -> None:
    assert parse_number(typed, ",") == Decimal("1250.50")


def test_a_typographic_minus_is_a_minus() -> None:
    assert parse_number("\u2212500", ",") == Decimal(-500)
    assert parse_number("-7,5", ",") == Decimal("-7.5")


@pytest.mark.parametrize("typed", ["", "   ", "abc", "12 euro", "7%", "1,2,3", "1.2.3", "NaN", "Infinity"])
def test_what_is_not_a_finite_number_is_none(typed: str) -> None:
    assert parse_number(typed, ",") is None
    assert parse_number(typed, ".") is None


def test_numbers_are_shown_with_the_locales_sign_and_without_grouping() -> None:
    assert show_number(Decimal("1234567.50"), ",") == "1234567,5"
    assert show_number(Decimal("1234567.50"), ".") == "1234567.5"
    assert show_number(9500, ",") == "9500"
    assert show_number(9.5, ",") == "9,5"
    assert show_number("0.750", ".") == "0.75"
    assert show_number(Decimal("1E+3"), ",") == "1000"


def test_rates_are_shown_as_percentages() -> None:
    assert show_number(0.07, ",", percent=True) == "7"
    assert show_number("0.075", ",", percent=True) == "7,5"
    assert show_number(Decimal("0.005"), ".", percent=True) == "0.5"


def test_text_that_is_not_a_number_is_shown_unchanged() -> None:
    assert show_number("12 euro", ",") == "12 euro"
    assert show_number(None, ",") == ""
    assert show_number(True, ",") == "True"


@pytest.mark.parametrize(("locale", "typed"), [("it", "7,5"), ("fr", "7,5"), ("ar", "7.5"), ("en", "7.5")])
def test_a_typed_percent_is_stored_as_a_fraction(locale: str, typed: str) -> None:
    posted = read_form({"tax_rate": typed, "owner_drawings": "0"}, "sales_costs", locale)
    assert Decimal(posted.part["tax_rate"]) == Decimal("0.075")


@pytest.mark.parametrize("typed", ["7,5%", "7,5 %", "%7,5", "7,5٪"])
def test_a_percent_may_be_typed_with_its_sign(typed: str) -> None:
    posted = read_form({"tax_rate": typed, "owner_drawings": "0"}, "sales_costs", "it")
    assert Decimal(posted.part["tax_rate"]) == Decimal("0.075")


def test_a_percent_sign_makes_no_number_of_an_amount() -> None:
    posted = read_form({"tax_rate": "0", "owner_drawings": "900%"}, "sales_costs", "it")
    assert posted.part["owner_drawings"] == "900%"  # kept as typed, shown with its error


def test_growth_is_a_percent_per_month_too() -> None:
    data = {"owner_drawings": "0", "tax_rate": "5"}
    stream_row(data, 0, "Meals")
    data["revenue_streams-0-monthly_growth"] = "1,5"
    posted = read_form(data, "sales_costs", "it")
    assert Decimal(posted.part["revenue_streams"][0]["monthly_growth"]) == Decimal("0.015")
    assert Decimal(posted.part["tax_rate"]) == Decimal("0.05")


def test_money_is_stored_as_a_canonical_decimal_string_and_months_as_whole_numbers() -> None:
    posted = read_form(fixed_cost_rows(("Rent", "1.250,50")), "sales_costs", "it")
    row = posted.part["fixed_costs"][0]
    assert row["monthly"] == "1250.5"
    assert row["start_month"] == 1
    big = read_form({"own_funds": "9500"}, "startup", "en").part["own_funds"]
    assert big == "9500"  # not "9.5E+3"


# --- rows ---------------------------------------------------------------------------------------------------


def test_adding_a_row_shows_an_empty_row_with_defaults_that_is_not_stored() -> None:
    data = {**fixed_cost_rows(("Rent", "500"), ("Phone", "40")), "add": "fixed_costs"}
    posted = read_form(data, "sales_costs", "en")
    assert posted.form.rows["fixed_costs"] == [0, 1, 2]
    assert posted.form.values["fixed_costs-2-name"] == ""
    assert posted.form.values["fixed_costs-2-start_month"] == "1"
    assert [row["name"] for row in posted.part["fixed_costs"]] == ["Rent", "Phone"]


def test_an_added_product_row_starts_with_normal_months() -> None:
    posted = read_form({"add": "revenue_streams", "owner_drawings": "", "tax_rate": ""}, "sales_costs", "it")
    assert posted.form.rows["revenue_streams"] == [0]
    assert [posted.form.values[f"revenue_streams-0-seasonality-{m}"] for m in range(12)] == ["1"] * 12
    assert posted.part["revenue_streams"] == []


def test_removing_a_row_drops_it_and_remembers_where_the_others_came_from() -> None:
    data = {
        **fixed_cost_rows(("Rent", "500"), ("Phone", "40"), ("Insurance", "60")),
        "remove": "fixed_costs-1",
    }
    posted = read_form(data, "sales_costs", "en")
    assert [row["name"] for row in posted.part["fixed_costs"]] == ["Rent", "Insurance"]
    assert posted.origin["fixed_costs"] == [0, 2]
    assert posted.form.rows["fixed_costs"] == [0, 2]
    assert "fixed_costs-1-name" not in posted.form.values


def test_removing_in_one_table_leaves_the_other_alone() -> None:
    data = fixed_cost_rows(("Rent", "500"))
    stream_row(data, 0, "Meals")
    data["remove"] = "fixed_costs-0"
    posted = read_form(data, "sales_costs", "en")
    assert posted.part["fixed_costs"] == []
    assert [row["name"] for row in posted.part["revenue_streams"]] == ["Meals"]


def test_a_row_left_blank_or_at_its_defaults_is_shown_but_not_stored() -> None:
    data = fixed_cost_rows(("Rent", "500"), ("", ""), ("Phone", "40"))
    posted = read_form(data, "sales_costs", "en")
    assert posted.form.rows["fixed_costs"] == [0, 1, 2]
    assert [row["name"] for row in posted.part["fixed_costs"]] == ["Rent", "Phone"]
    assert posted.origin["fixed_costs"] == [0, 2]


def test_a_row_with_only_a_name_is_stored_so_the_missing_amount_is_reported() -> None:
    posted = read_form(fixed_cost_rows(("Rent", "")), "sales_costs", "en")
    assert posted.part["fixed_costs"] == [{"name": "Rent", "monthly": "", "start_month": 1}]


# --- nothing typed is lost ----------------------------------------------------------------------------------


def test_an_unparseable_value_is_kept_as_typed_and_reported_at_its_field(english: None) -> None:
    posted = read_form(fixed_cost_rows(("Rent", "500"), ("Phone", "12 euro")), "sales_costs", "en")
    assert posted.part["fixed_costs"][1]["monthly"] == "12 euro"
    assert posted.form.values["fixed_costs-1-monthly"] == "12 euro"
    document = merged(assumptions(), posted.part)
    with pytest.raises(AssumptionsError) as raised:
        project(document)
    errors = field_errors(raised.value, posted.origin)
    assert errors == {"fixed_costs-1-monthly": said("not_a_number")}


def test_a_fraction_typed_as_a_whole_number_is_kept_and_refused(english: None) -> None:
    posted = read_form({"start_month": "2027-01", "months": "12,5", "opening_cash": "0"}, "cashflow", "it")
    assert posted.part["months"] == "12.5"
    with pytest.raises(AssumptionsError) as raised:
        project(merged(assumptions(), posted.part))
    assert field_errors(raised.value) == {"months": said("not_a_whole_number")}


def test_a_year_month_is_kept_as_typed(english: None) -> None:
    posted = read_form({"start_month": "march 2027", "months": "12", "opening_cash": ""}, "cashflow", "en")
    assert posted.part["start_month"] == "march 2027"
    assert posted.part["opening_cash"] == ""
    with pytest.raises(AssumptionsError) as raised:
        project(merged(assumptions(), posted.part))
    assert field_errors(raised.value) == {"start_month": said("bad_year_month")}


# --- form <-> document --------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("business_type", BUSINESS_TYPE_KEYS)
def test_a_page_posted_unchanged_gives_back_the_same_numbers(business_type: str, locale: str) -> None:
    document = copy.deepcopy(get_business_type(business_type).default_assumptions)
    round_tripped = copy.deepcopy(document)
    for section_key in GROUPS:
        form = form_from_document(document, section_key, locale)
        round_tripped = merged(round_tripped, read_form(form.values, section_key, locale).part)
    assert parse_assumptions(round_tripped) == parse_assumptions(document)
    assert project(round_tripped).table == project(document).table


@pytest.mark.parametrize("locale", LOCALES)
def test_a_second_round_trip_changes_nothing(locale: str) -> None:
    document = copy.deepcopy(get_business_type("food").default_assumptions)
    for section_key in GROUPS:
        once = merged(
            document,
            read_form(form_from_document(document, section_key, locale).values, section_key, locale).part,
        )
        form = form_from_document(once, section_key, locale)
        assert merged(once, read_form(form.values, section_key, locale).part) == once


def test_the_form_shows_the_documents_numbers_in_the_locale() -> None:
    document = copy.deepcopy(get_business_type("food").default_assumptions)
    form = form_from_document(document, "sales_costs", "fr")
    first = document["revenue_streams"][0]
    assert form.values["revenue_streams-0-unit_price"] == str(first["unit_price"]).replace(".", ",")
    assert form.values["tax_rate"] == "5"  # 0.05 shown as a percentage
    assert form.values["revenue_streams-0-seasonality-0"] == str(first["seasonality"][0]).replace(".", ",")
    assert form.rows["fixed_costs"] == list(range(len(document["fixed_costs"])))


def test_a_missing_column_is_shown_at_its_default() -> None:
    document = assumptions()
    form = form_from_document(document, "sales_costs", "en")
    assert form.values["revenue_streams-0-unit_cost"] == "0"
    assert form.values["revenue_streams-0-start_month"] == "1"
    assert [form.values[f"revenue_streams-0-seasonality-{m}"] for m in range(12)] == ["1"] * 12
    loans = form_from_document({"loans": [{"principal": 5000}]}, "startup", "en")
    assert loans.values["loans-0-method"] == "annuity"
    assert loans.values["loans-0-grace_months"] == "0"


def test_each_section_edits_only_its_own_part() -> None:
    for section_key, group in GROUPS.items():
        part = read_form({}, section_key, "en").part
        assert set(part) == set(group.tables) | set(group.singles)
    every = [key for group in GROUPS.values() for key in (*group.tables, *group.singles)]
    # The discount rate of the NPV has its default and no page: the programme does not ask trainees for it.
    assert sorted(every) == sorted([*TABLES, *(SINGLES.keys() - {"discount_rate"})])


def test_merged_replaces_what_the_page_edits_and_keeps_the_rest() -> None:
    document = assumptions(discount_rate=0.08, note="kept")
    before = copy.deepcopy(document)
    result = merged(document, {"fixed_costs": [], "tax_rate": "0.05"})
    assert result["fixed_costs"] == []
    assert result["tax_rate"] == "0.05"
    assert result["discount_rate"] == 0.08
    assert result["note"] == "kept"
    assert result["revenue_streams"] == document["revenue_streams"]
    assert document == before  # the stored document itself is not changed


# --- errors at their fields ---------------------------------------------------------------------------------


def test_a_finance_path_names_its_form_field() -> None:
    assert field_of("loans[0].grace_months") == "loans-0-grace_months"
    assert field_of("revenue_streams[2].seasonality") == "revenue_streams-2-seasonality"
    assert field_of("tax_rate") == "tax_rate"


def test_after_rows_were_removed_the_path_names_the_row_on_the_page() -> None:
    origin = {"loans": [1], "revenue_streams": [0, 1, 3]}
    assert field_of("loans[0].grace_months", origin) == "loans-1-grace_months"
    assert field_of("revenue_streams[2].seasonality", origin) == "revenue_streams-3-seasonality"
    assert field_of("revenue_streams[2].unit_price", origin) == "revenue_streams-3-unit_price"
    assert field_of("fixed_costs[0].monthly", origin) == "fixed_costs-0-monthly"  # no rows removed there


def test_seasonality_errors_land_on_the_row_they_came_from(english: None) -> None:
    data = {"owner_drawings": "0", "tax_rate": "0"}
    for row in range(4):
        stream_row(data, row, f"Product {row}", ["1"] * 11 + (["-1"] if row == 3 else ["1"]))
    data["remove"] = "revenue_streams-1"
    posted = read_form(data, "sales_costs", "en")
    with pytest.raises(AssumptionsError) as raised:
        project(merged(assumptions(), posted.part))
    assert [issue.path for issue in raised.value.issues] == ["revenue_streams[2].seasonality"]
    assert field_errors(raised.value, posted.origin) == {
        "revenue_streams-3-seasonality": said("seasonality_negative")
    }


def test_loan_errors_land_on_the_row_they_came_from(english: None) -> None:
    def loan(row: int, grace: str) -> dict[str, str]:
        prefix = f"loans-{row}"
        return {
            f"{prefix}-name": f"Loan {row}",
            f"{prefix}-principal": "5000",
            f"{prefix}-annual_rate": "7",
            f"{prefix}-term_months": "12",
            f"{prefix}-grace_months": grace,
            f"{prefix}-method": "annuity",
            f"{prefix}-month": "1",
        }

    data = {"own_funds": "0", **loan(0, "0"), **loan(1, "12"), "remove": "loans-0"}
    posted = read_form(data, "startup", "it")
    assert posted.origin["loans"] == [1]
    with pytest.raises(AssumptionsError) as raised:
        project(merged(assumptions(), posted.part))
    assert field_errors(raised.value, posted.origin) == {"loans-1-grace_months": said("grace_not_below_term")}


def test_messages_with_limits_name_them(english: None) -> None:
    with pytest.raises(AssumptionsError) as raised:
        project(assumptions(months=500))
    shown = field_errors(raised.value)["months"]
    assert shown == said("out_of_range", min=1, max=120)
    assert "120" in shown
    with pytest.raises(AssumptionsError) as raised:
        project(assumptions(fixed_costs=[{"monthly": 10, "start_month": 13}]))
    shown = field_errors(raised.value)["fixed_costs-0-start_month"]
    assert shown == said("after_horizon", months=12)
    assert "12" in shown


def test_the_first_message_for_a_field_wins_and_unknown_codes_keep_their_text(english: None) -> None:
    error = AssumptionsError(
        [
            FieldError.of("own_funds", "negative"),
            FieldError.of("own_funds", "not_a_number"),
            FieldError("months", "brand_new_code", "Something new."),
        ]
    )
    assert field_errors(error) == {"own_funds": said("negative"), "months": "Something new."}
    assert field_errors(None) == {}


@pytest.mark.parametrize(
    ("name", "section"),
    [
        ("loans-0-principal", "startup"),
        ("own_funds", "startup"),
        ("revenue_streams-3-seasonality", "sales_costs"),
        ("tax_rate", "sales_costs"),
        ("months", "cashflow"),
        ("start_month", "cashflow"),
        ("discount_rate", None),
    ],
)
def test_each_field_belongs_to_the_section_whose_page_shows_it(name: str, section: str | None) -> None:
    assert section_of_field(name) == section
