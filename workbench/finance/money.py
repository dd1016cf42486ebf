"""Money and calendar helpers: Decimal cents, HALF_UP rounding, month arithmetic.

Every amount of money in ``workbench.finance`` is a :class:`~decimal.Decimal` with two decimal places.
Rounding to cents is ROUND_HALF_UP (0.005 -> 0.01, -0.005 -> -0.01: halves move away from zero), the
rule people expect from a calculator and the one the loan contracts state, unless a loan's conventions
(:mod:`.conventions`) say "half_even".
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import NumberError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: Ratios (PAR, arrears rate, collection rate) are rounded to a hundredth of a percent.
RATIO_QUANTUM = Decimal("0.0001")
#: Rates that come out of a solver (IRR) are rounded to six decimal places.
RATE_QUANTUM = Decimal("0.000001")

_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


#: The longest text read as a number: 40 characters hold any amount a plan needs, with room for spaces.
MAX_NUMBER_TEXT = 40
#: No number read from a person or a file may reach this magnitude (the schema's ranges are far smaller; this
#: bound keeps every later quantize, int() and float() cheap and exact).
MAX_MAGNITUDE = Decimal(10) ** 18
#: Numbers with more decimal places than this are refused (``1e-999999999`` would print a billion zeros).
MAX_DECIMAL_PLACES = 40
_MAX_INT_BITS = 64


def to_decimal(value: object) -> Decimal:
    """Read a number given as int, Decimal, float or decimal string, exactly and in bounded time.

    Floats go through ``repr`` so 0.1 becomes Decimal("0.1"), not the binary expansion. Refused with
    :class:`NumberError` (a ValueError) whose ``code`` says why: booleans, NaN, infinities and anything else
    that is not a number ("not_a_number"), text longer than MAX_NUMBER_TEXT ("too_long"), magnitudes of
    MAX_MAGNITUDE or more ("too_large") and more than MAX_DECIMAL_PLACES decimals ("not_a_number"). Every
    check runs before any arithmetic, so ``"1e1000000"`` or a 5,000-digit int answers at once.
    """
    kind = type(value)  # dispatch on the exact type first: this runs for every number of a plan
    if kind is str or (kind is not bool and isinstance(value, str)):
        if len(value) > MAX_NUMBER_TEXT:  # type: ignore[arg-type]  # before any other work on the text
            raise NumberError("too_long", "the text is too long to be a number")
        text = str(value).strip()
        if not text:
            raise NumberError("not_a_number", "no number given")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise NumberError("not_a_number", f"not a number: {text!r}") from None
    elif kind is int or kind is Decimal:
        if kind is int and value.bit_length() > _MAX_INT_BITS:  # type: ignore[union-attr]
            raise NumberError("too_large", "the number is too large")
        result = Decimal(value)  # type: ignore[arg-type]
    elif isinstance(value, bool):
        raise NumberError("not_a_number", "a boolean is not a number")
    elif isinstance(value, Decimal | int):
        if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
            raise NumberError("too_large", "the number is too large")
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise NumberError("not_a_number", "not a finite number")
        result = Decimal(repr(value))
    else:
        raise NumberError("not_a_number", f"not a number: {type(value).__name__}")
    if not result.is_finite():
        raise NumberError("not_a_number", "not a finite number")
    if result and result.adjusted() >= MAX_MAGNITUDE.adjusted():
        raise NumberError("too_large", "the number is too large")
    if result.as_tuple().exponent < -MAX_DECIMAL_PLACES:  # type: ignore[operator]
        raise NumberError("not_a_number", "too many decimal places")
    return result


#: Spaces people and locales put between groups of thousands: space, no-break, narrow no-break, thin, figure;
#: apostrophes (Swiss grouping) and the Arabic thousands separator.
_GROUP_MARKS = " \u00a0\u202f\u2009\u2007'\u2019\u066c"
#: Marks that direct right-to-left text and carry no meaning in a number (pasted from Arabic pages).
_DIRECTION_MARKS = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
_CURRENCY = re.compile(r"^(?:€|eur)\s*|\s*(?:€|eur)$", re.IGNORECASE)
_TYPED = re.compile(r"^[\d.,\u066b" + _GROUP_MARKS + r"]+$")
_EXPONENT = re.compile(r"^[\d.,\u066b" + _GROUP_MARKS + r"]*\d\s*[eE]\s*[-+\u2212]?\s*\d")


def read_typed_number(text: str, decimal_symbol: str = ".") -> Decimal:
    """A number as a person types it, in bounds (:func:`to_decimal`); NumberError when it is refused.

    Accepted: a leading "+" or "-" (also the typographic minus), "€" or "EUR" before or after, groups of
    three digits separated by spaces (also no-break and narrow ones), apostrophes or the Arabic thousands
    separator (U+066C), the Arabic decimal separator (U+066B) and Arabic-Indic digits. "." and ",": with
    both, the last one is the decimal sign; with one, it groups thousands when it comes before exactly
    three digits each time and is not the locale's ``decimal_symbol`` (or appears more than once), else it
    is the decimal sign. Refused: exponent notation ("1e3", code "exponent": people do not mean it, and it
    hid huge numbers), groups that are not of three digits ("12 5", "1.2.3": "not_a_number") and anything
    else. The length is capped before any other work.
    """
    if len(text) > MAX_NUMBER_TEXT:
        raise NumberError("too_long", "the text is too long to be a number")
    body = text.translate(_DIRECTION_MARKS).strip().replace("\u2212", "-")
    sign = ""
    for _side in range(2):  # the sign may come before or after the currency: "-€ 5", "€ -5"
        if body[:1] in {"+", "-"}:
            if sign:
                raise NumberError("not_a_number", "two signs")
            sign, body = body[:1], body[1:].strip()
        body = _CURRENCY.sub("", body, count=1).strip()
    body = _CURRENCY.sub("", body).strip()
    if _EXPONENT.match(body):
        raise NumberError("exponent", "a number in exponent notation")
    if not body or not _TYPED.match(body) or not any(c.isdigit() for c in body):
        raise NumberError("not_a_number", f"not a number: {text!r}")
    whole, decimal_sign, fraction = _split_decimal(body, decimal_symbol)
    if any(not c.isdigit() for c in fraction):
        raise NumberError("not_a_number", "grouping after the decimal sign")
    groups = re.split("[" + _GROUP_MARKS + ".,]", whole)
    if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(group) != 3 for group in groups[1:])):
        raise NumberError("not_a_number", "thousands are grouped by three digits")
    digits = "".join(groups)
    return to_decimal(f"{sign}{digits or '0'}{'.' + fraction if decimal_sign else ''}")


def _split_decimal(body: str, decimal_symbol: str) -> tuple[str, str, str]:
    """(whole part with its group marks, the decimal sign found or "", the fraction's digits)."""
    if "\u066b" in body:
        whole, _, fraction = body.partition("\u066b")
        return whole, "\u066b", fraction
    if "," in body and "." in body:
        decimal_sign = "," if body.rfind(",") > body.rfind(".") else "."
    elif "," in body or "." in body:
        decimal_sign = "," if "," in body else "."
        parts = body.split(decimal_sign)
        grouping = len(parts) > 2 or (decimal_sign != decimal_symbol and len(parts[-1]) == 3)
        if grouping:
            return body, "", ""
    else:
        return body, "", ""
    whole, _, fraction = body.rpartition(decimal_sign)
    if not fraction and not whole:
        raise NumberError("not_a_number", "a sign without digits")
    return whole, decimal_sign, fraction


def to_cents(value: object) -> Decimal:
    """Round to cents, ROUND_HALF_UP: ``to_cents("2.675") == Decimal("2.68")``; never returns "-0.00"."""
    result = to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    return ZERO if result.is_zero() else result


def cents(amount: Decimal) -> int:
    """Whole number of cents in an amount already rounded to cents (``Decimal("12.34") -> 1234``)."""
    return int(amount.scaleb(2))


def from_cents(count: int) -> Decimal:
    """Decimal amount with two places from a whole number of cents (``1234 -> Decimal("12.34")``), exact."""
    return Decimal(count) * CENT


def round_ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator / denominator rounded HALF_UP to 4 places; None (not defined) when the denominator is 0."""
    if not denominator:
        return None
    return (numerator / denominator).quantize(RATIO_QUANTUM, rounding=ROUND_HALF_UP)


def add_months(start: date, months: int) -> date:
    """The same day of the month ``months`` later, clamped to the last day of a shorter month.

    ``add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)``; the clamp does not carry over, so
    ``add_months(date(2024, 1, 31), 2) == date(2024, 3, 31)``.
    """
    year, month0 = divmod(start.year * 12 + start.month - 1 + months, 12)
    return date(year, month0 + 1, min(start.day, days_in_month(year, month0 + 1)))


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if calendar.isleap(year) else 28
    return _DAYS_IN_MONTH[month]


def monthly_dates(first: date, count: int) -> list[date]:
    """``[add_months(first, k) for k in range(count)]``, faster: the due dates of a schedule."""
    year, month, day = first.year, first.month, first.day
    dates = []
    for _ in range(count):
        dates.append(date(year, month, day if day <= 28 else min(day, days_in_month(year, month))))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return dates


def parse_year_month(text: str) -> tuple[int, int]:
    """``"2025-03" -> (2025, 3)``; ValueError for anything else."""
    match = _YEAR_MONTH.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not a YYYY-MM month: {text!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 1:
        raise ValueError(f"not a YYYY-MM month: {text!r}")
    return year, month


def month_labels(start_month: str, count: int) -> tuple[str, ...]:
    """Calendar labels "YYYY-MM" of ``count`` consecutive months from ``start_month``."""
    year, month = parse_year_month(start_month)
    base = year * 12 + month - 1
    return tuple(f"{(base + i) // 12:04d}-{(base + i) % 12 + 1:02d}" for i in range(count))
