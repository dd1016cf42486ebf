"""Schedule conventions: defaults unchanged, validation, each convention by hand, properties."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.finance import AssumptionsError
from workbench.finance.conventions import (
    DEFAULT_CONVENTIONS,
    MAX_TOLERANCE_DAYS,
    Conventions,
    parse_conventions,
)
from workbench.finance.schedule import MAX_FIRST_PERIOD_DAYS, build_schedule, days_30e_360, schedule_totals

D = Decimal


def amounts(schedule, field):
    return [getattr(row, field) for row in schedule]


@pytest.mark.parametrize(
    "terms",
    [
        ("10000", "0.08", 10, 0, "annuity"),
        ("1200", "0.12", 4, 1, "equal_principal"),
        ("25000", "0.0725", 120, 6, "annuity"),
        ("1000", "0", 3, 0, "annuity"),
    ],
)
def test_default_conventions_give_todays_schedules(terms):
    today = build_schedule(*terms, date(2025, 1, 31))
    assert build_schedule(*terms, date(2025, 1, 31), conventions=Conventions()) == today
    assert build_schedule(*terms, date(2025, 1, 31), conventions={}) == today
    as_strings = {"day_count": "30/360", "installment_unit": "0.01", "late_tolerance_days": "10"}
    assert build_schedule(*terms, date(2025, 1, 31), conventions=as_strings) == today
    assert DEFAULT_CONVENTIONS.is_default
    assert Conventions(late_tolerance_days=7).is_default  # the tolerance does not change the schedule


def test_unknown_conventions_are_reported_at_their_paths_all_at_once():
    bad = {
        "day_count": "act/360",
        "first_period": "broken",
        "rounding": "down",
        "installment_unit": "0.5",
        "interest": "compound",
        "grace": "capitalised",
        "late_tolerance_days": 91,
    }
    with pytest.raises(AssumptionsError) as caught:
        build_schedule("1000", "0.1", 12, conventions=bad)
    assert caught.value.codes == {
        "conventions.day_count": "unknown_convention",
        "conventions.first_period": "unknown_convention",
        "conventions.rounding": "unknown_convention",
        "conventions.installment_unit": "unknown_convention",
        "conventions.interest": "unknown_convention",
        "conventions.grace": "unknown_convention",
        "conventions.late_tolerance_days": "out_of_range",
    }
    assert caught.value.errors["conventions.day_count"] == "Choose one of: 30/360, actual/365."
    assert caught.value.errors["conventions.installment_unit"] == "Choose one of: 0.01, 1."
    assert isinstance(caught.value, ValueError)


def test_bad_conventions_and_terms_are_reported_together():
    with pytest.raises(AssumptionsError) as caught:
        build_schedule("-1", "0.1", 12, conventions=Conventions(rounding="ceiling"))
    assert caught.value.codes == {"principal": "negative", "conventions.rounding": "unknown_convention"}


@pytest.mark.parametrize(
    ("value", "accepted"),
    [("1", D("1")), (1, D("1")), (D("1.00"), D("1")), ("0.010", D("0.01")), (True, None), ("1e999999", None)],
)
def test_installment_unit_is_read_by_value_and_canonical(value, accepted):
    if accepted is None:
        started = time.perf_counter()
        with pytest.raises(AssumptionsError) as caught:
            parse_conventions({"installment_unit": value})
        assert caught.value.codes == {"installment_unit": "unknown_convention"}
        assert time.perf_counter() - started < 0.1
    else:
        unit = parse_conventions({"installment_unit": value}).installment_unit
        assert unit == accepted
        assert unit.as_tuple().exponent == accepted.as_tuple().exponent  # quantizes to whole euros, not cents


def test_parse_conventions_reads_a_products_row():
    row = {
        "day_count": "actual/365",
        "first_period": "actual_days",
        "rounding": "half_even",
        "installment_unit": "1",
        "interest": "flat",
        "grace": "deferred",
        "late_tolerance_days": "5",
    }
    assert parse_conventions(row) == Conventions(
        "actual/365", "actual_days", "half_even", D("1"), "flat", "deferred", 5
    )
    assert parse_conventions({}) == DEFAULT_CONVENTIONS
    for not_a_mapping in (None, "30/360", ["30/360"]):
        with pytest.raises(AssumptionsError):
            parse_conventions(not_a_mapping)
    with pytest.raises(AssumptionsError) as caught:
        parse_conventions({"late_tolerance_days": MAX_TOLERANCE_DAYS + 1, "rounding": ["half_up"]})
    assert caught.value.codes == {"late_tolerance_days": "out_of_range", "rounding": "unknown_convention"}


@pytest.mark.parametrize(
    ("conventions", "dates", "expected"),
    [
        ({"day_count": "actual/365"}, {}, {"first_due": "required"}),
        ({"first_period": "actual_days"}, {}, {"first_due": "required", "disbursed_on": "required"}),
        ({"first_period": "actual_days"}, {"first_due": date(2025, 3, 1)}, {"disbursed_on": "required"}),
        (
            {"first_period": "actual_days"},
            {"first_due": date(2025, 3, 1), "disbursed_on": date(2025, 3, 1)},
            {"disbursed_on": "disbursed_after_first_due"},
        ),
        (
            {"first_period": "actual_days"},
            {"first_due": date(2026, 3, 3), "disbursed_on": date(2025, 3, 1)},
            {"disbursed_on": "first_period_too_long"},
        ),
        ({"day_count": "actual/365"}, {"first_due": "2025-03-01"}, {"first_due": "not_a_date"}),
        (
            {"first_period": "actual_days"},
            {"first_due": date(2025, 3, 1), "disbursed_on": "2025-01-01"},
            {"disbursed_on": "not_a_date"},
        ),
    ],
)
def test_the_dates_a_convention_needs_are_checked(conventions, dates, expected):
    with pytest.raises(AssumptionsError) as caught:
        build_schedule("1200", "0.12", 4, conventions=conventions, **dates)
    assert caught.value.codes == expected
    assert all(message.endswith(".") for message in caught.value.errors.values())


def test_actual_365_counts_the_days_of_each_month():
    schedule = build_schedule(
        "1200",
        "0.12",
        3,
        method="equal_principal",
        first_due=date(2025, 2, 1),
        conventions={"day_count": "actual/365"},
    )
    # 1,200 x 12 % x 31 / 365 (January) = 12.230; 800 x 12 % x 28 / 365 = 7.364; 400 x 12 % x 31 / 365 = 4.077
    assert amounts(schedule, "interest") == [D("12.23"), D("7.36"), D("4.08")]
    assert amounts(schedule, "principal") == [D("400.00")] * 3


def test_actual_days_first_period_under_30_360_and_actual_365():
    terms = ("1200", "0.12", 3, 0, "equal_principal", date(2025, 3, 1))
    thirty = build_schedule(
        *terms, conventions={"first_period": "actual_days"}, disbursed_on=date(2025, 1, 15)
    )
    # 30E/360 from January 15 to March 1: 46 days; 1,200 x 12 % x 46 / 360 = 18.40; then whole months.
    assert days_30e_360(date(2025, 1, 15), date(2025, 3, 1)) == 46
    assert amounts(thirty, "interest") == [D("18.40"), D("8.00"), D("4.00")]
    actual = build_schedule(
        *terms,
        conventions={"first_period": "actual_days", "day_count": "actual/365"},
        disbursed_on=date(2025, 1, 15),
    )
    # 45 actual days: 1,200 x 12 % x 45 / 365 = 17.753; March 31 days on 800 = 8.153; April 30 on 400 = 3.945
    assert amounts(actual, "interest") == [D("17.75"), D("8.15"), D("3.95")]
    assert days_30e_360(date(2025, 1, 31), date(2025, 3, 31)) == 60


def test_a_short_first_period_lowers_the_first_installment():
    terms = ("10000", "0.08", 10, 0, "annuity", date(2025, 2, 1))
    short = build_schedule(
        *terms, conventions={"first_period": "actual_days"}, disbursed_on=date(2025, 1, 21)
    )
    # 10 days (30E/360) of interest instead of a month: 22.22 instead of 66.67. The installment stays the
    # level 1,037.03, so the first one repays more principal.
    assert short[0].interest == D("22.22")
    assert short[0].total == D("1037.03")
    assert short[0].principal == D("1014.81")
    assert short[-1].balance == 0


def test_half_even_rounds_halves_to_the_even_cent():
    # 25.00 x 6 % / 12 = 0.125: 0.12 by banker's rounding, 0.13 by the default HALF_UP.
    assert build_schedule("25.00", "0.06", 2, grace_months=1, conventions={"rounding": "half_even"})[
        0
    ].interest == D("0.12")
    assert build_schedule("25.00", "0.06", 2, grace_months=1)[0].interest == D("0.13")


def test_installment_in_whole_euros_with_the_remainder_last():
    schedule = build_schedule("10000", "0.08", 10, conventions={"installment_unit": "1"})
    assert amounts(schedule, "total")[:-1] == [D("1037.00")] * 9
    # 3 cents of principal short in each of 9 installments, with their interest, fall on the last one
    assert schedule[-1].total == D("1037.34")
    assert sum(amounts(schedule, "principal")) == D("10000")
    shares = build_schedule("1000", "0", 6, method="equal_principal", conventions={"installment_unit": "1"})
    assert amounts(shares, "principal") == [D("167.00")] * 5 + [D("165.00")]


def test_flat_interest_is_on_the_original_principal_every_month():
    flat = build_schedule("1200", "0.12", 4, 1, "equal_principal", conventions={"interest": "flat"})
    assert amounts(flat, "interest") == [D("12.00")] * 4
    assert amounts(flat, "principal") == [D("0.00"), D("400.00"), D("400.00"), D("400.00")]
    declining = build_schedule("1200", "0.12", 4, 1, "equal_principal")
    assert schedule_totals(flat)[1] == D("48.00") > schedule_totals(declining)[1] == D("36.00")


def test_deferred_grace_spreads_the_grace_interest_without_capitalising():
    interest_only = build_schedule("10000", "0.08", 12, 2)
    deferred = build_schedule("10000", "0.08", 12, 2, conventions={"grace": "deferred"})
    assert [(row.interest, row.total) for row in deferred[:2]] == [(D("0.00"), D("0.00"))] * 2
    # 2 x 66.67 = 133.34 of grace interest over the 10 amortising installments: 13.33 each, the last 13.37.
    assert [
        row.interest - plain.interest for row, plain in zip(deferred[2:], interest_only[2:], strict=True)
    ] == [D("13.33")] * 9 + [D("13.37")]
    assert amounts(deferred, "principal") == amounts(interest_only, "principal")  # nothing capitalised
    assert amounts(deferred, "balance") == amounts(interest_only, "balance")
    assert schedule_totals(deferred) == schedule_totals(interest_only)


def test_a_long_schedule_with_conventions_stays_fast():
    conventions = Conventions(day_count="actual/365", first_period="actual_days", grace="deferred")
    started = time.perf_counter()
    for _ in range(20):
        build_schedule(
            "25000",
            "0.0725",
            120,
            6,
            first_due=date(2025, 2, 28),
            conventions=conventions,
            disbursed_on=date(2025, 1, 10),
        )
    assert (time.perf_counter() - started) / 20 < 0.02  # about 0.5 ms on the bench machine


conventions_strategy = st.builds(
    Conventions,
    day_count=st.sampled_from(["30/360", "actual/365"]),
    first_period=st.sampled_from(["whole_period", "actual_days"]),
    rounding=st.sampled_from(["half_up", "half_even"]),
    installment_unit=st.sampled_from([D("0.01"), D("1")]),
    interest=st.sampled_from(["declining", "flat"]),
    grace=st.sampled_from(["interest_only", "deferred"]),
)
terms_strategy = st.tuples(
    st.decimals(min_value=D("50"), max_value=D("500000"), places=2),
    st.decimals(min_value=D("0"), max_value=D("0.60"), places=4),
    st.integers(min_value=1, max_value=120),
    st.floats(min_value=0, max_value=0.9),
    st.sampled_from(["annuity", "equal_principal"]),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    st.integers(min_value=1, max_value=MAX_FIRST_PERIOD_DAYS),
)


def build(terms, conventions):
    principal, rate, term, grace_share, method, first_due, first_days = terms
    disbursed = date.fromordinal(first_due.toordinal() - first_days)
    return build_schedule(
        principal,
        rate,
        term,
        int(grace_share * term),
        method,
        first_due,
        conventions=conventions,
        disbursed_on=disbursed,
    )


@settings(max_examples=400, deadline=None)
@given(terms_strategy, conventions_strategy)
def test_every_convention_keeps_the_schedule_sound(terms, conventions):
    principal, _, term, grace_share, *_ = terms
    grace = int(grace_share * term)
    schedule = build(terms, conventions)
    assert len(schedule) == term
    assert sum(amounts(schedule, "principal")) == principal
    assert schedule[-1].balance == 0
    before = principal
    for row in schedule:
        assert row.principal >= 0
        assert row.interest >= 0
        assert row.balance >= 0
        assert row.total == row.principal + row.interest
        assert row.balance == before - row.principal
        assert row.interest.as_tuple().exponent == -2
        assert row.principal.as_tuple().exponent == -2
        if row.number <= grace:
            assert row.principal == 0
            if conventions.grace == "deferred":
                assert row.interest == 0
        before = row.balance


@settings(max_examples=300, deadline=None)
@given(terms_strategy, conventions_strategy)
def test_deferred_grace_pays_the_same_interest_as_interest_only(terms, conventions):
    interest_only = build(terms, Conventions(**{**_fields(conventions), "grace": "interest_only"}))
    deferred = build(terms, Conventions(**{**_fields(conventions), "grace": "deferred"}))
    assert schedule_totals(deferred) == schedule_totals(interest_only)
    assert amounts(deferred, "principal") == amounts(interest_only, "principal")


@settings(max_examples=300, deadline=None)
@given(terms_strategy, conventions_strategy)
def test_flat_interest_is_at_least_declining_interest(terms, conventions):
    flat = build(terms, Conventions(**{**_fields(conventions), "interest": "flat"}))
    declining = build(terms, Conventions(**{**_fields(conventions), "interest": "declining"}))
    # The balance never exceeds the principal, so the exact declining interest is at most the flat one; each
    # declining month is rounded on its own where the flat total is rounded once (half a cent a month).
    assert schedule_totals(flat)[1] + D("0.005") * len(flat) >= schedule_totals(declining)[1]


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(min_value=D("50"), max_value=D("500000"), places=2),
    st.decimals(min_value=D("0"), max_value=D("0.60"), places=4),
    st.integers(min_value=2, max_value=120),
    st.sampled_from(["half_up", "half_even"]),
    st.sampled_from(["declining", "flat"]),
)
def test_whole_euro_installments_are_whole_but_the_last(principal, rate, term, rounding, interest):
    conventions = Conventions(installment_unit=D("1"), rounding=rounding, interest=interest)
    schedule = build_schedule(principal, rate, term, conventions=conventions)
    for row in schedule[:-1]:
        # whole euros, unless a small loan is cleared early by rounded-up installments
        assert row.total == row.total.to_integral_value() or row.balance == 0 or row.principal == 0
    assert sum(amounts(schedule, "principal")) == principal


def _fields(conventions: Conventions) -> dict:
    return {name: getattr(conventions, name) for name in Conventions.__slots__}
