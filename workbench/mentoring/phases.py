"""Whether a borrower received the auxiliary services the microcredit rules require, phase by phase.

Pure: session dates and service keys in, a verdict per phase out (no Flask, no database), so the rule can be
checked by hand and tested on its edge dates.

The rule (Italian business microcredit, art. 111 of the banking law and its ministerial decree): the loan
comes with assistance and monitoring services during the assessment (the "istruttoria") and for the whole
repayment, at least two of the recognised services in each phase.

The phases, as Workbench draws them (calendar days in the programme's time zone):

- assessment: from the day the financed plan was first sent for review, up to the day before the
  disbursement. Sessions before that (training, first drafts) are accompaniment, not this loan's assessment.
  Should the first sending come after the disbursement date, the phase is empty.
- repayment: from the disbursement date to the due date of the last installment, both included. A session on
  the day of the disbursement counts for the repayment: the loan exists, monitoring has begun.

A session outside both phases counts for neither. A phase is "met" with at least two distinct services
delivered within it; otherwise it is "open" while it runs (today is on or before its last day) and "missed"
once it is over.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

#: The recognised services, in the order the rules list them: business strategy; training in administration,
#: accounting, finance, staff or ICT; pricing, sales and marketing; legal, tax and administrative help;
#: spotting problems in carrying out the project.
SERVICES = ("strategy", "training", "sales", "legal", "diagnosis")

#: Distinct services each phase needs.
REQUIRED_PER_PHASE = 2

ASSESSMENT = "assessment"
REPAYMENT = "repayment"

MET, OPEN, MISSED = "met", "open", "missed"

_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One session: the day it was held and the services delivered in it."""

    held_on: date
    services: frozenset[str]


@dataclass(frozen=True, slots=True)
class Phase:
    """One phase of a loan: its days (both included; empty when ``ends_on`` is before ``starts_on``), the
    distinct services delivered within it, how many sessions fell in it, and the verdict."""

    key: str
    starts_on: date
    ends_on: date
    services: frozenset[str]
    sessions: int
    state: str

    @property
    def met(self) -> bool:
        return self.state == MET

    @property
    def missing(self) -> int:
        """Services still needed to meet the rule (0 once met)."""
        return max(0, REQUIRED_PER_PHASE - len(self.services))

    @property
    def ordered_services(self) -> tuple[str, ...]:
        return tuple(key for key in SERVICES if key in self.services)


def phase_services(
    deliveries: Iterable[Delivery],
    *,
    assessment_from: date,
    disbursed_on: date,
    repayment_until: date,
    today: date,
) -> tuple[Phase, Phase]:
    """The assessment and repayment phases of one loan, each with the services delivered within it.

    ``assessment_from``: the day the financed plan was first sent; ``repayment_until``: the due date of the
    last installment (taken as the disbursement date if it came earlier); ``today`` decides "open" against
    "missed". Unknown service keys are ignored."""
    assessment_start = min(assessment_from, disbursed_on)
    repayment_end = max(repayment_until, disbursed_on)
    bounds = (
        (ASSESSMENT, assessment_start, disbursed_on - _DAY),
        (REPAYMENT, disbursed_on, repayment_end),
    )
    found: dict[str, set[str]] = {ASSESSMENT: set(), REPAYMENT: set()}
    counts = {ASSESSMENT: 0, REPAYMENT: 0}
    known = frozenset(SERVICES)
    for delivery in deliveries:
        for key, starts_on, ends_on in bounds:
            if starts_on <= delivery.held_on <= ends_on:
                found[key] |= delivery.services & known
                counts[key] += 1
    assessment, repayment = (
        Phase(
            key=key,
            starts_on=starts_on,
            ends_on=ends_on,
            services=frozenset(found[key]),
            sessions=counts[key],
            state=_verdict(len(found[key]), ends_on, today),
        )
        for key, starts_on, ends_on in bounds
    )
    return assessment, repayment


def _verdict(distinct: int, ends_on: date, today: date) -> str:
    if distinct >= REQUIRED_PER_PHASE:
        return MET
    return OPEN if today <= ends_on else MISSED
