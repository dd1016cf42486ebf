"""Journey events that higher domains react to, inside the same transaction as the change that made them.

A lower domain announces what happened (a trainee enrolled, a plan endorsed, a loan disbursed) without knowing
who listens: mentoring creates the milestones that run from each event. Receivers are connected by
create_app(); they add rows to the session and never commit, so the event and its consequences land together
or not at all.
"""

from __future__ import annotations

from blinker import Namespace

_journey = Namespace()

#: sender: the Enrolment just created; keyword: actor (User or None).
enrolled = _journey.signal("enrolled")
#: sender: the ReviewDecision that endorsed a version as ready for credit; keyword: actor.
plan_endorsed = _journey.signal("plan-endorsed")
#: sender: the Loan just disbursed; keyword: actor.
loan_disbursed = _journey.signal("loan-disbursed")
