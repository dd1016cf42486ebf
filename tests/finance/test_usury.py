"""The usury threshold: min(TEGM x 1.25 + 4 points, TEGM + 8 points), exactly, and the quarter of a day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from workbench.finance.usury import CAP_FROM, is_quarter_start, is_usurious, quarter_start, usury_threshold


@pytest.mark.parametrize(
    ("tegm", "threshold"),
    [
        # Published quarters. Q2 2025, "credito personale": TEGM 10.90 %, threshold 17.625 % (decree of March
        # 2025, reported by giornalemio.it, "Nuovi tassi soglia 2025").
        ("0.1090", "0.17625"),
        # Q2 2015 (decree of 26 March 2015, Il Sole 24 Ore via studiolegaleterracino.it): "apertura di credito
        # in conto corrente oltre 5.000 euro" 9.96 % -> 16.45 %; "scoperti senza affidamento oltre 1.500 euro"
        # 15.09 % -> 22.8625 %.
        ("0.0996", "0.1645"),
        ("0.1509", "0.228625"),
        # Edges: no average rate, the cap's turning point, above it the 8 points win.
        ("0", "0.04"),
        ("0.16", "0.24"),
        ("0.1599", "0.239875"),
        ("0.1601", "0.2401"),
        ("0.20", "0.28"),
        ("0.999999", "1.079999"),
    ],
)
def test_threshold_of_published_and_edge_quarters(tegm: str, threshold: str) -> None:
    assert usury_threshold(Decimal(tegm)) == Decimal(threshold)


def test_the_cap_turns_at_sixteen_percent() -> None:
    below, above = CAP_FROM - Decimal("0.000001"), CAP_FROM + Decimal("0.000001")
    assert usury_threshold(below) - below < Decimal("0.08")
    assert usury_threshold(above) - above == Decimal("0.08")


def test_the_result_is_exact() -> None:
    assert usury_threshold(Decimal("0.123457")) == Decimal("0.123457") * Decimal("1.25") + Decimal("0.04")
    assert str(usury_threshold(Decimal("0.1090"))) == "0.176250"


@pytest.mark.parametrize("tegm", [Decimal(t) for t in ("-0.01", "1", "12", "NaN", "Inf", "sNaN")])
def test_impossible_tegm_is_refused(tegm: Decimal) -> None:
    with pytest.raises(ValueError, match="TEGM"):
        usury_threshold(tegm)


def test_a_float_is_refused() -> None:
    with pytest.raises(ValueError, match="Decimal"):
        usury_threshold(0.1)  # type: ignore[arg-type]


def test_at_the_threshold_is_usurious_just_below_is_not() -> None:
    tegm = Decimal("0.1090")
    assert is_usurious(Decimal("0.17625"), tegm)
    assert is_usurious(Decimal("0.2"), tegm)
    assert not is_usurious(Decimal("0.176249"), tegm)


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (date(2026, 1, 1), date(2026, 1, 1)),
        (date(2026, 3, 31), date(2026, 1, 1)),
        (date(2026, 4, 1), date(2026, 4, 1)),
        (date(2026, 6, 30), date(2026, 4, 1)),
        (date(2026, 8, 15), date(2026, 7, 1)),
        (date(2026, 12, 31), date(2026, 10, 1)),
        (date(2024, 2, 29), date(2024, 1, 1)),
    ],
)
def test_quarter_start(day: date, start: date) -> None:
    assert quarter_start(day) == start
    assert is_quarter_start(start)


def test_only_the_first_day_of_a_quarter_starts_one() -> None:
    assert not is_quarter_start(date(2026, 2, 1))
    assert not is_quarter_start(date(2026, 4, 2))
