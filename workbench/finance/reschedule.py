"""A schedule rescheduled on a day: what stays of the schedule before it, and the new one that follows.

``carry_over(schedule, paid, effective_on)``: the payments up to ``effective_on`` (``paid``, their sum) are
allocated as loan_position allocates them (oldest installment first, interest before principal). Then:

- ``kept``: the installments due on or before ``effective_on``, each reduced to what the payments covered
  (fully paid ones unchanged, the first one not fully paid reduced to its paid interest and principal, the
  unpaid ones left out), and after them the installments due later that the payments reached ahead of time,
  reduced the same way. Nothing of ``kept`` is unpaid, so nothing is overdue from the past, and the payments
  made so far allocate exactly as they did before (same interest, same principal).
- ``principal``: the principal still owed (the schedule's principal less the principal paid), carried over.
- ``interest``: the interest of the installments due on or before ``effective_on`` that the payments did not
  cover, carried into the first new installment (not capitalised: it earns no interest). The interest of
  installments due later is not owed: the new schedule charges its own.

``splice(kept, new, interest)``: ``kept`` followed by the new schedule (built on ``principal``), ``interest``
added to its first installment's interest and total, the installments numbered 1, 2... again. Its principal
sums to the principal of the schedule before it; balances run down from it to zero.

Pure: Decimal cents in, Decimal cents out; no rounding happens here (every amount is one of the schedule's or
a difference of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .errors import OverpaymentError
from .money import ZERO
from .schedule import Installment


@dataclass(frozen=True)
class CarriedOver:
    kept: tuple[Installment, ...]
    principal: Decimal
    interest: Decimal


def carry_over(schedule: Sequence[Installment], paid: Decimal, effective_on: date) -> CarriedOver:
    """What stays of ``schedule`` and what is carried over, ``paid`` being paid by ``effective_on``."""
    remaining = paid
    kept: list[Installment] = []
    total_principal = sum((row.principal for row in schedule), ZERO)
    paid_principal = ZERO
    unpaid_interest = ZERO
    for row in schedule:
        assert row.due_date is not None  # a loan's schedule is dated
        past = row.due_date <= effective_on
        owed = row.interest + row.principal
        if remaining >= owed:
            interest, principal = row.interest, row.principal
        else:
            interest = min(remaining, row.interest)
            principal = remaining - interest
        covered = interest + principal
        if not past and covered == ZERO:
            break
        remaining -= covered
        paid_principal += principal
        if past:
            unpaid_interest += row.interest - interest
        if covered > ZERO or covered == owed:  # a past installment left unpaid is carried over instead
            kept.append(
                Installment(
                    row.number, row.due_date, principal, interest, covered, total_principal - paid_principal
                )
            )
    if remaining > ZERO:
        raise OverpaymentError(paid, paid - remaining)
    return CarriedOver(tuple(kept), total_principal - paid_principal, unpaid_interest)


def splice(
    kept: Sequence[Installment], new: Sequence[Installment], interest: Decimal
) -> tuple[Installment, ...]:
    """``kept`` then ``new`` with ``interest`` added to its first installment, numbered from 1."""
    rows = [(row.principal, row.interest, row.balance, row.due_date) for row in kept]
    rows += [
        (row.principal, row.interest + (interest if index == 0 else ZERO), row.balance, row.due_date)
        for index, row in enumerate(new)
    ]
    return tuple(
        Installment(number, due_date, principal, row_interest, principal + row_interest, balance)
        for number, (principal, row_interest, balance, due_date) in enumerate(rows, start=1)
    )
