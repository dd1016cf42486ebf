"""Comparing two versions: only real changes, and the results each version was sent with, side by side."""

from __future__ import annotations

import html as html_lib
import re
from decimal import Decimal

from flask.testing import FlaskClient
from flask_babel import force_locale

from tests.factories import assumptions, make_plan, resent_with_results
from tests.plans.test_numbers_views import open_page, post_numbers
from workbench.extensions import db
from workbench.plans.diff import compare_numbers, compare_results, flatten
from workbench.plans.models import BusinessPlan
from workbench.plans.results import stored_results
from workbench.web.formatting import money


def section(page: str, section_id: str) -> str:
    found = re.search(rf'<section id="{section_id}">(.*?)</section>', page, re.S)
    assert found, f"no section {section_id}"
    return html_lib.unescape(found.group(1))


def body_rows(part: str) -> list[str]:
    tbody = re.search(r"<tbody>(.*?)</tbody>", part, re.S)
    assert tbody
    return re.findall(r"<tr[^>]*>.*?</tr>", tbody.group(1), re.S)


def send(client: FlaskClient, plan: BusinessPlan) -> None:
    assert client.post(f"/plans/{plan.id}/submit").status_code == 303


def example_plan(trainee) -> BusinessPlan:
    return make_plan(trainee, title="Chez Fatou", from_example=True)


# --- through the pages -------------------------------------------------------------------------------------


def test_one_changed_price_is_one_numbers_row(signed_in: FlaskClient, trainee) -> None:
    """The numbers page writes every default of the rows it shows (from month 1...): the example plan leaves
    them out, so a plain field-by-field diff showed each of them as a change."""
    plan = example_plan(trainee)
    send(signed_in, plan)
    fields = open_page(signed_in, plan, "sales_costs")
    price = "revenue_streams-0-unit_price"
    old_price = Decimal(fields[price].replace(",", "."))
    fields[price] = str(old_price + 1).replace(".", ",")
    assert post_numbers(signed_in, plan, "sales_costs", fields).status_code == 303
    send(signed_in, plan)
    db.session.expire_all()
    first, second = db.session.get(BusinessPlan, plan.id).versions
    assert flatten(first.assumptions).keys() != flatten(second.assumptions).keys()  # the defaults written

    page = signed_in.get(f"/plans/{plan.id}/compare?old=1&new=2").get_data(as_text=True)
    [row] = body_rows(section(page, "compare-numbers"))
    assert "—" not in row
    assert [c.path for c in compare_numbers(first.assumptions, second.assumptions)] == [
        "revenue_streams[0].unit_price"
    ]


def test_the_results_of_both_versions_are_shown_with_the_difference(signed_in: FlaskClient, trainee) -> None:
    plan = example_plan(trainee)
    send(signed_in, plan)
    fields = open_page(signed_in, plan, "sales_costs")
    fields["revenue_streams-0-units_per_month"] = "1"  # a much worse plan: lower cash
    assert post_numbers(signed_in, plan, "sales_costs", fields).status_code == 303
    send(signed_in, plan)
    db.session.expire_all()
    first, second = db.session.get(BusinessPlan, plan.id).versions
    old, new = stored_results(first.results).metrics, stored_results(second.results).metrics
    assert new.min_cash < old.min_cash

    page = signed_in.get(f"/plans/{plan.id}/compare?old=1&new=2").get_data(as_text=True)
    results = section(page, "compare-results")
    rows = {re.search(r'data-result="(\w+)"', r).group(1): r for r in body_rows(results)}
    assert set(rows) == {"min_cash", "break_even_month", "dscr", "funding_gap"}
    with force_locale("fr"):
        before, after, difference = (
            money(old.min_cash),
            money(new.min_cash),
            money(new.min_cash - old.min_cash),
        )
    cells = re.findall(r'<td class="num">(.*?)</td>', rows["min_cash"])
    assert before in cells[0]
    assert f"mois {old.min_cash_month}" in cells[0]
    assert after in cells[1]
    assert cells[2] == difference
    assert 'class="changed"' in rows["min_cash"]


def test_versions_that_differ_in_words_only_show_no_numbers(signed_in: FlaskClient, trainee) -> None:
    plan = example_plan(trainee)
    send(signed_in, plan)
    plan.title = "Chez Fatou et fils"
    db.session.commit()
    send(signed_in, plan)
    page = signed_in.get(f"/plans/{plan.id}/compare?old=1&new=2").get_data(as_text=True)
    assert 'id="compare-numbers"' not in page
    results = section(page, "compare-results")
    assert len(body_rows(results)) == 4
    assert 'class="changed"' not in results


# --- the comparison itself ---------------------------------------------------------------------------------

#: The simple plan as the example plans and imported files hold it: every default left out.
SPARSE = {
    "start_month": "2027-01",
    "months": 12,
    "own_funds": 1000,
    "startup_costs": [{"name": "Oven", "amount": 1000}],
    "revenue_streams": [{"name": "Meals", "units_per_month": 100, "unit_price": 10}],
    "fixed_costs": [{"name": "Rent", "monthly": 500}],
}


def test_a_default_left_out_equals_the_default_written() -> None:
    written = assumptions(discount_rate="0.1")  # every field written, as the numbers pages save them
    written["revenue_streams"][0].update(monthly_growth="0", seasonality=["1"] * 12, start_month=1)
    assert compare_numbers(SPARSE, written) == ()
    assert compare_numbers(written, SPARSE) == ()


def test_the_same_amount_written_differently_is_no_change() -> None:
    as_text = assumptions(own_funds="1000.00", tax_rate="0.0")
    as_text["startup_costs"][0]["amount"] = "1000"
    assert compare_numbers(assumptions(), as_text) == ()


def test_real_changes_are_each_one_row() -> None:
    changed = assumptions(loans=[{"principal": 5000, "annual_rate": "0.05", "term_months": 24}])
    changed["fixed_costs"][0]["start_month"] = 3
    paths = [change.path for change in compare_numbers(SPARSE, changed)]
    assert "fixed_costs[0].start_month" in paths
    assert {p for p in paths if p.startswith("loans[0].")} == {
        "loans[0].name",
        "loans[0].principal",
        "loans[0].annual_rate",
        "loans[0].term_months",
        "loans[0].grace_months",
        "loans[0].method",
        "loans[0].month",
    }
    assert len(paths) == 8
    added = {change.path: change for change in compare_numbers(SPARSE, changed)}["loans[0].principal"]
    assert (added.old, added.new) == (None, "5000")  # as the finance core reads it


def results_document(min_cash: str, month: int, break_even: int | None, dscr: str | None) -> dict:
    return {
        "months": ["2027-01", "2027-02"],
        "table": {"closing_cash": ["0", min_cash]},
        "metrics": {
            "break_even_month": break_even,
            "min_cash": min_cash,
            "min_cash_month": month,
            "funding_gap": str(max(Decimal(0), -Decimal(min_cash))),
            "dscr": dscr,
            "npv": 1.5,
            "irr": {"status": "ok", "monthly": "0.01", "annual": "0.12", "reason": None},
        },
    }


def test_results_are_compared_from_what_each_version_stored() -> None:
    old = stored_results(results_document("-200.00", 2, 5, "1.40"))
    new = stored_results(results_document("350.50", 1, None, None))
    changes = {change.key: change for change in compare_results(old, new)}
    assert list(changes) == ["min_cash", "break_even_month", "dscr", "funding_gap"]
    lowest = changes["min_cash"]
    assert (lowest.old, lowest.new, lowest.old_month, lowest.new_month) == (
        Decimal("-200.00"),
        Decimal("350.50"),
        2,
        1,
    )
    assert lowest.difference == Decimal("550.50")
    assert (changes["break_even_month"].old, changes["break_even_month"].new) == (5, None)
    assert changes["break_even_month"].difference is None
    assert changes["dscr"].changed
    assert changes["funding_gap"].difference == Decimal("-200.00")
    same = compare_results(old, old)
    assert not any(change.changed for change in same)


def test_results_that_cannot_be_read_leave_the_results_out() -> None:
    assert stored_results({"months": []}) is None
    assert stored_results(None) is None
    assert compare_results(None, stored_results(results_document("1", 1, 1, None))) == ()


def test_the_compare_page_reads_the_stored_results_not_a_recomputation(
    signed_in: FlaskClient, trainee
) -> None:
    plan = example_plan(trainee)
    send(signed_in, plan)
    first = plan.versions[0]
    kept = results_document("-4321.09", 7, 9, "0.87")
    resent_with_results(first, kept)
    page = signed_in.get(f"/plans/{plan.id}/compare?old=1&new=2").get_data(as_text=True)
    results = section(page, "compare-results")
    with force_locale("fr"):
        assert money(Decimal("-4321.09")) in results
    assert "0,87" in results
