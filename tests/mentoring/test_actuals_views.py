"""The plan-against-actual page: who sees it and who enters months, saving with and without JavaScript, bad
amounts and a second tab answered next to the fields, and the months far behind flagged."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from tests.factories import make_plan, resent_with_results
from tests.mentoring.actuals_support import (
    HTMX,
    accompanied,
    label,
    loan_of,
    planned,
    post_month,
    shift,
    text_of,
    this_month,
)
from tests.support import error_fields, login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.lending.services import record_disbursement
from workbench.mentoring.actuals import actuals_of, save_actual
from workbench.mentoring.actuals_models import MonthlyActual
from workbench.mentoring.plan_actual import FAR_BEHIND_SHARE, Figure
from workbench.plans.services import submit_plan
from workbench.timeutil import programme_today
from workbench.web.templating import amounts, money, percent


@pytest.fixture
def mentee(trainee: User, mentor: User) -> User:
    return accompanied(trainee, mentor)


@pytest.fixture
def loan(mentee: User) -> Loan:
    return loan_of(mentee)


def in_locale(language: str, function, *args, **kwargs):
    with force_locale(language):
        return function(*args, **kwargs)


def count_rows() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(MonthlyActual.id)))


def month_forms(page: str) -> list[str]:
    return re.findall(r'<form id="month-(\d{4}-\d{2})"', page)


# --- who ----------------------------------------------------------------------------------------------------


def test_the_borrower_enters_the_months_from_the_payout_to_this_month(
    client: FlaskClient, loan: Loan, mentee: User
) -> None:
    login_as(client, mentee)
    page = text_of(client.get(f"/loans/{loan.id}/actuals"))
    months = [label(shift(this_month(), k)) for k in (0, -1, -2)]
    assert month_forms(page) == months  # newest first, never a future month
    assert label(shift(this_month(), 1)) not in month_forms(page)


def test_the_mentor_enters_months_too(client: FlaskClient, loan: Loan, mentor: User) -> None:
    login_as(client, mentor)
    response = post_month(client, loan, this_month())
    assert response.status_code == 303
    assert actuals_of(loan)[this_month()].entered_by_id == mentor.id


@pytest.mark.parametrize("person", ["officer", "manager"])
def test_officers_and_managers_read_but_do_not_enter(
    request: pytest.FixtureRequest, client: FlaskClient, loan: Loan, person: str
) -> None:
    login_as(client, request.getfixturevalue(person))
    page = text_of(client.get(f"/loans/{loan.id}/actuals"))
    assert 'id="plan-actual"' in page
    assert month_forms(page) == []
    assert post_month(client, loan, this_month()).status_code == 403
    assert count_rows() == 0


def test_other_trainees_and_mentors_do_not_learn_the_loan_exists(client: FlaskClient, loan: Loan) -> None:
    for email, role in (("other@example.org", Role.TRAINEE), ("other.mentor@example.org", Role.MENTOR)):
        login_as(client, make_person(email, [role]))
        assert client.get(f"/loans/{loan.id}/actuals").status_code == 404
        assert client.get(f"/loans/{loan.id + 1000}/actuals").status_code == 404
        assert post_month(client, loan, this_month()).status_code == 404
    assert count_rows() == 0


def test_anonymous_visitors_go_to_the_login_page(client: FlaskClient, loan: Loan) -> None:
    response = client.get(f"/loans/{loan.id}/actuals")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- saving -------------------------------------------------------------------------------------------------


def test_without_javascript_a_month_saves_and_comes_back_to_the_page(
    client: FlaskClient, loan: Loan, mentee: User
) -> None:
    login_as(client, mentee)
    month = shift(this_month(), -1)
    response = post_month(client, loan, month, sales="1.234,50", costs="800", cash="-50")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/loans/{loan.id}/actuals#month-{label(month)}")
    row = actuals_of(loan)[month]
    assert (row.sales, row.costs, row.closing_cash) == (
        Decimal("1234.50"),
        Decimal("800.00"),
        Decimal("-50.00"),
    )
    page = text_of(client.get(response.headers["Location"]))
    # The form shows the figures in the page's notation (French: decimal comma) with the revision saved.
    assert 'value="1234,50"' in page
    form = page[page.index(f'<form id="month-{label(month)}"') :]
    assert 'name="revision" value="1"' in form[: form.index("</form>")]


def test_with_htmx_the_month_is_answered_in_place_with_the_comparison(
    client: FlaskClient, loan: Loan, mentee: User
) -> None:
    login_as(client, mentee)
    month = this_month()
    response = post_month(client, loan, month, headers=HTMX)
    assert response.status_code == 200
    page = text_of(response)
    assert "<html" not in page
    assert page.lstrip().startswith(f'<form id="month-{label(month)}"')
    assert 'id="plan-actual"' in page
    assert 'hx-swap-oob="true"' in page
    assert in_locale("fr", gettext, "Saved") in page
    assert actuals_of(loan)[month].revision == 1


def test_bad_amounts_are_refused_next_to_their_fields_and_kept(
    client: FlaskClient, loan: Loan, mentee: User
) -> None:
    login_as(client, mentee)
    month = this_month()
    response = post_month(client, loan, month, sales="<script>alert(1)</script>", costs="-5", cash="1e9")
    assert response.status_code == 422
    raw = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw  # what was typed, shown back as text
    assert error_fields(raw) >= {
        f"sales-{label(month)}",
        f"costs-{label(month)}",
        f"closing_cash-{label(month)}",
    }
    assert count_rows() == 0
    # The same in place: a 200 that htmx swaps, with the errors.
    response = post_month(client, loan, month, sales="", headers=HTMX)
    assert response.status_code == 200
    assert f"sales-{label(month)}" in error_fields(response.get_data(as_text=True))


@pytest.mark.parametrize("months_ahead", [1, 13])
def test_a_future_month_is_refused_and_nothing_is_stored(
    client: FlaskClient, loan: Loan, mentee: User, months_ahead: int
) -> None:
    login_as(client, mentee)
    response = post_month(client, loan, shift(this_month(), months_ahead))
    assert response.status_code == 422
    assert post_month(client, loan, shift(this_month(), -3)).status_code == 422  # before the payout
    for month in ("2026-13", "", "x" * 5000, "٢٠٢٦-٠١"):
        response = client.post(f"/loans/{loan.id}/actuals", data={"month": month, "revision": "0"})
        assert response.status_code == 422
    assert count_rows() == 0


def test_a_second_tab_sees_the_other_figures_and_keeps_its_own(
    client: FlaskClient, loan: Loan, mentee: User, mentor: User
) -> None:
    month = shift(this_month(), -2)
    theirs = {"sales": Decimal(900), "costs": Decimal(700), "closing_cash": Decimal(100)}
    save_actual(loan, month, theirs, 0, mentor, programme_today())
    db.session.commit()
    login_as(client, mentee)
    # This tab loaded the month empty (revision 0) and typed other figures.
    response = post_month(client, loan, month, sales="1500", costs="700", cash="100", revision=0)
    assert response.status_code == 409
    page = text_of(response)
    form = page[page.index(f'<form id="month-{label(month)}"') :]
    form = form[: form.index("</form>")]
    assert 'value="1500"' in form  # what this tab typed is still there
    assert in_locale("fr", money, Decimal(900)) in form  # and the figures saved by the other tab are shown
    assert 'name="revision" value="1"' in form  # saving again replaces them, knowingly
    assert actuals_of(loan)[month].sales == Decimal("900.00")
    again = post_month(client, loan, month, sales="1500", costs="700", cash="100", revision=1)
    assert again.status_code == 303
    db.session.expire_all()
    assert (actuals_of(loan)[month].sales, actuals_of(loan)[month].revision) == (Decimal("1500.00"), 2)


def test_a_revision_that_cannot_be_read_never_overwrites(
    client: FlaskClient, loan: Loan, mentee: User
) -> None:
    login_as(client, mentee)
    month = this_month()
    assert post_month(client, loan, month).status_code == 303
    for revision in ("", "abc", "9" * 50, "-1", "١"):
        assert post_month(client, loan, month, sales="1", revision=revision).status_code == 409
    db.session.expire_all()
    assert actuals_of(loan)[month].sales == Decimal("1200.00")


# --- what the page shows ------------------------------------------------------------------------------------


def test_the_page_sets_the_months_beside_the_plan_and_says_how(
    client: FlaskClient, loan: Loan, mentee: User
) -> None:
    first = shift(this_month(), -2)
    login_as(client, mentee)
    plan_sales = planned(loan, 1, "revenue")
    half = (plan_sales / 2).quantize(Decimal("0.01"))
    assert post_month(client, loan, first, sales=str(half), costs="100", cash="10").status_code == 303
    page = text_of(client.get(f"/loans/{loan.id}/actuals"))
    assert page.count('<svg class="chart chart-plan-actual"') == 2
    row = page[page.index(f'<tr id="row-{label(first)}"') :]
    row = row[: row.index("</tr>")]
    assert "flagged" in row
    # The planned sales of plan month 1, set beside the payout month.
    assert in_locale("fr", amounts, [plan_sales])[0] in row
    assert in_locale("fr", percent, FAR_BEHIND_SHARE) in page  # the threshold is said on the page
    # Sales at half the plan's: the reason is given with the share.
    assert in_locale("fr", percent, Figure(plan_sales, half).ratio) in page


def test_a_version_whose_figures_cannot_be_read_still_shows_the_months(
    client: FlaskClient, mentee: User
) -> None:
    """A version sent before its results were stored this way: the months entered are shown, no plan."""
    plan = make_plan(mentee, from_example=True)
    broken = resent_with_results(submit_plan(plan, mentee), {"months": ["x"]})
    loan = record_disbursement(
        broken,
        principal=Decimal(3000),
        annual_rate=Decimal("0.05"),
        term_months=12,
        grace_months=0,
        method="annuity",
        disbursed_on=shift(this_month(), -1),
        disbursement_method="bank_transfer",
        actor=None,
    )
    db.session.commit()
    login_as(client, mentee)
    assert post_month(client, loan, this_month(), sales="10").status_code == 303
    for url in (f"/loans/{loan.id}/actuals", f"/loans/{loan.id}/monitoring-report"):
        response = client.get(url)
        assert response.status_code == 200
        page = text_of(response)
        message = "The figures of this plan version cannot be read, so only the figures entered are shown."
        assert in_locale("fr", gettext, message) in page
        assert f'<tr id="row-{label(this_month())}" class="">' in page  # entered, nothing to flag it against
