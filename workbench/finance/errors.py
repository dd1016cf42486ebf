"""Errors raised by the finance core. All are ValueErrors: bad numbers in, no numbers out.

:class:`AssumptionsError` carries one :class:`FieldError` per offending field path, so a form can show each
message next to its field. Messages are short constant English sentences, built from :data:`MESSAGES` by a
machine ``code`` and a few ``params``; the web layer may translate by code instead of by text.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

#: code -> English message template (``str.format`` with the FieldError's params).
MESSAGES: Mapping[str, str] = {
    "required": "This field is required.",
    "not_a_number": "Enter a number.",
    "not_a_whole_number": "Enter a whole number.",
    "not_text": "Enter some text.",
    "not_a_list": "Give a list of entries.",
    "not_an_object": "Give an entry with named fields.",
    "negative": "Must not be negative.",
    "not_positive": "Must be greater than zero.",
    "out_of_range": "Must be between {min} and {max}.",
    "too_long": "Too long to be a number.",
    "exponent": "Write the number in full, without exponent notation (1000, not 1e3).",
    "too_large": "Must be at most {max}.",
    "too_many_rows": "Give at most {max} entries.",
    "projection_too_large": "These numbers make amounts too large to count: lower them.",
    "rate_out_of_range": "Must be at least 0 and below 1 (0.08 means 8%).",
    "growth_out_of_range": "Must be above -1 and below 1 (0.02 means 2% a month).",
    "seasonality_length": "Give exactly twelve values, January first.",
    "seasonality_negative": "Seasonality values must not be negative.",
    "grace_not_below_term": "Grace months must be fewer than the term.",
    "unknown_method": "Choose annuity or equal_principal.",
    "after_horizon": "Must not be after the last projected month ({months}).",
    "bad_year_month": "Use the form YYYY-MM, for example 2025-03.",
}

#: code -> English message of the loan contract's own checks (conventions, dates, APR flows); a plan document
#: never raises these, so they are kept apart from MESSAGES (whose codes a plan's form translates).
CONTRACT_MESSAGES: Mapping[str, str] = {
    "unknown_convention": "Choose one of: {choices}.",
    "disbursed_after_first_due": "The disbursement must come before the first due date.",
    "first_period_too_long": "The first due date must be at most {max} days after the disbursement.",
    "not_a_date": "Enter a date.",
    "apr_one_sided": "The cash flows must include money received and money paid.",
    "apr_no_rate": "No annual rate makes these cash flows balance.",
    "apr_too_many_flows": "Give at most {max} cash flows.",
    "apr_too_long": "The cash flows must span at most {max} years.",
}

_TEMPLATES = ChainMap(dict(MESSAGES), dict(CONTRACT_MESSAGES))


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field: ``path`` like ``revenue_streams[2].seasonality``, a machine ``code``, the
    English ``message`` and the ``params`` it was formatted with."""

    path: str
    code: str
    message: str
    params: Mapping[str, object] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def of(cls, path: str, code: str, **params: object) -> FieldError:
        return cls(path, code, _TEMPLATES[code].format(**params), params)


class FinanceError(ValueError):
    """Base class of the finance core's errors."""


class NumberError(FinanceError):
    """A value that cannot be read as a number in bounds; ``code`` is "not_a_number", "too_long",
    "too_large" or, for typed text only, "exponent" (a key of MESSAGES)."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        super().__init__(detail)


class AssumptionsError(FinanceError):
    """Invalid assumptions (or loan terms). ``errors`` maps field path -> message, ``codes`` field path ->
    code, ``issues`` keeps the FieldErrors in the order found. Every offending field is reported."""

    def __init__(self, issues: Iterable[FieldError]) -> None:
        self.issues: tuple[FieldError, ...] = tuple(issues)
        self.errors: dict[str, str] = {issue.path: issue.message for issue in self.issues}
        self.codes: dict[str, str] = {issue.path: issue.code for issue in self.issues}
        detail = "; ".join(f"{issue.path}: {issue.message}" for issue in self.issues)
        super().__init__(f"{len(self.issues)} invalid field(s): {detail}")


class PaymentError(FinanceError):
    """A payment that cannot be allocated (a negative amount)."""


class OverpaymentError(PaymentError):
    """Payments exceed everything the schedule asks for; the lending layer must refuse the payment."""

    def __init__(self, paid: Decimal, schedule_total: Decimal) -> None:
        self.paid = paid
        self.schedule_total = schedule_total
        self.excess = paid - schedule_total
        super().__init__(
            f"Payments of {paid} exceed the whole schedule ({schedule_total}) by {self.excess}; "
            "refuse the payment or reschedule the loan."
        )
