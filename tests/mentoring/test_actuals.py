"""Entering a month's figures: bounded amounts, months from the payout to now, compare-and-set, audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from tests.factories import disbursed_loan
from tests.support import audit_events
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.mentoring.actuals import (
    MAX_AMOUNT,
    StaleActual,
    actuals_of,
    read_amount,
    read_figures,
    save_actual,
)
from workbench.mentoring.actuals_models import MonthlyActual

D = Decimal
TODAY = date(2027, 3, 10)
JAN, FEB, MAR = date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)


def figures(sales="1200", costs="800", cash="400") -> dict[str, Decimal]:
    return {"sales": D(sales), "costs": D(costs), "closing_cash": D(cash)}


@pytest.fixture
def loan(trainee: User) -> Loan:
    return disbursed_loan(trainee, disbursed_on=date(2027, 1, 15))


def stored(loan: Loan, month: date) -> MonthlyActual | None:
    db.session.expire_all()
    return actuals_of(loan).get(month)


# --- amounts as typed ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "symbol", "expected"),
    [
        ("1250", ",", D("1250.00")),
        ("1.250,50", ",", D("1250.50")),
        ("1,250.50", ".", D("1250.50")),
        ("1250,5", ",", D("1250.50")),
        ("€ 1 250", ",", D("1250.00")),
        ("1250 EUR", ".", D("1250.00")),
        ("١٢٣٫٤٥", "٫", D("123.45")),
        ("0", ".", D("0.00")),
        ("-0", ".", D("0.00")),
        ("10000000", ".", D("10000000.00")),
    ],
)
def test_amounts_are_read_as_people_type_them(app_context, typed, symbol, expected) -> None:
    amount = read_amount(typed, symbol, negative=False)
    assert amount == expected
    assert str(amount) == str(expected)


@pytest.mark.parametrize(
    ("typed", "negative", "reason"),
    [
        ("", True, "Enter an amount"),
        ("   ", True, "Enter an amount"),
        ("abc", True, "digits only"),
        ("12 5", True, "digits only"),
        ("1e3", True, "in full"),
        ("9" * 41, True, "too long"),
        ("9" * 30, True, "At most"),
        ("10000000.01", True, "At most"),
        ("-10000000.01", True, "At most"),
        ("12.345", True, "two decimals"),
        ("0.005", True, "two decimals"),
        ("-5", False, "below zero"),
        ("NaN", True, "digits only"),
        ("Infinity", True, "digits only"),
    ],
)
def test_refused_amounts_say_why(app_context, typed, negative, reason) -> None:
    with force_locale("en"), pytest.raises(ValueError, match=reason):
        read_amount(typed, ".", negative=negative)


def test_closing_cash_may_be_below_zero_sales_and_costs_may_not(app_context) -> None:
    amounts, errors = read_figures({"sales": "-1", "costs": "-1", "closing_cash": "-1.50"}, ".")
    assert set(errors) == {"sales", "costs"}
    assert amounts == {"closing_cash": D("-1.50")}
    assert D("10000000") == MAX_AMOUNT


def test_missing_and_odd_fields_are_errors_not_crashes(app_context) -> None:
    amounts, errors = read_figures({"sales": ["1"], "costs": None}, ".")
    assert amounts == {}
    assert set(errors) == {"sales", "costs", "closing_cash"}


# --- months -------------------------------------------------------------------------------------------------


def test_months_from_the_payout_to_this_month(loan: Loan, trainee: User) -> None:
    for month in (JAN, FEB, MAR):
        save_actual(loan, month, figures(), 0, trainee, TODAY)
    db.session.commit()
    assert sorted(actuals_of(loan)) == [JAN, FEB, MAR]


@pytest.mark.parametrize("month", [date(2026, 12, 1), date(2027, 4, 1), date(2030, 1, 1)])
def test_no_month_before_the_payout_and_never_a_future_one(loan: Loan, trainee: User, month: date) -> None:
    with pytest.raises(DomainError) as refused:
        save_actual(loan, month, figures(), 0, trainee, TODAY)
    assert set(refused.value.errors) == {"month"}
    db.session.rollback()
    assert db.session.scalar(select(func.count(MonthlyActual.id))) == 0


def test_nothing_before_the_money_is_paid_out(trainee: User) -> None:
    later = disbursed_loan(trainee, disbursed_on=date(2027, 5, 2))
    with pytest.raises(DomainError):
        save_actual(later, date(2027, 5, 1), figures(), 0, trainee, TODAY)


# --- saving, compare-and-set, audit -------------------------------------------------------------------------


def test_the_first_save_records_the_month_with_its_figures(loan: Loan, trainee: User) -> None:
    row = save_actual(loan, FEB, figures("1234567.89", "0.10", "-0.20"), 0, trainee, TODAY)
    db.session.commit()
    row = stored(loan, FEB)
    assert (row.sales, row.costs, row.closing_cash, row.revision) == (
        D("1234567.89"),
        D("0.10"),
        D("-0.20"),
        1,
    )
    assert row.entered_by_id == trainee.id
    (event,) = audit_events("monthly_actual.recorded")
    assert (event.object_id, event.actor_id, event.before) == (row.id, trainee.id, None)
    assert event.after == {
        "loan_id": loan.id,
        "month": "2027-02",
        "sales": "1234567.89",
        "costs": "0.10",
        "closing_cash": "-0.20",
    }


def test_amounts_come_back_exactly_and_add_up_exactly(loan: Loan, trainee: User) -> None:
    for month, sales in ((JAN, "0.10"), (FEB, "0.20"), (MAR, "9999999.99")):
        save_actual(loan, month, figures(sales=sales), 0, trainee, TODAY)
    db.session.commit()
    db.session.expire_all()
    total = sum(row.sales for row in actuals_of(loan).values())
    assert total == D("10000000.29")
    assert [str(row.sales) for row in actuals_of(loan).values()] == ["0.10", "0.20", "9999999.99"]


def test_saving_the_same_figures_again_changes_nothing(loan: Loan, trainee: User) -> None:
    save_actual(loan, FEB, figures(), 0, trainee, TODAY)
    db.session.commit()
    again = save_actual(loan, FEB, figures(), 1, trainee, TODAY)
    db.session.commit()
    assert again.revision == 1
    assert len(audit_events("monthly_actual.recorded")) == 1
    assert audit_events("monthly_actual.changed") == []


def test_a_correction_bumps_the_revision_and_records_what_changed(
    loan: Loan, trainee: User, mentor: User
) -> None:
    save_actual(loan, FEB, figures(), 0, trainee, TODAY)
    db.session.commit()
    row = save_actual(loan, FEB, figures(sales="1300.50"), 1, mentor, TODAY)
    db.session.commit()
    row = stored(loan, FEB)
    assert (row.sales, row.revision, row.entered_by_id) == (D("1300.50"), 2, mentor.id)
    (event,) = audit_events("monthly_actual.changed")
    assert event.actor_id == mentor.id
    assert event.before == {"sales": "1200.00"}
    assert event.after == {"month": "2027-02", "sales": "1300.50"}


def test_a_stale_page_does_not_overwrite_newer_figures(loan: Loan, trainee: User, mentor: User) -> None:
    save_actual(loan, FEB, figures(), 0, trainee, TODAY)
    save_actual(loan, FEB, figures(sales="1500"), 1, mentor, TODAY)  # the mentor corrected it: revision 2
    db.session.commit()
    with pytest.raises(StaleActual) as stale:
        save_actual(loan, FEB, figures(sales="1100"), 1, trainee, TODAY)  # the trainee's page showed 1
    assert (stale.value.theirs.sales, stale.value.theirs.revision) == (D("1500.00"), 2)
    db.session.rollback()
    assert stored(loan, FEB).sales == D("1500.00")
    # Having seen the other figures (revision 2), saving again replaces them.
    save_actual(loan, FEB, figures(sales="1100"), 2, trainee, TODAY)
    db.session.commit()
    assert (stored(loan, FEB).sales, stored(loan, FEB).revision) == (D("1100.00"), 3)


def test_a_page_that_showed_the_month_empty_meets_the_first_save(loan: Loan, trainee: User) -> None:
    save_actual(loan, FEB, figures(), 0, trainee, TODAY)
    db.session.commit()
    with pytest.raises(StaleActual):
        save_actual(loan, FEB, figures(costs="900"), 0, trainee, TODAY)
    db.session.rollback()
    # The same figures from a stale page are not a conflict: they are what is stored.
    assert save_actual(loan, FEB, figures(), 0, trainee, TODAY).revision == 1


def test_one_row_per_loan_and_month_in_the_database(loan: Loan, trainee: User) -> None:
    save_actual(loan, FEB, figures(), 0, trainee, TODAY)
    db.session.commit()
    db.session.add(MonthlyActual(loan_id=loan.id, month=FEB, sales=D(1), costs=D(1), closing_cash=D(1)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_negative_sales(loan: Loan) -> None:
    with pytest.raises(IntegrityError):
        db.session.execute(
            text(
                "INSERT INTO monthly_actuals (loan_id, month, sales, costs, closing_cash, revision, "
                "created_at, updated_at) VALUES (:loan, :month, -1, 0, 0, 1, :now, :now)"
            ),
            {"loan": loan.id, "month": FEB, "now": date(2027, 2, 1)},
        )
    db.session.rollback()
