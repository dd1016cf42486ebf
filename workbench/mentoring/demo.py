"""Demo mentoring for the first trainees with plans: comment threads (one waiting for the trainee, one
answered, one resolved), tutoring sessions in the assessment phase, and one financed trainee (the endorsed
plan of the demo, sent and endorsed months before its payout) with sessions in both phases and a few months
of actuals, one far behind. Milestones follow
from the journey events (enrolment, endorsement, payout) as for anyone.

Idempotent: threads and comments carry fixed form tokens, sessions fixed submission keys, the loan is one per
version and actuals one per month, so a second run finds them and adds nothing. The wording is Italian, as a
mentor in the Venice programme would write it.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from workbench.auth.models import User
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.lending.services import record_disbursement
from workbench.mentoring import comments, milestones, sessions
from workbench.mentoring.actuals import save_actual
from workbench.mentoring.actuals_models import MonthlyActual
from workbench.mentoring.milestone_models import Milestone, MilestoneStatus
from workbench.mentoring.models import ThreadEventKind, TutoringSession
from workbench.mentoring.plan_actual import open_months
from workbench.plans.models import BusinessPlan, PlanVersion
from workbench.plans.review import review_status

#: How long ago the financed trainee's loan was paid out; the plan was sent and endorsed before that
#: (plans.demo), so the loan's assessment phase has its sessions and the repayment phase its own.
PAID_OUT_DAYS_AGO = 105

#: Sessions of the assessment phase, between the first sending and the payout: (days before the payout,
#: minutes, services, notes).
ASSESSMENT_SESSIONS = (
    (40, 60, ("strategy", "diagnosis"), "Lettura del piano: clienti, furgone e costi fissi."),
    (20, 45, ("training", "sales"), "Preventivi per le consegne e prima nota di cassa."),
)

#: (days after the payout, minutes, services, notes).
LOAN_SESSIONS = (
    (0, 60, ("strategy", "diagnosis"), "Erogazione: rivisti i costi del furgone e il piano di cassa."),
    (10, 45, ("sales",), "Prezzi delle consegne e primi clienti: tre ristoranti di Mestre."),
    (20, 60, ("training", "sales"), "Registro di cassa e fatture: primo mese di attività."),
    (75, 30, ("legal",), "Iscrizione INPS e scadenze fiscali del trimestre."),
)
#: (sales, costs, closing cash) of the first months after the payout; the third is far behind the plan.
ACTUALS = (
    ("3800", "2600", "2900"),
    ("4100", "2700", "4200"),
    ("1200", "2500", "2800"),
)


def _key(*parts: object) -> str:
    """A fixed submission key (32 hex digits) for a demo record."""
    return hashlib.sha256("demo:".join(str(p) for p in parts).encode()).hexdigest()[:32]


def _token(*parts: object) -> str:
    return "demo-" + _key(*parts)


def _log(
    trainee: User, mentor: User, held_on: date, minutes: int, services: tuple[str, ...], notes: str
) -> int:
    """Log the session unless it is logged (found by its fixed key, whatever day the demo runs again)."""
    key = _key("session", trainee.email, notes)
    if db.session.scalar(select(TutoringSession.id).where(TutoringSession.submission_key == key)):
        return 0
    details = sessions.SessionDetails(
        held_on=held_on, minutes=minutes, channel="in_person", services=frozenset(services), notes=notes
    )
    sessions.log_session(trainee, mentor, details, key)
    return 1


def _post(plan: BusinessPlan, version: PlanVersion | None, section: str, author: User, body: str, n: int):
    posted = comments.start_thread(
        comments.Anchor(plan, version, section), author=author, body=body, token=_token(plan.id, n, "start")
    )
    return posted


def _reply(thread, author: User, body: str, n: int) -> None:
    comments.reply(thread, author=author, body=body, token=_token(thread.plan_id, n, "reply"))


def seed_mentoring(trainees: list[User], mentor: User, officer: User) -> dict[str, int]:
    """Add what is missing of the demo mentoring; how many threads, sessions, loans and actuals were added."""
    added = {"threads": 0, "sessions": 0, "loans": 0, "actuals": 0, "milestones_done": 0}
    today = sessions.programme_today()
    with_plans = []
    for trainee in trainees:
        plan = db.session.scalars(select(BusinessPlan).where(BusinessPlan.owner_id == trainee.id)).first()
        if plan is not None and plan.versions:
            with_plans.append((trainee, plan))

    # Threads on the first two plans sent for review.
    for index, (trainee, plan) in enumerate(with_plans[:2]):
        version = plan.versions[-1]
        section = comments.template_of(plan, version).sections[1].key
        if index == 0:  # open, waiting for the trainee
            posted = _post(
                plan,
                version,
                section,
                mentor,
                "Chi sono i tuoi primi clienti? Scrivi almeno tre nomi di attività del quartiere che hai già "
                "contattato.",
                1,
            )
            added["threads"] += not posted.again
            continue
        answered = _post(
            plan, version, section, mentor, "Il prezzo medio ti sembra giusto rispetto ai negozi vicini?", 1
        )
        added["threads"] += not answered.again
        _reply(answered.thread, trainee, "Sì, ho confrontato i prezzi di quattro negozi in via Piave.", 1)
        done = _post(
            plan, version, section, mentor, "Manca l'affitto del magazzino nei costi fissi mensili.", 2
        )
        added["threads"] += not done.again
        _reply(done.thread, trainee, "Aggiunto: 350 euro al mese, contratto di un anno.", 2)
        thread = done.thread
        comments._refresh_events(thread)
        if not thread.resolved:
            comments.change_state(thread, ThreadEventKind.RESOLVED, actor=mentor, seen=thread.sequence)

    # Sessions in the assessment phase: the plans sent for review, not yet financed.
    for trainee, _plan in with_plans[:2]:
        added["sessions"] += _log(
            trainee,
            mentor,
            today,
            60,
            ("strategy", "diagnosis"),
            "Lettura del piano e dei numeri principali.",
        )

    # The financed trainee: the endorsed plan, paid out some months ago.
    endorsed = [(t, p) for t, p in with_plans if review_status(p).endorsed]
    if endorsed:
        trainee, plan = endorsed[0]
        version = plan.versions[-1]
        paid_out = today - timedelta(days=PAID_OUT_DAYS_AGO)
        loan = db.session.scalar(select(Loan).where(Loan.plan_version_id == version.id))
        if loan is None:
            loan = record_disbursement(
                version,
                principal=Decimal("15000"),
                annual_rate=Decimal("0.035"),
                term_months=60,
                grace_months=6,
                method="annuity",
                disbursed_on=paid_out,
                disbursement_method="bank_transfer",
                actor=officer,
            )
            added["loans"] += 1
        for days, minutes, services, notes in ASSESSMENT_SESSIONS:
            added["sessions"] += _log(
                trainee, mentor, loan.disbursed_on - timedelta(days=days), minutes, services, notes
            )
        for days, minutes, services, notes in LOAN_SESSIONS:
            held_on = loan.disbursed_on + timedelta(days=days)
            if held_on <= today:
                added["sessions"] += _log(trainee, mentor, held_on, minutes, services, notes)
        stored = {row.month for row in db.session.scalars(select_actuals(loan))}
        for month, (sales, costs, cash) in zip(open_months(loan.disbursed_on, today), ACTUALS, strict=False):
            if month in stored:
                continue
            figures = {"sales": Decimal(sales), "costs": Decimal(costs), "closing_cash": Decimal(cash)}
            save_actual(loan, month, figures, 0, mentor, today)
            added["actuals"] += 1
        # Milestones came with the payout, dated from it (several overdue by now): the first one is done
        # and signed off.
        given = db.session.scalars(
            select(Milestone).where(Milestone.loan_id == loan.id).order_by(Milestone.due_on, Milestone.id)
        ).all()
        if given and not any(m.status == MilestoneStatus.DONE.value for m in given):
            first = given[0]
            milestones.mark_done(
                first,
                mentor,
                evidence="Fatture del primo mese e registro di cassa controllati insieme.",
                base_revision=first.revision,
            )
            milestones.sign_off(first, officer, base_revision=first.revision)
            added["milestones_done"] = 1
    db.session.flush()
    return added


def select_actuals(loan: Loan):
    return select(MonthlyActual).where(MonthlyActual.loan_id == loan.id)
