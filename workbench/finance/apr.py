"""The annual percentage rate of charge (APR, Italian TAEG) of a loan's cash flows.

The rate is the X of the basic equation of Directive 2008/48/EC, Annex I, written with flows:

    sum over k of A_k x (1 + X)^(-t_k) = 0

- ``A_k`` are the borrower's cash flows: positive for money received (drawdowns), negative for money paid
  (installments, fees, insurance the borrower must take...). Fees withheld at disbursement are a negative flow
  on the disbursement date.
- ``t_k`` is the time of flow k from the FIRST flow, in years. :func:`annual_percentage_rate` takes dated
  flows and counts actual days / 365 for every year, leap years included: a leap day is one more day, so a
  span of one calendar year containing 29 February is 366/365 years. Annex I, remark (c), also allows 366
  days for leap years; one fixed divisor keeps equal spans of days worth the same in every year.
  ``days_in_year="365.25"`` exists only to compare with rules that divide by 365.25 (the UK examples of the
  tests). :func:`annual_percentage_rate_by_periods` takes times already in years, for the directive's other
  convention of "12 equal months" (a monthly installment k at k/12 years, whatever the days).
- The result is a fraction (Decimal("0.1296") is 12.96 %) rounded HALF_UP to ``percent_places`` decimal
  places of percent, 2 by default (4 places of the fraction); the directive asks for at least one decimal
  of percent, a figure of 5 or more rounding the previous one up (Annex I, remark (d)), which is HALF_UP
  (for a negative rate, a half goes up too, towards zero).
- Solving: in floats, the rates from -99 % to +10^7 % (MIN_RATE, MAX_RATE as fractions) are scanned on a
  fixed grid for a sign change, which is then narrowed by bisection to the float precision; the last digit
  is decided in 40-digit Decimal arithmetic at the rounding boundary, so the rounding is exact even when the
  root lies close to a boundary. Every loop is bounded. When the flows balance at several rates, the one
  positive rate nearest to zero is returned, or if none is positive the negative one nearest to zero: the
  rule of the UK Consumer Credit (Total Charge for Credit) Regulations 1980, regulation 9(3).
- Refused with :class:`AprError` (a ValueError) and a ``code``: flows that are all received, all paid or
  all zero ("apr_one_sided"), no rate in the range ("apr_no_rate"), more than MAX_FLOWS flows
  ("apr_too_many_flows"), a span over MAX_YEARS years ("apr_too_long"); amounts go through the bounded
  reader :func:`~.money.to_decimal` (NumberError), and dates must be dates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal, localcontext
from itertools import islice

from .errors import CONTRACT_MESSAGES, FinanceError
from .money import to_decimal

#: More flows than a 30-year monthly loan with a fee on every installment.
MAX_FLOWS = 1200
MAX_YEARS = 100
DAYS_IN_YEAR = 365
YEAR_LENGTHS = (365, "365.25")
#: The rates searched, as fractions: (1 + X) from 0.01 to 100,001.
MIN_RATE = -0.99
MAX_RATE = 1e5
# fmt: off
_GRID = [
    MIN_RATE, -0.9, -0.75, -0.5, -0.25, -0.1, -0.01,
    0.0, 0.01, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0,
    100.0, 300.0, 1e3, 3e3, 1e4, 3e4, MAX_RATE,
]
# fmt: on
_BISECTIONS = 200


class AprError(FinanceError):
    """Cash flows without an APR; ``code`` is a key of CONTRACT_MESSAGES, the message its English text."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(CONTRACT_MESSAGES[code].format(**params))


def annual_percentage_rate(
    flows: Iterable[tuple[date, object]], *, percent_places: int = 2, days_in_year: int | str = 365
) -> Decimal:
    """The APR of dated flows (date, amount): time = actual days since the first flow / 365.

    ``days_in_year`` "365.25" gives the divisor other rules use (the UK examples of the tests)."""
    pairs = _bounded(flows)
    for when, _ in pairs:
        if not isinstance(when, date) or isinstance(when, datetime):
            raise TypeError(f"a flow's date must be a date, not {type(when).__name__}")
    first = min(when for when, _ in pairs) if pairs else None
    if days_in_year not in YEAR_LENGTHS:
        raise ValueError("days_in_year must be 365 or 365.25")
    divisor = Decimal(days_in_year)
    times = [Decimal((when - first).days) / divisor for when, _ in pairs]  # type: ignore[operator]
    return _apr(times, [amount for _, amount in pairs], percent_places)


def annual_percentage_rate_by_periods(
    flows: Iterable[tuple[object, object]], *, percent_places: int = 2
) -> Decimal:
    """The APR of flows (time in years from the first drawdown, amount), e.g. k/12 for equal months."""
    pairs = _bounded(flows)
    times = []
    for time, _ in pairs:
        value = to_decimal(time)
        if value < 0:
            raise ValueError("a flow's time cannot be negative")
        times.append(value)
    return _apr(times, [amount for _, amount in pairs], percent_places)


def _bounded(flows: Iterable[tuple[object, object]]) -> list[tuple[object, object]]:
    pairs = list(islice(flows, MAX_FLOWS + 1))
    if len(pairs) > MAX_FLOWS:
        raise AprError("apr_too_many_flows", max=MAX_FLOWS)
    return pairs


def _apr(times: Sequence[Decimal], raw_amounts: Sequence[object], percent_places: int) -> Decimal:
    if type(percent_places) is not int or not 1 <= percent_places <= 4:
        raise ValueError("percent_places must be 1, 2, 3 or 4")
    amounts = [to_decimal(amount) for amount in raw_amounts]
    if times and max(times) - min(times) > MAX_YEARS:
        raise AprError("apr_too_long", max=MAX_YEARS)
    if not any(amount > 0 for amount in amounts) or not any(amount < 0 for amount in amounts):
        raise AprError("apr_one_sided")
    start = min(times)
    years = [float(time - start) for time in times]
    values = [float(amount) for amount in amounts]
    low, high = _bracket(years, values)
    root = _bisect(years, values, low, high)
    quantum = Decimal(1).scaleb(-(percent_places + 2))
    below = Decimal(repr(root)).quantize(quantum, rounding=ROUND_FLOOR)
    # HALF_UP decided exactly: the root lies in [below, below + quantum); it rounds down when the present
    # value changes sign between ``below`` and the half-way point (or is zero at ``below``), else up.
    # Values within 10^-30 of the flows' size are zero: the 40-digit logarithms leave such residues.
    noise = sum((abs(amount) for amount in amounts), Decimal(0)).scaleb(-30)
    at_below = _present_value(times, amounts, start, below)
    at_half = _present_value(times, amounts, start, below + quantum / 2)
    if abs(at_below) <= noise:
        return below + 0
    rounds_down = abs(at_half) > noise and (at_below > 0) != (at_half > 0)
    result = below if rounds_down else below + quantum
    return result + 0  # + 0 turns -0.0000 into 0.0000


def _value(years: Sequence[float], values: Sequence[float], rate: float) -> float:
    """sum of A_k (1 + rate)^(-t_k), in floats (every term finite: t <= 100, 1 + rate >= 0.01)."""
    log = math.log1p(rate)
    return math.fsum(value * math.exp(-year * log) for year, value in zip(years, values, strict=True))


def _present_value(
    times: Sequence[Decimal], amounts: Sequence[Decimal], start: Decimal, rate: Decimal
) -> Decimal:
    """sum of A_k (1 + rate)^(-t_k) in 40-digit Decimal arithmetic (to decide the last digit)."""
    with localcontext(prec=40):
        log = (1 + rate).ln()
        return sum(
            (amount * (-(time - start) * log).exp() for time, amount in zip(times, amounts, strict=True)),
            Decimal(0),
        )


def _bracket(years: Sequence[float], values: Sequence[float]) -> tuple[float, float]:
    """The grid interval with a sign change nearest to a zero rate (positive rates first)."""
    signs = [_value(years, values, rate) for rate in _GRID]
    zero = _GRID.index(0.0)
    if signs[zero] == 0:
        return 0.0, 0.0
    candidates = []
    for index in range(len(_GRID) - 1):
        left, right = signs[index], signs[index + 1]
        if left == 0 or (left > 0) != (right > 0):
            low, high = _GRID[index], _GRID[index + 1]
            # any positive rate before a negative one; among each, the nearest to zero
            candidates.append(((0, low) if low >= 0 else (1, -high), low, high))
    if not candidates:
        raise AprError("apr_no_rate")
    _, low, high = min(candidates)
    return low, high


def _bisect(years: Sequence[float], values: Sequence[float], low: float, high: float) -> float:
    low_value = _value(years, values, low)
    if low == high or low_value == 0:
        return low
    for _ in range(_BISECTIONS):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        middle_value = _value(years, values, middle)
        if middle_value == 0:
            return middle
        if (middle_value > 0) == (low_value > 0):
            low, low_value = middle, middle_value
        else:
            high = middle
    return (low + high) / 2
