"""The usury threshold of Italian law (legge 7 marzo 1996, n. 108, art. 2, as amended by decreto-legge 13
maggio 2011, n. 70, art. 8, c. 5, lett. d).

Each quarter the Ministry of Economy and Finance publishes, for every class of credit operations, the
average effective global rate (TEGM, "tasso effettivo globale medio") surveyed by the Bank of Italy. A rate
is usurious from the threshold ("tasso soglia") up:

    threshold = min(TEGM x 1.25 + 4 points, TEGM + 8 points)

that is, the TEGM increased by a quarter plus four percentage points, the difference between threshold and
TEGM never above eight points. Rates here are fractions (0.1234 is 12.34 %), computed exactly in Decimal; the
ministry's tables print the threshold to two decimals of a percent, which is 1.25 x TEGM + 4 points exactly
for any TEGM printed to two decimals (the product has at most four decimals of a fraction), so nothing rounds.

The threshold in force on a day is the one computed from the TEGM of the calendar quarter containing that
day (:func:`quarter_start`). Pure: no I/O, no flask, no sqlalchemy.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

#: TEGM x 1.25: the TEGM increased by a quarter.
MARKUP = Decimal("1.25")
#: Plus four percentage points.
SPREAD = Decimal("0.04")
#: The threshold is never more than eight percentage points above the TEGM.
MAX_MARGIN = Decimal("0.08")
#: At or above the TEGM whose threshold hits the cap: 1.25 t + 0.04 = t + 0.08 at t = 0.16.
CAP_FROM = Decimal("0.16")


def usury_threshold(tegm: Decimal) -> Decimal:
    """min(tegm x 1.25 + 0.04, tegm + 0.08), exactly, for a TEGM given as a fraction (0 <= tegm < 1).

    Refuses (ValueError) a TEGM that is not a finite Decimal between 0 and 1: a rate of 100 % or more is a
    typing slip (a percent entered as a fraction), never a published average."""
    if not isinstance(tegm, Decimal) or not tegm.is_finite():
        raise ValueError("the TEGM is a finite Decimal fraction")
    if tegm < 0 or tegm >= 1:
        raise ValueError("the TEGM is a fraction between 0 and 1")
    return min(tegm * MARKUP + SPREAD, tegm + MAX_MARGIN)


def quarter_start(day: date) -> date:
    """The first day of the calendar quarter containing `day` (1 January, 1 April, 1 July or 1 October)."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def is_quarter_start(day: date) -> bool:
    return day.day == 1 and day.month in (1, 4, 7, 10)


def is_usurious(rate: Decimal, tegm: Decimal) -> bool:
    """Whether `rate` (a fraction) is at or above the threshold computed from `tegm`. The law names the rates
    beyond the threshold usurious; the programme refuses the threshold itself too, so a rate rounded when the
    contract prints it can never land on the wrong side."""
    return rate >= usury_threshold(tegm)
