"""Plan metrics on a monthly cash-flow series: NPV, IRR, payback.

Conventions, the same for the three:

- The series holds one cash flow per projection month; month 1 is time 0, month m is discounted by m - 1
  periods (money spent in the first month is not discounted).
- ``npv(cash_flows, annual_rate)`` = sum over m of CF_m / (1 + i)^(m - 1) with the monthly rate
  i = (1 + annual_rate)^(1/12) - 1 (the monthly rate that compounds to the annual one). Computed in floats,
  rounded to cents HALF_UP.
- ``irr(cash_flows)``: the monthly rate r > -1 at which that NPV is zero; annualised as (1 + r)^12 - 1. Both
  rounded HALF_UP to six decimal places. It is searched for over monthly rates from -99 % to +100,000 %
  (the NPV in x = 1 / (1 + r) is a polynomial, sampled on a geometric grid of 600 points, every sign change
  refined by regula falsi). The result says plainly when there is no rate (the flows never change sign, or no
  root lies in the range) or more than one (then ``candidates`` lists them): a rate is never a bare NaN.
  Two roots closer together than the grid step (about 2 % in 1 + r) can be missed.
- ``payback_month(cash_flows)``: the first month from which the cumulative cash flow stays >= 0 to the end of
  the series; None if it ends below zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from itertools import accumulate, pairwise

import numpy as np

from .money import RATE_QUANTUM, to_cents

IRR_MIN_MONTHLY = -0.99
IRR_MAX_MONTHLY = 1000.0
_GRID = np.geomspace(1 / (1 + IRR_MAX_MONTHLY), 1 / (1 + IRR_MIN_MONTHLY), 600)
with np.errstate(under="ignore"):
    _POWERS = _GRID[:, None] ** np.arange(121)  # x^t for series up to 121 months (100^120 < 1e308)

IRR_MESSAGES = {
    "ok": "The internal rate of return is the one rate at which the plan's cash flows are worth zero today.",
    "no_sign_change": "There is no internal rate of return: the cash flows never change sign.",
    "no_root": "There is no internal rate of return: no rate makes the cash flows worth zero.",
    "multiple_roots": "There is no single internal rate of return: several rates make the flows worth zero.",
}


@dataclass(frozen=True, slots=True)
class IrrResult:
    """``status`` is "ok", "none" or "multiple"; ``monthly``/``annual`` are set only when it is "ok".

    ``reason`` is a machine code (a key of IRR_MESSAGES), ``message`` the plain English sentence for it,
    ``candidates`` the monthly rates found when there are several."""

    status: str
    monthly: Decimal | None
    annual: Decimal | None
    reason: str
    message: str
    candidates: tuple[Decimal, ...] = ()

    @property
    def exists(self) -> bool:
        return self.status == "ok"


def _rate(value: float) -> Decimal:
    with localcontext(prec=80):  # an annualised rate of a wild plan can run to 40 digits
        return Decimal(repr(value)).quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)


def _irr_none(reason: str) -> IrrResult:
    return IrrResult("none", None, None, reason, IRR_MESSAGES[reason])


def monthly_rate(annual_rate: object) -> float:
    """i = (1 + annual_rate)^(1/12) - 1."""
    return (1.0 + float(annual_rate)) ** (1 / 12) - 1.0  # type: ignore[arg-type]


def npv(cash_flows: Sequence[object], annual_rate: object = Decimal("0.10")) -> Decimal:
    """Sum of CF_m / (1 + i)^(m - 1), i = (1 + annual_rate)^(1/12) - 1; rounded to cents HALF_UP."""
    values = np.array([float(value) for value in cash_flows])  # type: ignore[arg-type]
    if values.size == 0:
        return to_cents(0)
    factors = (1.0 + monthly_rate(annual_rate)) ** -np.arange(values.size)
    return to_cents(repr(float(values @ factors)))


def _horner(coefficients: list[float], x: float) -> float:
    total = 0.0
    for coefficient in reversed(coefficients):
        total = total * x + coefficient
    return total


def _refine(coefficients: list[float], low: float, high: float) -> float:
    """The root of sum CF_t x^t between low and high (opposite signs), by Illinois regula falsi."""
    f_low, f_high = _horner(coefficients, low), _horner(coefficients, high)
    for _ in range(200):
        x = high - f_high * (high - low) / (f_high - f_low)
        f_x = _horner(coefficients, x)
        if f_x == 0 or abs(high - low) <= 1e-14 * high:
            return x
        if (f_x > 0) != (f_high > 0):
            low, f_low = high, f_high
        else:
            f_low /= 2
        high, f_high = x, f_x
    return high


def irr(cash_flows: Sequence[object]) -> IrrResult:
    """The monthly internal rate of return and its annual equivalent, or why there is none (see the
    module)."""
    values = [float(value) for value in cash_flows]  # type: ignore[arg-type]
    signs = [value > 0 for value in values if value != 0]
    changes = sum(1 for a, b in pairwise(signs) if a != b)
    if changes == 0:
        return _irr_none("no_sign_change")
    scale = max(abs(value) for value in values)
    coefficients = [value / scale for value in values]  # f(x) = sum CF_t x^t, x = 1 / (1 + r)
    grid = _GRID
    if len(coefficients) <= _POWERS.shape[1]:
        sampled = _POWERS[:, : len(coefficients)] @ np.array(coefficients)
    else:  # a longer series than any plan: Horner, dropping the grid points where x^t overflows
        sampled = np.zeros_like(_GRID)
        with np.errstate(all="ignore"):
            for coefficient in reversed(coefficients):
                sampled = sampled * _GRID + coefficient
        finite = np.isfinite(sampled)
        grid, sampled = _GRID[finite], sampled[finite]
    roots = [float(x) for x, y in zip(grid, sampled, strict=True) if y == 0]
    for index in np.flatnonzero(np.sign(sampled[:-1]) * np.sign(sampled[1:]) < 0):
        roots.append(_refine(coefficients, float(grid[index]), float(grid[index + 1])))
    rates = sorted(1 / x - 1 for x in roots)
    if not rates:
        return _irr_none("no_root")
    if len(rates) > 1:
        return IrrResult(
            "multiple", None, None, "multiple_roots", IRR_MESSAGES["multiple_roots"], tuple(map(_rate, rates))
        )
    rate = rates[0]
    return IrrResult("ok", _rate(rate), _rate((1 + rate) ** 12 - 1), "ok", IRR_MESSAGES["ok"])


def payback_month(cash_flows: Sequence[object]) -> int | None:
    """First month (1-based) from which the cumulative cash flow stays >= 0; None if it ends below zero."""
    cumulative = list(accumulate(cash_flows))  # type: ignore[arg-type]
    if not cumulative or cumulative[-1] < 0:
        return None
    month = len(cumulative)
    while month > 1 and cumulative[month - 2] >= 0:
        month -= 1
    return month
