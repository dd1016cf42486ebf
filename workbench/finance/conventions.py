"""The conventions of a loan contract: how its schedule counts days, rounds and charges interest.

A loan product stores them under these names, as these strings; :data:`DEFAULT_CONVENTIONS` reproduces the
schedules of :mod:`.schedule` without conventions exactly.

- ``day_count``: "30/360" (every month is 1/12 of a year: interest = balance x rate / 12) or "actual/365"
  (interest of a period = balance x rate x actual days from the previous due date, or from the disbursement
  for the first period, to its due date / 365; a leap day counts as a day).
- ``first_period``: "whole_period" (the first installment's interest is a whole month's) or "actual_days"
  (the first, irregular period runs from the disbursement to the first due date: balance x rate x actual
  days / 365 under actual/365, balance x rate x 30E/360 days / 360 under 30/360, where the 30E/360 days
  between two dates are 360 x years + 30 x months + days, a 31st counting as the 30th).
- ``rounding``: "half_up" (0.125 -> 0.13) or "half_even" (banker's rounding, 0.125 -> 0.12) for every
  amount rounded to cents (interest, installment, principal share, spread deferred interest).
- ``installment_unit``: Decimal("0.01") or Decimal("1"): the level installment (annuity) or the principal
  share (equal principal) is rounded to this unit; the last installment takes the remainder.
- ``interest``: "declining" (on the balance before each installment) or "flat" (on the original principal
  every period, grace included, whatever has been repaid).
- ``grace``: "interest_only" (interest paid during grace) or "deferred" (the grace months' interest is not
  paid then: it is spread in equal cents over the amortising installments, the last taking the remainder;
  it bears no interest itself).
- ``late_tolerance_days``: 0..MAX_TOLERANCE_DAYS; an installment counts as late only after its due date plus
  this many days (:func:`~.portfolio.loan_position`, ``tolerance_days``). It does not change the schedule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from .assumptions import _Checker
from .money import to_decimal

DAY_COUNTS = ("30/360", "actual/365")
FIRST_PERIODS = ("whole_period", "actual_days")
ROUNDINGS = ("half_up", "half_even")
INSTALLMENT_UNITS = (Decimal("0.01"), Decimal("1"))
INTEREST_METHODS = ("declining", "flat")
GRACES = ("interest_only", "deferred")
#: The longest tolerance a product may give before an unpaid installment counts as late.
MAX_TOLERANCE_DAYS = 90

#: rounding name -> decimal rounding mode
ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}

#: field -> the values it accepts (the order the error message lists them in)
CHOICES: Mapping[str, tuple[object, ...]] = {
    "day_count": DAY_COUNTS,
    "first_period": FIRST_PERIODS,
    "rounding": ROUNDINGS,
    "installment_unit": INSTALLMENT_UNITS,
    "interest": INTEREST_METHODS,
    "grace": GRACES,
}


@dataclass(frozen=True, slots=True)
class Conventions:
    """A loan product's schedule conventions (values and meaning in the module docstring)."""

    day_count: str = "30/360"
    first_period: str = "whole_period"
    rounding: str = "half_up"
    installment_unit: Decimal = Decimal("0.01")
    interest: str = "declining"
    grace: str = "interest_only"
    late_tolerance_days: int = 0

    @classmethod
    def of(cls, row: object) -> Conventions:
        """The conventions stored under these attribute names on ``row`` (a loan product, a loan): read as
        they are, since the rows were checked when written."""
        return cls(**{name: getattr(row, name) for name in cls.__slots__})

    @property
    def rounding_mode(self) -> str:
        return ROUNDING_MODES[self.rounding]

    @property
    def is_default(self) -> bool:
        """True when the schedule is the one built without conventions (the tolerance does not matter)."""
        return (
            self.day_count == "30/360"
            and self.first_period == "whole_period"
            and self.rounding == "half_up"
            and self.installment_unit == INSTALLMENT_UNITS[0]
            and self.interest == "declining"
            and self.grace == "interest_only"
        )


DEFAULT_CONVENTIONS = Conventions()


def check_conventions(check: _Checker, data: object, prefix: str = "conventions.") -> Conventions | None:
    """Read conventions given as a :class:`Conventions` or a mapping (missing keys take the defaults).

    A value outside its field's choices is recorded on ``check`` with the code "unknown_convention" at path
    ``prefix + field``; a tolerance out of 0..MAX_TOLERANCE_DAYS with "out_of_range". None when any is bad.
    """
    if isinstance(data, Conventions):
        data = {name: getattr(data, name) for name in Conventions.__slots__}
    if not isinstance(data, Mapping):
        check.fail(prefix.rstrip("."), "not_an_object")
        return None
    values: dict[str, object] = {}
    ok = True
    for name, choices in CHOICES.items():
        raw = data.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            values[name] = getattr(DEFAULT_CONVENTIONS, name)
            continue
        value = _choice(raw, choices)
        if value is None:
            check.fail(prefix + name, "unknown_convention", choices=", ".join(map(str, choices)))
            ok = False
        values[name] = value
    tolerance = check.integer(
        data, "late_tolerance_days", prefix + "late_tolerance_days", 0, low=0, high=MAX_TOLERANCE_DAYS
    )
    if not ok or tolerance is None:
        return None
    return Conventions(late_tolerance_days=tolerance, **values)  # type: ignore[arg-type]


def _choice(raw: object, choices: tuple[object, ...]) -> object | None:
    """The choice equal to ``raw`` (a unit may be given as "1", 1 or Decimal("1.00")), or None."""
    if isinstance(choices[0], Decimal):
        if isinstance(raw, bool):
            return None
        try:
            number = to_decimal(raw)  # bounded: "1e999999" is refused at once
        except ValueError:
            return None
        return next((choice for choice in choices if choice == number), None)
    return raw if isinstance(raw, str) and raw in choices else None


def parse_conventions(data: object) -> Conventions:
    """Conventions from a mapping of strings (a products row); AssumptionsError with paths ``field``."""
    check = _Checker()
    conventions = check_conventions(check, data, "")
    check.raise_if_any()
    assert conventions is not None
    return conventions
