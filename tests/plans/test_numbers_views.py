"""The numbers pages through the browser: saving with and without htmx, rows added and removed, bad values
kept and explained at their field, the two-tab conflict, warnings, the what-if panel, who may post, audit.

The trainee reads French, so numbers are typed with a decimal comma. The plan's numbers are simple enough to
work out by hand: 1000 EUR of own money pays a 1000 EUR oven in month 1, then 100 meals at 10 EUR bring
1000 EUR a month against 500 EUR of rent, so the business gains 500 EUR a month and ends month k with 500 x k.
"""

from __future__ import annotations

import html as html_lib
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext

from tests.factories import assumptions, make_plan
from tests.support import audit_events, login_as, make_person
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.plans import services
from workbench.plans.financials import ERROR_MESSAGES, describe_path
from workbench.plans.models import BusinessPlan
from workbench.programme.services import assign_mentor
from workbench.web.templating import money

HTMX = {"HX-Request": "true"}
LOCALE = "fr"  # the trainee fixture's language


@pytest.fixture
def plan(trainee) -> BusinessPlan:
    return make_plan(trainee, assumptions(language="fr"))


# --- reading pages ------------------------------------------------------------------------------------------


class _NumbersForm(HTMLParser):
    """The fields a browser would send from the numbers form (inputs and selected options, no buttons)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.fields: dict[str, str] = {}
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form" and "numbers-form" in a.get("class", ""):
            self.inside = True
        elif not self.inside:
            return
        elif tag == "input" and "name" in a:
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.fields[self.select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def form_fields(page: str) -> dict[str, str]:
    parser = _NumbersForm()
    parser.feed(page)
    assert parser.fields, "no numbers form on the page"
    return parser.fields


def open_page(client: FlaskClient, plan: BusinessPlan, section_key: str) -> dict[str, str]:
    response = client.get(f"/plans/{plan.id}/sections/{section_key}")
    assert response.status_code == 200
    return form_fields(response.get_data(as_text=True))


def post_numbers(client: FlaskClient, plan: BusinessPlan, section_key: str, data: dict, htmx: bool = False):
    return client.post(f"/plans/{plan.id}/numbers/{section_key}", data=data, headers=HTMX if htmx else {})


def text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def input_value(page: str, name: str) -> str:
    found = re.search(
        rf'<input type="text" id="f-{re.escape(name)}" name="{re.escape(name)}" value="([^"]*)"', page
    )
    assert found, f"no input {name}"
    return html_lib.unescape(found.group(1))


def error_at(page: str, name: str) -> str:
    found = re.search(rf'<p class="error" id="error-{re.escape(name)}"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no error place for {name}"
    return html_lib.unescape(found.group(1)).strip()


def warnings_on(page: str) -> dict[str, str]:
    """Warning code -> its text as shown."""
    found = re.findall(
        r'<li class="plan-warning" data-code="([a-z_]+)"><a href="[^"]*">(.*?)</a></li>', page, re.S
    )
    return {code: html_lib.unescape(message) for code, message in found}


def stored(plan: BusinessPlan) -> BusinessPlan:
    db.session.expire_all()
    return db.session.get(BusinessPlan, plan.id)


def in_french(function, *args):
    with force_locale(LOCALE):
        return function(*args)


def message(code: str) -> str:
    with force_locale(LOCALE):
        return str(ERROR_MESSAGES[code])


def french_number(shown: str) -> Decimal:
    """A number as a French page writes it ("1 250,50", grouped with narrow spaces) read back."""
    return Decimal(re.sub(r"[^\d,\-\u2212]", "", shown).replace(",", ".").replace("\u2212", "-"))


def cash_bars(page: str) -> list[str]:
    """The amount written on each bar of the cash chart, month by month."""
    return re.findall(r'<rect class="bar[^"]*"[^>]*><title>\d{4}-\d{2}: (.*?)</title></rect>', page)


# --- saving each numbers page -------------------------------------------------------------------------------

#: section -> (field, what the trainee types there, where the document keeps it, what it keeps)
EDITS = {
    "startup": ("own_funds", "1500,5", lambda a: a["own_funds"], "1500.5"),
    "sales_costs": ("fixed_costs-0-monthly", "650", lambda a: a["fixed_costs"][0]["monthly"], "650"),
    "cashflow": ("months", "24", lambda a: a["months"], 24),
}
NEXT = {"startup": "sales_costs", "sales_costs": "cashflow", "cashflow": "risks"}


@pytest.mark.parametrize("section_key", EDITS)
def test_saving_a_numbers_page_without_javascript_stores_it_and_goes_on(
    signed_in: FlaskClient, plan, section_key: str
) -> None:
    name, typed, where, expected = EDITS[section_key]
    fields = open_page(signed_in, plan, section_key)
    assert fields["assumptions_rev"] == "1"
    response = post_numbers(signed_in, plan, section_key, {**fields, name: typed, "go": "next"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/plans/{plan.id}/sections/{NEXT[section_key]}")
    saved = stored(plan)
    assert where(saved.assumptions) == expected
    assert saved.assumptions_revision == 2


@pytest.mark.parametrize("section_key", EDITS)
def test_saving_a_numbers_page_with_htmx_answers_the_results_and_the_new_revision(
    signed_in: FlaskClient, plan, section_key: str
) -> None:
    name, typed, where, expected = EDITS[section_key]
    fields = open_page(signed_in, plan, section_key)
    response = post_numbers(signed_in, plan, section_key, {**fields, name: typed}, htmx=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" not in page
    assert '<section id="numbers-results"' in page
    assert '<svg class="chart chart-cash"' in page
    assert '<svg class="chart chart-revenue-costs"' in page
    assert 'id="assumptions-rev" name="assumptions_rev" value="2" hx-swap-oob="true"' in page
    assert where(stored(plan).assumptions) == expected


def test_the_results_show_the_recomputed_cash_month_by_month(signed_in: FlaskClient, plan) -> None:
    fields = open_page(signed_in, plan, "sales_costs")
    response = post_numbers(
        signed_in, plan, "sales_costs", {**fields, "fixed_costs-0-monthly": "650"}, htmx=True
    )
    page = text(response)
    # 1000 of sales against 650 of rent: 350 more each month, the first month's start-up paid by own money.
    expected = [in_french(money, Decimal(350 * month)) for month in range(1, 13)]
    assert cash_bars(page) == expected
    assert in_french(money, Decimal(350)) in page  # the lowest cash, in the key figures


def test_the_cashflow_page_has_one_row_a_month_with_the_cash_at_its_end(signed_in: FlaskClient, plan) -> None:
    fields = open_page(signed_in, plan, "cashflow")
    response = post_numbers(signed_in, plan, "cashflow", {**fields, "months": "6"}, htmx=True)
    closing = re.findall(r'<td class="closing">(.*?)</td>', text(response))
    assert [french_number(shown) for shown in closing] == [Decimal(500 * month) for month in range(1, 7)]
    assert all(re.fullmatch(r"[\d\u202f]+,\d\d", shown) for shown in closing)  # French: grouped, comma, cents


def test_the_page_shows_the_stored_numbers_in_the_persons_notation(signed_in: FlaskClient, plan) -> None:
    plan.assumptions = {**plan.assumptions, "tax_rate": 0.075, "own_funds": "1250.5"}
    db.session.commit()
    assert open_page(signed_in, plan, "sales_costs")["tax_rate"] == "7,5"
    assert open_page(signed_in, plan, "startup")["own_funds"] == "1250,5"


# --- rows ---------------------------------------------------------------------------------------------------


def test_adding_a_row_without_javascript_shows_an_empty_row_and_stores_nothing_new(
    signed_in: FlaskClient, plan
) -> None:
    fields = open_page(signed_in, plan, "sales_costs")
    response = post_numbers(signed_in, plan, "sales_costs", {**fields, "add": "fixed_costs"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert input_value(page, "fixed_costs-0-name") == "Loyer"
    assert input_value(page, "fixed_costs-1-name") == ""
    assert input_value(page, "fixed_costs-1-start_month") == "1"
    assert [row["name"] for row in stored(plan).assumptions["fixed_costs"]] == ["Loyer"]


def test_adding_a_row_with_htmx_swaps_the_whole_editor(signed_in: FlaskClient, plan) -> None:
    fields = open_page(signed_in, plan, "startup")
    response = post_numbers(signed_in, plan, "startup", {**fields, "add": "loans"}, htmx=True)
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#numbers-editor"
    assert response.headers["HX-Reswap"] == "outerHTML"
    page = response.get_data(as_text=True)
    assert "<html" not in page
    assert page.lstrip().startswith('<div id="numbers-editor"')
    assert input_value(page, "loans-0-principal") == ""
    assert '<option value="annuity" selected>' in page


def test_a_typed_new_row_is_stored_on_the_next_save(signed_in: FlaskClient, plan) -> None:
    fields = open_page(signed_in, plan, "sales_costs")
    page = post_numbers(signed_in, plan, "sales_costs", {**fields, "add": "fixed_costs"}).get_data(
        as_text=True
    )
    fields = form_fields(page)
    fields.update({"fixed_costs-1-name": "Téléphone", "fixed_costs-1-monthly": "45,5"})
    assert post_numbers(signed_in, plan, "sales_costs", fields).status_code == 303
    assert stored(plan).assumptions["fixed_costs"][1] == {
        "name": "Téléphone",
        "monthly": "45.5",
        "start_month": 1,
    }


def test_removing_a_row_takes_it_off_the_page_and_the_plan(signed_in: FlaskClient, plan) -> None:
    plan.assumptions = {
        **plan.assumptions,
        "fixed_costs": [{"name": "Loyer", "monthly": 500}, {"name": "Téléphone", "monthly": 40}],
    }
    db.session.commit()
    fields = open_page(signed_in, plan, "sales_costs")
    response = post_numbers(signed_in, plan, "sales_costs", {**fields, "remove": "fixed_costs-0"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="f-fixed_costs-0-name"' not in page
    assert input_value(page, "fixed_costs-1-name") == "Téléphone"
    assert [row["name"] for row in stored(plan).assumptions["fixed_costs"]] == ["Téléphone"]


def test_removing_a_row_with_htmx_recomputes_without_it(signed_in: FlaskClient, plan) -> None:
    fields = open_page(signed_in, plan, "sales_costs")
    response = post_numbers(signed_in, plan, "sales_costs", {**fields, "remove": "fixed_costs-0"}, htmx=True)
    assert response.headers["HX-Retarget"] == "#numbers-editor"
    # No rent any more: the whole 1000 of sales is kept each month.
    assert cash_bars(text(response))[:2] == [in_french(money, Decimal(1000)), in_french(money, Decimal(2000))]
    assert stored(plan).assumptions["fixed_costs"] == []


# --- bad values ---------------------------------------------------------------------------------------------


def test_a_negative_amount_comes_back_at_its_field_as_typed(signed_in: FlaskClient, plan) -> None:
    before = stored(plan).assumptions
    fields = open_page(signed_in, plan, "startup")
    response = post_numbers(signed_in, plan, "startup", {**fields, "startup_costs-0-amount": "-500"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error_at(page, "startup_costs-0-amount") == message("negative")
    assert input_value(page, "startup_costs-0-amount") == "-500"
    assert 'id="f-startup_costs-0-amount" name="startup_costs-0-amount" value="-500"' in page
    after = stored(plan).assumptions
    assert after["startup_costs"][0]["amount"] == "-500"  # kept as typed, not lost
    for key in ("revenue_streams", "fixed_costs", "start_month", "months", "owner_drawings"):
        assert after[key] == before[key]  # the other pages' numbers are untouched
    assert Decimal(after["own_funds"]) == Decimal(before["own_funds"])


def test_letters_come_back_at_their_field_as_typed(signed_in: FlaskClient, plan) -> None:
    fields = open_page(signed_in, plan, "sales_costs")
    response = post_numbers(signed_in, plan, "sales_costs", {**fields, "fixed_costs-0-monthly": "cinq cents"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error_at(page, "fixed_costs-0-monthly") == message("not_a_number")
    assert input_value(page, "fixed_costs-0-monthly") == "cinq cents"
    assert error_at(page, "fixed_costs-0-name") == ""
    assert stored(plan).assumptions["fixed_costs"][0]["monthly"] == "cinq cents"


def test_with_htmx_the_message_goes_out_of_band_to_its_field(signed_in: FlaskClient, plan) -> None:
    fields = open_page(signed_in, plan, "startup")
    response = post_numbers(signed_in, plan, "startup", {**fields, "own_funds": "abc"}, htmx=True)
    assert response.status_code == 200
    page = text(response)
    found = re.search(r'<p class="error" id="error-own_funds" hx-swap-oob="true">(.*?)</p>', page)
    assert found
    assert found.group(1) == message("not_a_number")
    assert '<p class="error" id="error-startup_costs-0-amount" hx-swap-oob="true"></p>' in page
    assert "<svg" not in page  # no results from numbers that cannot be read


def test_an_error_after_a_removed_row_is_shown_on_the_row_it_came_from(signed_in: FlaskClient, plan) -> None:
    plan.assumptions = {
        **plan.assumptions,
        "fixed_costs": [{"name": name, "monthly": 10} for name in ("Loyer", "Eau", "Téléphone")],
    }
    db.session.commit()
    fields = open_page(signed_in, plan, "sales_costs")
    fields.update({"fixed_costs-2-monthly": "beaucoup", "remove": "fixed_costs-0"})
    page = post_numbers(signed_in, plan, "sales_costs", fields).get_data(as_text=True)
    assert error_at(page, "fixed_costs-2-monthly") == message("not_a_number")
    assert error_at(page, "fixed_costs-1-monthly") == ""


def test_a_problem_on_another_page_is_linked_from_the_results(signed_in: FlaskClient, plan) -> None:
    plan.assumptions = {**plan.assumptions, "fixed_costs": [{"name": "Loyer", "monthly": "x"}]}
    db.session.commit()
    fields = open_page(signed_in, plan, "startup")
    response = post_numbers(signed_in, plan, "startup", fields, htmx=True)
    page = text(response)
    link = f'href="/plans/{plan.id}/sections/sales_costs#f-fixed_costs-0-monthly"'
    assert link in page
    assert message("not_a_number") in page


# --- two tabs -----------------------------------------------------------------------------------------------


def conflict_rows(page: str) -> list[tuple[str, str, str]]:
    """(what, saved elsewhere, typed here) for each row of the conflict box."""
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]*)</td><td>([^<]*)</td></tr>', page)
    return [tuple(html_lib.unescape(cell) for cell in row) for row in rows]


def label_of(path: str, plan: BusinessPlan) -> str:
    """How the page names a stored number, in the trainee's language."""
    with force_locale(stored(plan).owner.locale):
        return describe_path(path, stored(plan).assumptions)


def test_two_tabs_the_first_save_wins_the_second_sees_both_and_can_keep_its_own(
    signed_in: FlaskClient, plan
) -> None:
    tab_a = open_page(signed_in, plan, "startup")
    tab_b = open_page(signed_in, plan, "startup")
    assert tab_a["assumptions_rev"] == tab_b["assumptions_rev"]

    assert post_numbers(signed_in, plan, "startup", {**tab_a, "own_funds": "2000"}).status_code == 303
    stale = post_numbers(signed_in, plan, "startup", {**tab_b, "own_funds": "3000"})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert 'id="numbers-conflict"' in page
    assert conflict_rows(page) == [(label_of("own_funds", plan), "2000", "3000")]
    assert input_value(page, "own_funds") == "3000"  # what tab B typed is still in the box
    assert stored(plan).assumptions["own_funds"] == "2000"  # and did not overwrite tab A

    # The page still carries tab B's old revision, so only "Keep my numbers" saves it.
    again = form_fields(page)
    assert again["assumptions_rev"] == tab_b["assumptions_rev"]
    assert post_numbers(signed_in, plan, "startup", again).status_code == 409
    kept = post_numbers(signed_in, plan, "startup", {**again, "keep_mine": "1"})
    assert kept.status_code == 303
    assert stored(plan).assumptions["own_funds"] == "3000"


def test_with_htmx_a_stale_save_swaps_in_the_conflict(signed_in: FlaskClient, plan) -> None:
    tab_a = open_page(signed_in, plan, "sales_costs")
    tab_b = open_page(signed_in, plan, "sales_costs")
    post_numbers(signed_in, plan, "sales_costs", {**tab_a, "fixed_costs-0-monthly": "600"}, htmx=True)
    response = post_numbers(
        signed_in, plan, "sales_costs", {**tab_b, "fixed_costs-0-monthly": "700"}, htmx=True
    )
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#numbers-editor"
    page = response.get_data(as_text=True)
    assert 'id="numbers-conflict"' in page
    assert conflict_rows(page) == [(label_of("fixed_costs[0].monthly", plan), "600", "700")]
    assert 'name="keep_mine" value="1"' in page
    assert stored(plan).assumptions["fixed_costs"][0]["monthly"] == "600"


def test_the_conflict_lists_only_the_numbers_that_really_differ(signed_in: FlaskClient, plan) -> None:
    tab_a = open_page(signed_in, plan, "sales_costs")
    tab_b = open_page(signed_in, plan, "startup")
    post_numbers(signed_in, plan, "sales_costs", {**tab_a, "fixed_costs-0-monthly": "600"})
    response = post_numbers(signed_in, plan, "startup", {**tab_b, "own_funds": "1200"})
    assert response.status_code == 409
    rows = [label for label, _saved, _typed in conflict_rows(response.get_data(as_text=True))]
    # 1000 stored by the template and "1000" typed back are the same amount: only own funds changed.
    assert rows == [label_of("own_funds", plan)]


def test_the_conflict_does_not_list_defaults_the_form_filled_in(signed_in: FlaskClient, plan) -> None:
    tab_a = open_page(signed_in, plan, "startup")
    tab_b = open_page(signed_in, plan, "sales_costs")
    post_numbers(signed_in, plan, "startup", {**tab_a, "own_funds": "1200"})
    response = post_numbers(signed_in, plan, "sales_costs", {**tab_b, "fixed_costs-0-monthly": "600"})
    assert response.status_code == 409
    rows = [label for label, _saved, _typed in conflict_rows(response.get_data(as_text=True))]
    # The saved product has no cost, growth or season: the form shows 0, 0 and twelve 1s, the same numbers.
    assert rows == [label_of("fixed_costs[0].monthly", plan)]


def test_posting_back_the_saved_numbers_is_no_change_and_no_conflict(signed_in: FlaskClient, plan) -> None:
    tab_a = open_page(signed_in, plan, "sales_costs")
    tab_b = open_page(signed_in, plan, "sales_costs")
    revision = stored(plan).assumptions_revision
    assert post_numbers(signed_in, plan, "sales_costs", tab_a, htmx=True).status_code == 200
    assert stored(plan).assumptions_revision == revision  # nothing typed, nothing saved
    post_numbers(signed_in, plan, "sales_costs", {**tab_a, "fixed_costs-0-monthly": "600"}, htmx=True)
    assert stored(plan).assumptions_revision == revision + 1
    # Tab B is stale, but it posts exactly what is now saved: no conflict to show.
    same = post_numbers(signed_in, plan, "sales_costs", {**tab_b, "fixed_costs-0-monthly": "600"}, htmx=True)
    assert "HX-Retarget" not in same.headers
    assert 'id="numbers-conflict"' not in same.get_data(as_text=True)
    assert stored(plan).assumptions_revision == revision + 1


# --- warnings -----------------------------------------------------------------------------------------------


def test_a_cash_shortfall_is_warned_when_costs_rise_and_goes_when_they_fall(
    signed_in: FlaskClient, plan
) -> None:
    fields = open_page(signed_in, plan, "sales_costs")
    assert "cash_shortfall" not in warnings_on(text(signed_in.get(f"/plans/{plan.id}/sections/sales_costs")))

    raised = post_numbers(
        signed_in, plan, "sales_costs", {**fields, "fixed_costs-0-monthly": "1500"}, htmx=True
    )
    shown = warnings_on(text(raised))
    # 1000 of sales against 1500 of rent: 500 lost each month, so December (month 12) ends at -6000.
    assert "cash_shortfall" in shown
    assert re.search(r"\b12\b", shown["cash_shortfall"])
    assert in_french(money, Decimal(-6000)) in shown["cash_shortfall"]

    lowered = post_numbers(
        signed_in, plan, "sales_costs", {**fields, "fixed_costs-0-monthly": "500"}, htmx=True
    )
    assert "cash_shortfall" not in warnings_on(text(lowered))


def test_less_money_to_start_than_starting_costs_is_warned(signed_in: FlaskClient, plan) -> None:
    fields = open_page(signed_in, plan, "startup")
    page = text(post_numbers(signed_in, plan, "startup", {**fields, "own_funds": "400"}, htmx=True))
    shown = warnings_on(page)
    assert "sources_short" in shown
    for amount in (400, 600, 1000):  # what there is, what is missing, what starting costs
        assert in_french(money, Decimal(amount)) in shown["sources_short"]
    summary = re.search(r'<p class="sources-uses negative" id="sources-uses">(.*?)</p>', page)
    assert summary
    assert in_french(money, Decimal(400)) in summary.group(1)


def test_money_to_start_equal_to_starting_costs_is_not_warned(signed_in: FlaskClient, plan) -> None:
    fields = open_page(signed_in, plan, "startup")
    page = text(post_numbers(signed_in, plan, "startup", fields, htmx=True))
    assert "sources_short" not in warnings_on(page)
    assert '<p class="sources-uses" id="sources-uses">' in page


def loan(principal: str) -> dict[str, str]:
    return {
        "loans-0-name": "Microcrédit",
        "loans-0-principal": principal,
        "loans-0-annual_rate": "7",
        "loans-0-term_months": "60",
        "loans-0-grace_months": "0",
        "loans-0-method": "annuity",
        "loans-0-month": "1",
    }


def test_a_loan_above_the_programme_limit_is_warned(app: Flask, signed_in: FlaskClient, plan) -> None:
    limit = Decimal(app.config["PROGRAMME_LOAN_LIMIT"])
    fields = open_page(signed_in, plan, "startup")
    above = post_numbers(signed_in, plan, "startup", {**fields, **loan(str(limit + 1))}, htmx=True)
    shown = warnings_on(text(above))
    assert "loan_above_limit" in shown
    assert in_french(money, limit) in shown["loan_above_limit"]
    assert in_french(money, limit + 1) in shown["loan_above_limit"]
    at_limit = post_numbers(signed_in, plan, "startup", {**fields, **loan(str(limit))}, htmx=True)
    assert "loan_above_limit" not in warnings_on(text(at_limit))


def test_the_loan_limit_comes_from_the_programme_configuration(
    app: Flask, signed_in: FlaskClient, plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PROGRAMME_LOAN_LIMIT", "5000")
    fields = open_page(signed_in, plan, "startup")
    page = text(post_numbers(signed_in, plan, "startup", {**fields, **loan("6000")}, htmx=True))
    assert in_french(money, Decimal(5000)) in warnings_on(page)["loan_above_limit"]


# --- what if ------------------------------------------------------------------------------------------------


def what_if_rows(page: str) -> list[list[str]]:
    table = re.search(r'<table class="what-if-table">(.*?)</table>', page, re.S)
    assert table, "no what-if table"
    return [
        [html_lib.unescape(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    ]


def lowest_cash_row(page: str) -> list[str]:
    label = in_french(gettext, "Lowest cash")
    return next(row[1:] for row in what_if_rows(page) if row[0] == label)


def test_the_what_if_panel_shows_a_scenario_beside_the_plan(signed_in: FlaskClient, plan) -> None:
    page = text(signed_in.get(f"/plans/{plan.id}/sections/risks?what_if=sales"))
    # 20% fewer meals: 800 of sales against 500 of rent, so the lowest cash is month 1's 300 instead of 500.
    assert lowest_cash_row(page) == [in_french(money, Decimal(500)), in_french(money, Decimal(300))]
    assert 'id="what-if-sales" name="what_if" value="sales" checked' in page
    assert 'id="what-if-costs" name="what_if" value="costs">' in page
    assert 'class="line line-scenario"' in page


def test_the_what_if_panel_opens_with_every_scenario_together(signed_in: FlaskClient, plan) -> None:
    page = text(signed_in.get(f"/plans/{plan.id}/sections/risks"))
    # 800 of sales from month 3, rent 550 from month 1: -550, -1100, then 250 more each month.
    assert lowest_cash_row(page) == [in_french(money, Decimal(500)), in_french(money, Decimal(-1100))]


def test_the_what_if_panel_with_nothing_ticked_shows_only_the_plan(signed_in: FlaskClient, plan) -> None:
    page = text(signed_in.get(f"/plans/{plan.id}/sections/risks?what_if="))
    assert lowest_cash_row(page) == [in_french(money, Decimal(500))]


def test_ticking_a_scenario_with_htmx_answers_only_the_panel(signed_in: FlaskClient, plan) -> None:
    response = signed_in.get(f"/plans/{plan.id}/sections/risks?what_if=&what_if=costs", headers=HTMX)
    page = text(response)
    assert "<html" not in page
    assert page.lstrip().startswith('<section id="what-if"')
    # Rent 10% higher: 450 a month.
    assert lowest_cash_row(page) == [in_french(money, Decimal(500)), in_french(money, Decimal(450))]


# --- who may post -------------------------------------------------------------------------------------------


@pytest.mark.signed_in("mentor")
def test_the_assigned_mentor_cannot_post_numbers(signed_in: FlaskClient, trainee, mentor, plan) -> None:
    assign_mentor(trainee, mentor, None)
    db.session.commit()
    assert signed_in.get(f"/plans/{plan.id}/sections/startup").status_code == 200
    response = signed_in.post(
        f"/plans/{plan.id}/numbers/startup", data={"own_funds": "9", "assumptions_rev": "1"}
    )
    assert response.status_code == 403
    assert stored(plan).assumptions_revision == 1


def test_another_trainee_cannot_post_numbers(client: FlaskClient, plan) -> None:
    login_as(client, make_person("other@example.org", [Role.TRAINEE]))
    response = client.post(
        f"/plans/{plan.id}/numbers/startup", data={"own_funds": "9", "assumptions_rev": "1"}
    )
    assert response.status_code == 404  # someone else's plan is answered as a missing one
    assert stored(plan).assumptions["own_funds"] == 1000


@pytest.mark.signed_in("manager")
def test_a_manager_cannot_post_numbers(signed_in: FlaskClient, plan) -> None:
    response = signed_in.post(
        f"/plans/{plan.id}/numbers/startup", data={"own_funds": "9", "assumptions_rev": "1"}
    )
    assert response.status_code == 403


def test_nobody_signed_in_is_sent_to_log_in(client: FlaskClient, plan) -> None:
    response = client.post(f"/plans/{plan.id}/numbers/startup", data={"own_funds": "9"})
    assert response.status_code in {302, 303}
    assert "/login" in response.headers["Location"]
    assert stored(plan).assumptions_revision == 1


@pytest.mark.parametrize("section_key", ["idea", "risks", "nowhere"])
def test_only_numbers_sections_take_numbers(signed_in: FlaskClient, plan, section_key: str) -> None:
    assert post_numbers(signed_in, plan, section_key, {"own_funds": "9"}).status_code == 404


# --- audit --------------------------------------------------------------------------------------------------


def test_every_saved_change_is_audited_and_nothing_else(signed_in: FlaskClient, trainee, plan) -> None:
    fields = open_page(signed_in, plan, "startup")
    post_numbers(signed_in, plan, "startup", {**fields, "own_funds": "1100"})
    fields = open_page(signed_in, plan, "startup")
    post_numbers(signed_in, plan, "startup", {**fields, "own_funds": "1200"}, htmx=True)
    post_numbers(signed_in, plan, "startup", {**fields, "own_funds": "1300"})  # stale: not saved
    fields = open_page(signed_in, plan, "startup")
    post_numbers(signed_in, plan, "startup", fields)  # nothing changed

    events = audit_events("plan.assumptions_saved")
    assert [event.after for event in events] == [{"revision": 2}, {"revision": 3}]
    assert {(event.actor_id, event.object_type, event.object_id) for event in events} == {
        (trainee.id, "business_plan", plan.id)
    }
    assert stored(plan).assumptions_revision == 3


def test_a_value_kept_as_typed_is_an_audited_change_too(signed_in: FlaskClient, plan) -> None:
    fields = open_page(signed_in, plan, "startup")
    post_numbers(signed_in, plan, "startup", {**fields, "own_funds": "beaucoup"})
    assert [event.after for event in audit_events("plan.assumptions_saved")] == [{"revision": 2}]


def test_an_autosave_says_saved_beside_the_numbers(signed_in: FlaskClient, plan) -> None:
    page = open_page(signed_in, plan, "sales_costs")
    response = post_numbers(
        signed_in, plan, "sales_costs", {**page, "fixed_costs-0-monthly": "650"}, htmx=True
    )
    status = re.search(
        r'<p id="numbers-save-status"[^>]*hx-swap-oob[^>]*>(.*?)</p>', response.get_data(as_text=True)
    )
    assert status is not None
    with force_locale(stored(plan).owner.locale):
        assert gettext("Saved") in status.group(1)
    assert stored(plan).assumptions["fixed_costs"][0]["monthly"] == "650"


def test_the_line_at_the_foot_of_a_phone_screen_follows_the_numbers(signed_in: FlaskClient, plan) -> None:
    page = open_page(signed_in, plan, "sales_costs")
    calm = post_numbers(signed_in, plan, "sales_costs", page, htmx=True).get_data(as_text=True)
    peek = re.search(r'<a id="results-peek" class="([^"]*)"[^>]*hx-swap-oob[^>]*>(.*?)</a>', calm, re.S)
    assert peek is not None
    assert "has-warnings" not in peek.group(1)
    # Drawings far above what the business earns: the cash runs out and the line turns to a warning.
    short = post_numbers(signed_in, plan, "sales_costs", {**page, "owner_drawings": "5000"}, htmx=True)
    peek = re.search(
        r'<a id="results-peek" class="([^"]*)"[^>]*>(.*?)</a>', short.get_data(as_text=True), re.S
    )
    assert peek is not None
    assert "has-warnings" in peek.group(1)
    result, _error = services.projection_of(stored(plan).assumptions)
    with force_locale(stored(plan).owner.locale):
        assert money(result.metrics.min_cash) in html_lib.unescape(peek.group(2))
