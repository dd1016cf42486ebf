"""The figures of a loan contract: its schedule, totals, fees and the APR (Italian TAEG).

Read-only: nothing here changes state. The APR is the rate of ALL the borrower's cash flows, as the consumer
credit directive defines it (:mod:`workbench.finance.apr`): the money received on the disbursement day
(positive), each installment paid on its due date and each fee paid on its date (negative). Fees are given as
(date, amount paid) pairs: today the arrangement fee of the loan's product, paid when the money is paid out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from workbench.finance.apr import AprError, annual_percentage_rate
from workbench.finance.money import ZERO, to_decimal
from workbench.finance.schedule import Installment, schedule_totals
from workbench.lending.models import Loan
from workbench.lending.services import schedule_of

#: A fee: the day the borrower pays it and the amount paid (positive), in Decimal cents.
Fee = tuple[date, Decimal]


@dataclass(frozen=True)
class ContractFigures:
    """What the contract states: the schedule, its totals, the fees and the two rates (as fractions)."""

    schedule: tuple[Installment, ...]
    fees: tuple[Fee, ...]
    total_principal: Decimal
    total_interest: Decimal
    #: The installments summed: principal + interest.
    total_installments: Decimal
    total_fees: Decimal
    #: Everything the borrower pays: the installments and the fees.
    total_to_repay: Decimal
    #: Interest and fees: what the credit costs beyond the money borrowed.
    total_cost: Decimal
    #: The nominal yearly rate (TAN), as on the loan.
    nominal_rate: Decimal
    #: The APR (TAEG) of all the borrower's flows, a fraction rounded to 2 decimals of percent; None when the
    #: flows have no rate (a schedule that repays less than it lends, out of the range searched).
    apr: Decimal | None


def borrower_flows(
    loan: Loan, schedule: Sequence[Installment], fees: Sequence[Fee] = ()
) -> list[tuple[date, Decimal]]:
    """The borrower's dated cash flows: + principal on ``disbursed_on``, - each installment on its due date,
    - each fee on its date. Amounts go through the bounded reader."""
    flows: list[tuple[date, Decimal]] = [(loan.disbursed_on, to_decimal(loan.principal))]
    for row in schedule:
        assert row.due_date is not None  # a loan's schedule is dated
        flows.append((row.due_date, -row.total))
    flows.extend((when, -to_decimal(amount)) for when, amount in fees)
    return flows


def fees_of(loan: Loan) -> tuple[Fee, ...]:
    """The fees the contract charges: the arrangement fee, paid on the day the money is paid out."""
    fee = loan.arrangement_fee or ZERO
    return ((loan.disbursed_on, fee),) if fee > 0 else ()


def contract_figures(loan: Loan, fees: Sequence[Fee] | None = None) -> ContractFigures:
    """The contract's figures for ``loan``, with ``fees`` paid by the borrower (by default the loan's own,
    :func:`fees_of`)."""
    schedule = schedule_of(loan)
    if fees is None:
        fees = fees_of(loan)
    fees = tuple((when, to_decimal(amount)) for when, amount in fees)
    principal, interest, installments = schedule_totals(schedule)
    total_fees = sum((amount for _, amount in fees), ZERO)
    try:
        apr: Decimal | None = annual_percentage_rate(borrower_flows(loan, schedule, fees))
    except AprError:
        apr = None
    return ContractFigures(
        schedule=schedule,
        fees=fees,
        total_principal=principal,
        total_interest=interest,
        total_installments=installments,
        total_fees=total_fees,
        total_to_repay=installments + total_fees,
        total_cost=interest + total_fees,
        nominal_rate=loan.annual_rate,
        apr=apr,
    )
