"""The rule of two services per phase, on its edge dates (pure: no app, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from workbench.mentoring.phases import MET, MISSED, OPEN, Delivery, phase_services

SENT = date(2027, 1, 10)  # the financed plan first sent for review
PAID = date(2027, 3, 1)  # disbursed
LAST_DUE = date(2030, 3, 1)  # the last installment
AFTER = date(2031, 1, 1)  # both phases over


def phases(*deliveries: tuple[date, set[str]], today: date = AFTER):
    return phase_services(
        [Delivery(day, frozenset(keys)) for day, keys in deliveries],
        assessment_from=SENT,
        disbursed_on=PAID,
        repayment_until=LAST_DUE,
        today=today,
    )


def test_two_distinct_services_in_each_phase_meet_the_rule() -> None:
    assessment, repayment = phases(
        (date(2027, 1, 20), {"strategy"}),
        (date(2027, 2, 10), {"training"}),
        (date(2027, 6, 1), {"sales", "legal"}),
    )
    assert (assessment.state, repayment.state) == (MET, MET)
    assert assessment.services == {"strategy", "training"}
    assert repayment.ordered_services == ("sales", "legal")
    assert (assessment.sessions, repayment.sessions) == (2, 1)
    assert assessment.missing == repayment.missing == 0


def test_the_same_service_twice_is_one_service() -> None:
    assessment, _repayment = phases((date(2027, 1, 20), {"strategy"}), (date(2027, 2, 1), {"strategy"}))
    assert assessment.services == {"strategy"}
    assert assessment.sessions == 2
    assert assessment.state == MISSED
    assert assessment.missing == 1


def test_the_first_sending_day_counts_for_the_assessment_the_day_before_does_not() -> None:
    assessment, _ = phases((date(2027, 1, 9), {"strategy"}), (SENT, {"training"}))
    assert assessment.services == {"training"}
    assert assessment.sessions == 1
    assert assessment.starts_on == SENT


def test_the_disbursement_day_belongs_to_the_repayment_the_day_before_to_the_assessment() -> None:
    assessment, repayment = phases((date(2027, 2, 28), {"strategy"}), (PAID, {"legal"}))
    assert assessment.services == {"strategy"}
    assert repayment.services == {"legal"}
    assert assessment.ends_on == date(2027, 2, 28)
    assert repayment.starts_on == PAID


def test_the_last_due_date_is_in_the_repayment_the_day_after_is_in_neither() -> None:
    _, repayment = phases((LAST_DUE, {"sales"}), (date(2030, 3, 2), {"legal", "diagnosis"}))
    assert repayment.services == {"sales"}
    assert repayment.sessions == 1
    assert repayment.ends_on == LAST_DUE


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2027, 2, 28), (OPEN, OPEN)),  # the last day of the assessment: still time
        (PAID, (MISSED, OPEN)),  # disbursed: the assessment is over
        (LAST_DUE, (MISSED, OPEN)),  # the last installment's day: still time
        (date(2030, 3, 2), (MISSED, MISSED)),
    ],
)
def test_a_phase_short_of_two_is_open_while_it_runs_and_missed_after(today: date, expected) -> None:
    assessment, repayment = phases((date(2027, 1, 20), {"strategy"}), today=today)
    assert (assessment.state, repayment.state) == expected


def test_a_phase_met_early_stays_met() -> None:
    assessment, repayment = phases((date(2027, 4, 1), {"sales", "legal"}), today=date(2027, 4, 2))
    assert repayment.state == MET
    assert assessment.state == MISSED


def test_unknown_services_are_ignored() -> None:
    assessment, _ = phases((date(2027, 1, 20), {"strategy", "catering"}))
    assert assessment.services == {"strategy"}
    assert assessment.state == MISSED


def test_a_plan_first_sent_after_the_disbursement_date_has_an_empty_assessment() -> None:
    assessment, repayment = phase_services(
        [Delivery(PAID, frozenset({"strategy", "legal"}))],
        assessment_from=date(2027, 5, 1),
        disbursed_on=PAID,
        repayment_until=LAST_DUE,
        today=AFTER,
    )
    assert assessment.ends_on < assessment.starts_on
    assert (assessment.sessions, assessment.state) == (0, MISSED)
    assert repayment.state == MET


def test_a_last_due_date_before_the_disbursement_leaves_a_one_day_repayment() -> None:
    _, repayment = phase_services(
        [Delivery(PAID, frozenset({"strategy", "legal"}))],
        assessment_from=SENT,
        disbursed_on=PAID,
        repayment_until=date(2027, 1, 1),
        today=AFTER,
    )
    assert (repayment.starts_on, repayment.ends_on) == (PAID, PAID)
    assert repayment.state == MET


def test_no_session_at_all() -> None:
    assessment, repayment = phases(today=date(2027, 2, 1))
    assert (assessment.state, repayment.state) == (OPEN, OPEN)
    assert assessment.missing == repayment.missing == 2
    assert assessment.services == repayment.services == frozenset()
